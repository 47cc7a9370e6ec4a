// Wires the real clients for a config: the S3 client, the warehouse driver for the dialect, and the
// connect function (credentials from RS_PASSWORD or the cluster's Secrets Manager secret).
import type { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { honourProfileEndpoint } from "@kr/aws-clients";
import type { LoaderConfig } from "./config";
import { createPostgresDriver } from "./drivers/postgres";
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

export function createRuntimeDeps(config: LoaderConfig): RuntimeDeps {
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

function createDriver(config: LoaderConfig, s3: S3Client, clients: { destroy(): void }[]): WarehouseDriver {
  if (config.warehouse.dialect === "postgres") {
    return createPostgresDriver({
      s3,
      bucket: config.source.bucket,
      concurrency: config.load.stageConcurrency,
    });
  }
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
}
