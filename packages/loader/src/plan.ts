// Plan: which files each stream would load. Lists every hour prefix of the range (paginated, many at
// once), reads the target's columns from the catalog, and drops files the ledger already has (for a
// re-import: files this re-import request already loaded again). Also reads the stream's recent batch
// times, from which the run loop sizes batches to its budget. Reads only.

import type { S3Client } from "@aws-sdk/client-s3";
import {
  buildBatchHistory,
  buildLedgerLookup,
  buildReimportLookup,
  DEFAULT_KEYS,
  type HourRange,
  hoursOf,
  LEDGER_SCHEMA,
  STREAM_TABLES,
  streamPrefix,
} from "@kr/copy-builder";
import type pg from "pg";
import { type BatchHistory, HISTORY_WINDOW } from "./budget";
import { ConfigError } from "./errors";
import { listHourObjects, type PlannedFile, totalBytes } from "./s3-objects";
import type { StagingColumn } from "./staging/index";
import { CREATE_TABLES_HINT, hasSqlState, isUndefinedTable, readTableColumns } from "./warehouse";

export interface StreamPlan {
  stream: string;
  schema: string;
  columns: StagingColumn[];
  key: string;
  sortKey: string;
  /** Files to load, sorted by key. */
  files: PlannedFile[];
  /** Files in the range that the ledger already has. */
  skippedFiles: number;
  bytes: number;
  /** Recent batches of this stream by this driver (newest first). */
  history: BatchHistory[];
}

export interface PlanInput {
  client: pg.ClientBase;
  s3: S3Client;
  bucket: string;
  schema: string;
  streams: readonly string[];
  range: HourRange;
  reimport: boolean;
  /** Re-import request id: files the ledger records under it are not loaded again. */
  requestId?: string;
  /** Driver name, for the batch history. */
  driver: string;
  listConcurrency: number;
}

export async function planLoad(input: PlanInput): Promise<StreamPlan[]> {
  const hours = hoursOf(input.range);
  // The S3 listing needs nothing from the warehouse, so it runs while the catalog and the ledger are
  // read (one connection, sequential; information_schema is slow on Redshift). Awaited in order
  // below; should the catalog throw first, a listing's own failure is of no interest and must not
  // surface as an unhandled rejection.
  const listings = input.streams.map((stream) =>
    listHourObjects(input.s3, input.bucket, streamPrefix(stream), hours, input.listConcurrency),
  );
  for (const listing of listings) listing.catch(() => {});
  const plans: StreamPlan[] = [];
  for (const [i, stream] of input.streams.entries()) {
    const columns = await describeTarget(input.client, input.schema, stream);
    const keys = STREAM_TABLES[stream] ?? DEFAULT_KEYS;
    const loaded = await loadedKeys(input.client, stream, input.range, input.reimport, input.requestId);
    const history = await batchHistory(input.client, stream, input.driver);
    const listed = await (listings[i] as Promise<PlannedFile[]>);
    const files = listed.filter((f) => !loaded.has(f.key));
    plans.push({
      stream,
      schema: input.schema,
      columns,
      key: keys.key,
      sortKey: keys.sortKey,
      files,
      skippedFiles: listed.length - files.length,
      bytes: totalBytes(files),
      history,
    });
  }
  return plans;
}

async function describeTarget(
  client: pg.ClientBase,
  schema: string,
  stream: string,
): Promise<StagingColumn[]> {
  const columns = await readTableColumns(client, schema, stream);
  if (columns.length === 0)
    throw new ConfigError(`table ${schema}.${stream} does not exist: ${CREATE_TABLES_HINT}`);
  const keys = STREAM_TABLES[stream] ?? DEFAULT_KEYS;
  for (const column of [keys.key, keys.sortKey]) {
    if (!columns.some((c) => c.name === column)) {
      throw new ConfigError(
        `table ${schema}.${stream} has no ${column} column: every stream table needs ${keys.key} and ${keys.sortKey}`,
      );
    }
  }
  return columns;
}

async function loadedKeys(
  client: pg.ClientBase,
  stream: string,
  range: HourRange,
  reimport: boolean,
  requestId: string | undefined,
): Promise<Set<string>> {
  if (reimport && requestId === undefined) return new Set();
  try {
    const { rows } = await client.query<{ file_key: string }>(
      reimport && requestId !== undefined
        ? buildReimportLookup(stream, range, requestId)
        : buildLedgerLookup(stream, range),
    );
    return new Set(rows.map((r) => r.file_key));
  } catch (error) {
    if (isUndefinedTable(error)) {
      throw new ConfigError(
        `the loader ledger (${LEDGER_SCHEMA}.loaded_files) does not exist: ${CREATE_TABLES_HINT}`,
      );
    }
    if (isUndefinedColumn(error)) {
      throw new ConfigError(`the loader ledger predates re-import request ids: ${CREATE_TABLES_HINT}`);
    }
    throw error;
  }
}

async function batchHistory(client: pg.ClientBase, stream: string, driver: string): Promise<BatchHistory[]> {
  type Row = { bytes: unknown; started_at: Date; finished_at: Date; timed_out: boolean };
  let rows: Row[];
  try {
    ({ rows } = await client.query<Row>(buildBatchHistory(stream, driver, HISTORY_WINDOW)));
  } catch (error) {
    if (isUndefinedTable(error) || isUndefinedColumn(error))
      throw new ConfigError(
        `the loader ledger predates the batch history this release reads (${LEDGER_SCHEMA}.batches, ${LEDGER_SCHEMA}.failed_batches with driver and timed_out): ${CREATE_TABLES_HINT}`,
      );
    throw error;
  }
  return rows.map((r) => ({
    bytes: Number(r.bytes),
    durationMs: new Date(r.finished_at).getTime() - new Date(r.started_at).getTime(),
    ...(r.timed_out === true && { timedOut: true }),
  }));
}

/** SQLSTATE 42703: a column the code expects is missing (a ledger from an earlier release). */
function isUndefinedColumn(error: unknown): boolean {
  return hasSqlState(error, "42703");
}
