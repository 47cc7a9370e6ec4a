// Loader Lambda entry (bundled by the infra with esbuild, @aws-sdk/* external). Thin on purpose: the
// decisions live in handleLambdaEvent and the loader core. It wires the Redshift driver only, so the
// bundle leaves out the PostgreSQL driver and its staging engine (JSON scanner, record encoder).
import { loadConfigFromEnvironment } from "./config";
import { handleLambdaEvent, type LambdaContext, type LambdaResponse } from "./lambda-event";
import { jsonLogger } from "./log";
import { createRuntimeDepsWith, redshiftDriverFactory } from "./runtime-clients";

const log = jsonLogger();

export async function handler(event: unknown, context?: LambdaContext): Promise<LambdaResponse> {
  return handleLambdaEvent(
    event,
    {
      config: () => loadConfigFromEnvironment({ envFile: false }),
      // Fresh clients and secret per invocation: the cluster's managed password rotates.
      deps: (config) => createRuntimeDepsWith(config, redshiftDriverFactory),
      log,
      // EMF documents go straight to stdout, one JSON object per line, like the log lines: the
      // runtime wraps only console.* output in its JSON log format (see docs/loading.md, Metrics).
      emit: (line) => process.stdout.write(`${line}\n`),
    },
    context,
  );
}
