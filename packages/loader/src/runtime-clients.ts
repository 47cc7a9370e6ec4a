// The clients every runtime needs, whatever the warehouse: the S3 client of the events bucket and the
// connect function (credentials from RS_PASSWORD or the cluster's Secrets Manager secret). Which
// driver moves the bytes is the caller's choice, so the Lambda bundle carries the Redshift one only
// (deps.ts adds the PostgreSQL driver and its staging engine for the CLI and local mode).
import type { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { honourProfileEndpoint } from "@kr/aws-clients";
import type { LoaderConfig } from "./config";
import { createRedshiftDriver } from "./drivers/redshift";
import type { WarehouseDriver } from "./drivers/types";
import { ConfigError } from "./errors";
import type { LoadDeps } from "./load";
import { createS3Client } from "./s3-objects";
import { type Connect, resolveCredentials, type WarehouseCredentials, warehouseConnector } from "./warehouse";

export interface RuntimeDeps extends LoadDeps {
  /** Releases the AWS SDK clients' sockets. */
  close(): void;
}

/** Builds the driver for a config; `clients` collects SDK clients to destroy on close. */
export type DriverFactory = (
  config: LoaderConfig,
  s3: S3Client,
  clients: { destroy(): void }[],
) => WarehouseDriver;

export function createRuntimeDepsWith(config: LoaderConfig, createDriver: DriverFactory): RuntimeDeps {
  const s3 = createS3Client(config.source);
  const clients: { destroy(): void }[] = [s3];
  let secrets: SecretsManagerClient | undefined;
  let credentials: Promise<WarehouseCredentials> | undefined;
  const connect: Connect = warehouseConnector(config.warehouse, () => {
    credentials ??= resolveCredentials(config.warehouse, () => {
      secrets ??= honourProfileEndpoint(
        new SecretsManagerClient({
          region: config.region,
          ...(config.aws.profileB && { profile: config.aws.profileB }),
        }),
        config.aws.profileB,
      );
      clients.push(secrets);
      return secrets;
    });
    return credentials;
  });
  const driver = createDriver(config, s3, clients);
  return {
    s3,
    driver,
    connect,
    close: () => {
      for (const client of clients) client.destroy();
    },
  };
}

/** Redshift: COPY from a manifest written to account B's manifest bucket. */
export const redshiftDriverFactory: DriverFactory = (config, _s3, clients) => {
  if (config.warehouse.dialect !== "redshift")
    throw new ConfigError(
      "the loader Lambda loads into Redshift only (KR_MODE=aws with RS_HOST the cluster); run local mode with `pnpm run load`",
    );
  const { manifestBucket } = config.aws;
  if (!manifestBucket)
    throw new ConfigError("LOAD_MANIFEST_BUCKET (or ACCOUNT_B_ID) is required to load into Redshift");
  // Manifests go to account B's bucket: the profile of account B, not of the events bucket's account A.
  const manifestS3 = createS3Client({ ...config.source, profile: config.aws.profileB }, config.aws.profileB);
  clients.push(manifestS3);
  return createRedshiftDriver({
    manifestS3,
    manifestBucket,
    sourceBucket: config.source.bucket,
    iamRoles: config.aws.copyRoles,
    region: config.region,
  });
};
