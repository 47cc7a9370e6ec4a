// `pnpm run doctor -- …`: sets the exit code and lets the process end on its own.
import { runDoctor } from "./cli-main";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

process.exitCode = await runDoctor(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
