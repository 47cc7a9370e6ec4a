// Ledger statements. Data values (keys, times, counts) travel as bind parameters, never in the text;
// list parameters are chunked because Redshift has no array parameters.
import type { HourRange } from "../hours";
import { qualifiedName, validateIdentifier } from "../identifiers";
import { LEDGER_SCHEMA } from "./ddl";
import { type Statement, timestampText } from "./dialect";

export interface LedgerFile {
  key: string;
  hour: Date;
  size: number;
}

export interface BatchRecord {
  batchId: string;
  stream: string;
  range: HourRange;
  reimport: boolean;
  driver: string;
  files: number;
  bytes: number;
  rowsStaged: number;
  rowsInserted: number;
  rowsReplaced: number;
  duplicatesDropped: number;
  rejected: number;
  startedAt: Date;
  finishedAt: Date;
}

/** Rows per multi-row statement (6 parameters per file stays far below any parameter limit). */
export const LEDGER_CHUNK = 500;

const iso = timestampText;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Keys already loaded for a stream within a range of partition hours. */
export function buildLedgerLookup(stream: string, range: HourRange, ledgerSchema = LEDGER_SCHEMA): Statement {
  return {
    text: `SELECT "file_key" FROM ${qualifiedName(ledgerSchema, "loaded_files")} WHERE "stream" = $1 AND "file_hour" BETWEEN $2 AND $3`,
    values: [validateIdentifier(stream, "stream"), iso(range.from), iso(range.to)],
  };
}

/**
 * Keys a re-import request has already loaded again within a range: a re-import that spans batches
 * or runs skips them, so each file is re-imported once per request.
 */
export function buildReimportLookup(
  stream: string,
  range: HourRange,
  requestId: string,
  ledgerSchema = LEDGER_SCHEMA,
): Statement {
  return {
    text: `SELECT "file_key" FROM ${qualifiedName(ledgerSchema, "loaded_files")} WHERE "stream" = $1 AND "file_hour" BETWEEN $2 AND $3 AND "request_id" = $4`,
    values: [validateIdentifier(stream, "stream"), iso(range.from), iso(range.to), requestId],
  };
}

/**
 * Recent batches of a stream and driver (newest first): the run loop's throughput history. With
 * them, the attempts its statement_timeout cut (loader.failed_batches, `timed_out` true): their
 * `started_at` and `finished_at` are both the failure's time (how long they ran is not kept).
 */
export function buildBatchHistory(
  stream: string,
  driver: string,
  limit = 20,
  ledgerSchema = LEDGER_SCHEMA,
): Statement {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return {
    text: `SELECT "bytes", "started_at", "finished_at", FALSE AS "timed_out" FROM ${qualifiedName(ledgerSchema, "batches")} WHERE "stream" = $1 AND "driver" = $2 AND "files" > 0 UNION ALL SELECT "bytes", "failed_at", "failed_at", TRUE FROM ${qualifiedName(ledgerSchema, "failed_batches")} WHERE "stream" = $1 AND "driver" = $2 AND "timed_out" = TRUE ORDER BY "finished_at" DESC LIMIT ${limit}`,
    values: [validateIdentifier(stream, "stream"), driver],
  };
}

/** Forgets files about to be re-imported, so the ledger holds one row per file afterwards. */
export function buildLedgerForget(
  stream: string,
  keys: readonly string[],
  ledgerSchema = LEDGER_SCHEMA,
): Statement[] {
  const table = qualifiedName(ledgerSchema, "loaded_files");
  return chunks(keys, LEDGER_CHUNK).map((part) => ({
    text: `DELETE FROM ${table} WHERE "stream" = $1 AND "file_key" IN (${part.map((_, i) => `$${i + 2}`).join(", ")})`,
    values: [validateIdentifier(stream, "stream"), ...part],
  }));
}

/** Records files as loaded; a re-import also records its request id (see buildReimportLookup). */
export function buildLedgerRecord(
  stream: string,
  batchId: string,
  files: readonly LedgerFile[],
  loadedAt: Date,
  ledgerSchema = LEDGER_SCHEMA,
  requestId?: string,
): Statement[] {
  const table = qualifiedName(ledgerSchema, "loaded_files");
  validateIdentifier(stream, "stream");
  const columns = ["stream", "file_key", "file_hour", "size_bytes", "batch_id", "loaded_at"];
  if (requestId !== undefined) columns.push("request_id");
  return chunks(files, LEDGER_CHUNK).map((part) => {
    const values: unknown[] = [];
    const rows = part.map((file) => {
      const start = values.length;
      values.push(stream, file.key, iso(file.hour), file.size, batchId, iso(loadedAt));
      if (requestId !== undefined) values.push(requestId);
      return `(${columns.map((_, i) => `$${start + i + 1}`).join(", ")})`;
    });
    return {
      text: `INSERT INTO ${table} (${columns.map((c) => `"${c}"`).join(", ")}) VALUES ${rows.join(", ")}`,
      values,
    };
  });
}

export function buildBatchRecord(batch: BatchRecord, ledgerSchema = LEDGER_SCHEMA): Statement {
  const columns = [
    ["batch_id", batch.batchId],
    ["stream", validateIdentifier(batch.stream, "stream")],
    ["range_from", iso(batch.range.from)],
    ["range_to", iso(batch.range.to)],
    ["reimport", batch.reimport],
    ["driver", batch.driver],
    ["files", batch.files],
    ["bytes", batch.bytes],
    ["rows_staged", batch.rowsStaged],
    ["rows_inserted", batch.rowsInserted],
    ["rows_replaced", batch.rowsReplaced],
    ["duplicates_dropped", batch.duplicatesDropped],
    ["rejected", batch.rejected],
    ["started_at", iso(batch.startedAt)],
    ["finished_at", iso(batch.finishedAt)],
  ] as const;
  return {
    text: `INSERT INTO ${qualifiedName(ledgerSchema, "batches")} (${columns.map(([c]) => `"${c}"`).join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
    values: columns.map(([, v]) => v),
  };
}
