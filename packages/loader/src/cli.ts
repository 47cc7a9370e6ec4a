// `pnpm run load -- …` (see cli-args.ts for the flags). Sets the exit code and lets the process end
// on its own, so piped output is never cut short.
import { runCli } from "./cli-main";

// Node 20 is this project's runtime; the AWS SDK's notice about its own future Node requirement would
// otherwise print on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
