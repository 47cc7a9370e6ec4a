// Loader Lambda entry (bundled by the infra with esbuild, @aws-sdk/* external). Thin on purpose: the
// decisions live in handleLambdaEvent and the loader core. It wires the Redshift driver only, so the
// bundle leaves out the PostgreSQL driver and its staging engine (JSON scanner, record encoder).
import type { LoaderConfig } from "./config";
import { loadConfigFromEnvironment } from "./config";
import { handleLambdaEvent, type LambdaContext, type LambdaResponse } from "./lambda-event";
import { jsonLogger } from "./log";
import { createRuntimeDepsWith, type RuntimeDeps, redshiftDriverFactory } from "./runtime-clients";

const log = jsonLogger();

/** The deployed runtime: Redshift. Tests pass the CLI's runtime to run the same handler locally. */
const redshiftRuntime = (config: LoaderConfig) => createRuntimeDepsWith(config, redshiftDriverFactory);

export function createHandler(
  deps: (config: LoaderConfig) => RuntimeDeps = redshiftRuntime,
): (event: unknown, context?: LambdaContext) => Promise<LambdaResponse> {
  return (event, context) =>
    handleLambdaEvent(
      event,
      {
        config: () => loadConfigFromEnvironment({ envFile: false }),
        // Fresh clients and secret per invocation: the cluster's managed password rotates.
        deps,
        log,
        // EMF documents go straight to stdout, one JSON object per line, like the log lines: the
        // runtime wraps only console.* output in its JSON log format (see docs/loading.md, Metrics).
        emit: (line) => process.stdout.write(`${line}\n`),
      },
      context,
    );
}

export const handler = createHandler();
