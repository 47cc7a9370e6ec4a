// Connections and catalog reads, shared by both drivers (Redshift speaks the PostgreSQL protocol).
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { buildColumnsQuery, normalizeDataType } from "@kr/copy-builder";
import pg from "pg";
import type { WarehouseSettings } from "./config";
import { ConfigError, LoadFailedError } from "./errors";
import type { StagingColumn } from "./staging/index";

export interface WarehouseCredentials {
  user: string;
  password: string;
}

/**
 * RS_PASSWORD when set (local), else the Secrets Manager secret (AWS: the cluster's managed master
 * secret holds {"username", "password"}).
 */
export async function resolveCredentials(
  settings: WarehouseSettings,
  secrets?: () => SecretsManagerClient,
): Promise<WarehouseCredentials> {
  if (settings.password !== undefined) return { user: settings.user, password: settings.password };
  if (!settings.secretArn || !secrets) {
    throw new ConfigError(
      "the warehouse password is not set: set RS_SECRET_ARN to the cluster's secret (or RS_PASSWORD for a local warehouse)",
    );
  }
  const response = await secrets().send(new GetSecretValueCommand({ SecretId: settings.secretArn }));
  let secret: { username?: unknown; password?: unknown };
  try {
    secret = JSON.parse(response.SecretString ?? "{}");
  } catch {
    throw new ConfigError(
      `RS_SECRET_ARN ${settings.secretArn} does not hold JSON with username and password`,
    );
  }
  if (typeof secret.password !== "string") {
    throw new ConfigError(`RS_SECRET_ARN ${settings.secretArn} has no "password" field`);
  }
  return {
    user: typeof secret.username === "string" ? secret.username : settings.user,
    password: secret.password,
  };
}

export type Connect = () => Promise<pg.Client>;

/** A connect function for the settings; failures become a LoadFailedError that says what to check. */
export function warehouseConnector(
  settings: WarehouseSettings,
  credentials: () => Promise<WarehouseCredentials>,
): Connect {
  return async () => {
    const { user, password } = await credentials();
    const client = new pg.Client({
      host: settings.host,
      port: settings.port,
      database: settings.database,
      user,
      password,
      ssl: settings.ssl ? { rejectUnauthorized: true } : false,
      // Tagged so a later run can find this session if it is orphaned (terminateStaleSessions).
      application_name: settings.applicationName,
      connectionTimeoutMillis: 30_000,
      // Probes an idle connection, so a peer that vanished (a frozen Lambda, a dropped NAT entry) is
      // noticed instead of holding the socket open for hours.
      keepAlive: true,
      keepAliveInitialDelayMillis: 30_000,
    });
    try {
      await client.connect();
    } catch (error) {
      throw new LoadFailedError(
        `cannot connect to the warehouse at ${settings.host}:${settings.port}/${settings.database}: ${(error as Error).message} — ` +
          (settings.dialect === "postgres"
            ? "is the local warehouse running (make local-up)? check RS_HOST and RS_PORT"
            : "check RS_HOST/RS_PORT and that this machine can reach the cluster (or drop --direct to go through the Lambda)"),
        { cause: error },
      );
    }
    return client;
  };
}

/** The target table's columns from information_schema (works on Redshift and PostgreSQL). */
export async function readTableColumns(
  client: pg.ClientBase,
  schema: string,
  table: string,
): Promise<StagingColumn[]> {
  const { rows } = await client.query<{
    column_name: string;
    data_type: string;
    character_maximum_length: number | string | null;
    is_nullable: string;
  }>(buildColumnsQuery(schema, table));
  return rows.map((row) => ({
    name: row.column_name,
    // varchar(n) keeps its n: the staging table and the reject step need the target's lengths.
    type:
      normalizeDataType(row.data_type) === "varchar" && row.character_maximum_length !== null
        ? `varchar(${Number(row.character_maximum_length)})`
        : normalizeDataType(row.data_type),
    nullable: row.is_nullable.toUpperCase() === "YES",
  }));
}

/** Whether a warehouse error carries this SQLSTATE (PostgreSQL and Redshift share the codes). */
export function hasSqlState(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | null | undefined)?.code === code;
}

/** SQLSTATE 42P01: the ledger or a stream table does not exist yet. */
export function isUndefinedTable(error: unknown): boolean {
  return hasSqlState(error, "42P01");
}

export const CREATE_TABLES_HINT =
  "run `make create-redshift-tables` (or `pnpm run load -- create-tables`) first";

/** Closes a client, ignoring errors from a connection that is already gone. */
export async function endQuietly(client: pg.Client | undefined): Promise<void> {
  if (!client) return;
  try {
    await client.end();
  } catch {
    // already closed
  }
}
