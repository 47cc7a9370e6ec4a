// Wires the real clients for a config with the driver of its dialect: PostgreSQL (the loader streams
// the objects through its own staging engine) or Redshift (COPY). The CLI, local mode and the tests
// use this; the Lambda uses runtime-clients.ts with the Redshift driver only.
import type { LoaderConfig } from "./config";
import { createPostgresDriver } from "./drivers/postgres";
import {
  createRuntimeDepsWith,
  type DriverFactory,
  type RuntimeDeps,
  redshiftDriverFactory,
} from "./runtime-clients";

export type { RuntimeDeps } from "./runtime-clients";

const anyDialect: DriverFactory = (config, s3, clients) =>
  config.warehouse.dialect === "postgres"
    ? createPostgresDriver({ s3, bucket: config.source.bucket, concurrency: config.load.stageConcurrency })
    : redshiftDriverFactory(config, s3, clients);

export function createRuntimeDeps(config: LoaderConfig): RuntimeDeps {
  return createRuntimeDepsWith(config, anyDialect);
}
