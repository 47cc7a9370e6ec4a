// `ping`: what `make doctor` asks the deployed Lambda — can it reach the cluster (through the secret,
// on its normal connection path) and do the stream tables and the ledger exist. Read-only, small.
import { LEDGER_SCHEMA } from "@kr/copy-builder";
import type { LoaderConfig } from "./config";
import { type Connect, endQuietly, readTableColumns } from "./warehouse";

/** The ledger's table (the file ledger create-tables makes; its other tables come with it). */
export const LEDGER_TABLE = "loaded_files";

export interface PingReport {
  /** `SELECT 1` answered 1. */
  selectOne: boolean;
  /** Credentials (RS_PASSWORD or the Secrets Manager secret) and the connection, in ms. */
  connectMs: number;
  /** `SELECT 1` round trip, in ms. */
  queryMs: number;
  /** `<schema>.<stream>` → exists, for every configured stream. */
  tables: Record<string, boolean>;
  /** `loader.loaded_files` exists. */
  ledger: boolean;
}

export async function runPing(config: LoaderConfig, deps: { connect: Connect }): Promise<PingReport> {
  const started = performance.now();
  const client = await deps.connect();
  try {
    const connected = performance.now();
    const { rows } = await client.query<{ one: number }>("SELECT 1 AS one");
    const queryMs = performance.now() - connected;
    const exists = async (schema: string, table: string) =>
      (await readTableColumns(client, schema, table)).length > 0;
    const { schema } = config.warehouse;
    const tables: Record<string, boolean> = {};
    for (const stream of config.streams) tables[`${schema}.${stream}`] = await exists(schema, stream);
    return {
      selectOne: Number(rows[0]?.one) === 1,
      connectMs: Math.round(connected - started),
      queryMs: Math.round(queryMs),
      tables,
      ledger: await exists(LEDGER_SCHEMA, LEDGER_TABLE),
    };
  } finally {
    await endQuietly(client);
  }
}
