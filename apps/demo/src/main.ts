// `make demo` / `pnpm run demo`: runs the whole pipeline locally and prints the summary.
// Exit codes: 0 every event exactly once, 1 the check failed or a step failed, 2 bad options/settings.

import { DemoUsageError, loadDemoConfig } from "./config";
import { runDemo } from "./demo";
import { formatDemoReport } from "./report";

try {
  const config = loadDemoConfig(process.argv.slice(2));
  const result = await runDemo(config, { log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${formatDemoReport(result)}\n`);
  process.stdout.write(
    `\nThe stand-ins' state is in ${config.stateDir}/: \`make local-up\` serves it again (psql -h ${config.stack.warehouse.host} -p ${config.stack.warehouse.port} -U ${config.stack.warehouse.user} ${config.stack.warehouse.database}).\n`,
  );
  process.exitCode = result.exactlyOnce.every((e) => e.ok) ? 0 : 1;
} catch (error) {
  const code = error instanceof DemoUsageError ? 2 : ((error as { exitCode?: number }).exitCode ?? 1);
  process.stderr.write(`demo: ${(error as Error).message}\n`);
  process.exitCode = code === 2 ? 2 : 1;
}
