// `pnpm run local-up`: runCli wired to the process. The first SIGINT/SIGTERM flushes the Firehose
// buffers and stops; a second one means "now".
import { runCli } from "./cli-main";

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  untilStopped: () =>
    new Promise<string>((done) => {
      const stop = (signal: NodeJS.Signals) => {
        process.once("SIGINT", () => process.exit(130));
        process.once("SIGTERM", () => process.exit(143));
        done(signal);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    }),
});
process.exit(code);
