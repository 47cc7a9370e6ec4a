// `pnpm run generate`: the process wiring of runCli (cli-main.ts).
import { runCli } from "./cli-main";

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  progressStream: process.stderr,
}).then((code) => process.exit(code));
