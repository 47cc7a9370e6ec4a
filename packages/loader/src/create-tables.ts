// `create-tables`: the stream tables, the ledger and the quarantine, idempotently (every statement is IF NOT EXISTS).
import {
  buildAddLedgerColumn,
  LEDGER_ADDED_COLUMNS,
  LEDGER_SCHEMA,
  ledgerDdl,
  opsDdl,
  quarantineDdl,
  STREAM_TABLES,
  streamTableDdl,
} from "@kr/copy-builder";
import type { LoaderConfig } from "./config";
import { ConfigError, UsageError } from "./errors";
import { type Connect, endQuietly, readTableColumns } from "./warehouse";

export interface CreateTablesRequest {
  streams?: readonly string[];
  dryRun?: boolean;
}

export interface CreateTablesReport {
  dryRun: boolean;
  dialect: "redshift" | "postgres";
  /** Every statement, in order (run, or for --dry-run, to run). */
  statements: string[];
  /** Streams without a built-in definition whose table already existed (left as is). */
  existing: string[];
}

export async function createTables(
  config: LoaderConfig,
  request: CreateTablesRequest,
  deps: { connect: Connect },
): Promise<CreateTablesReport> {
  const streams = request.streams && request.streams.length > 0 ? request.streams : config.streams;
  const unknown = streams.filter((s) => !config.streams.includes(s));
  if (unknown.length > 0)
    throw new UsageError(
      `unknown stream ${unknown.join(", ")}: the streams are ${config.streams.join(", ")}`,
    );
  const { dialect, schema } = config.warehouse;
  // Connect only when needed: a --dry-run of the built-in tables prints the DDL without a warehouse.
  let client: Awaited<ReturnType<Connect>> | undefined;
  const connection = async () => {
    client ??= await deps.connect();
    return client;
  };
  try {
    const statements = [...ledgerDdl(dialect), ...opsDdl(dialect), ...quarantineDdl(dialect)];
    const existing: string[] = [];
    for (const stream of streams) {
      const spec = STREAM_TABLES[stream];
      if (spec) {
        statements.push(...streamTableDdl(dialect, schema, stream, spec));
      } else if ((await readTableColumns(await connection(), schema, stream)).length > 0) {
        existing.push(stream);
      } else {
        throw new ConfigError(
          `stream ${stream} has no table definition: add it to STREAM_TABLES in packages/copy-builder/src/tables.ts, or create ${schema}.${stream} yourself (it needs event_id and occurred_at)`,
        );
      }
    }
    if (!request.dryRun) {
      const db = await connection();
      for (const statement of statements) await db.query(statement);
      // A ledger created by an earlier release lacks the columns added since (no IF NOT EXISTS on Redshift).
      for (const added of LEDGER_ADDED_COLUMNS) {
        const columns = await readTableColumns(db, LEDGER_SCHEMA, added.table);
        if (columns.some((c) => c.name === added.column)) continue;
        const alter = buildAddLedgerColumn(added);
        await db.query(alter);
        statements.push(alter);
      }
    }
    return { dryRun: request.dryRun ?? false, dialect, statements, existing };
  } finally {
    await endQuietly(client);
  }
}
