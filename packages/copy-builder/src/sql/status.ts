// Operations statements: the failed-batches table (written after a batch rolled back, so the status
// grid can say `failed`) and the ledger reads behind `load status`. Reads touch only the ledger
// tables — never a stream table — so status costs the same at 1M or 100M rows an hour.
import type { HourRange } from "../hours";
import { qualifiedName, quoteIdent, validateIdentifier } from "../identifiers";
import { LEDGER_SCHEMA } from "./ddl";
import type { Dialect, Statement } from "./dialect";
import { timestampText } from "./dialect";

/**
 * loader.failed_batches: one row per rolled-back batch attempt (outside its transaction, by design).
 * `driver` and `timed_out` (its statement_timeout cancelled it) let the next run size its batches
 * down after a cut (loader budget.ts); both are NULL in rows written before they were added.
 */
export function opsDdl(dialect: Dialect, ledgerSchema = LEDGER_SCHEMA): string[] {
  const table = qualifiedName(ledgerSchema, "failed_batches");
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(ledgerSchema, "schema")}`,
    `CREATE TABLE IF NOT EXISTS ${table} (
  "batch_id" VARCHAR(64) NOT NULL,
  "stream" VARCHAR(127) NOT NULL,
  "file_hour_from" TIMESTAMPTZ NOT NULL,
  "file_hour_to" TIMESTAMPTZ NOT NULL,
  "files" INTEGER NOT NULL,
  "bytes" BIGINT NOT NULL,
  "error" VARCHAR(1024) NOT NULL,
  "failed_at" TIMESTAMPTZ NOT NULL,
  "driver" VARCHAR(32),
  "timed_out" BOOLEAN,
  PRIMARY KEY ("batch_id")
)${dialect === "redshift" ? '\nSORTKEY ("stream", "file_hour_from")' : ""}`,
  ];
}

export interface FailedBatchRecord {
  batchId: string;
  stream: string;
  fileHourFrom: Date;
  fileHourTo: Date;
  files: number;
  bytes: number;
  error: string;
  failedAt: Date;
  /** The driver that ran it (as loader.batches records it). */
  driver: string;
  /** Its statement_timeout cancelled it (SQLSTATE 57014). */
  timedOut: boolean;
}

export function buildFailedBatchRecord(record: FailedBatchRecord, ledgerSchema = LEDGER_SCHEMA): Statement {
  return {
    text: `INSERT INTO ${qualifiedName(ledgerSchema, "failed_batches")} ("batch_id", "stream", "file_hour_from", "file_hour_to", "files", "bytes", "error", "failed_at", "driver", "timed_out") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    values: [
      record.batchId,
      validateIdentifier(record.stream, "stream"),
      timestampText(record.fileHourFrom),
      timestampText(record.fileHourTo),
      record.files,
      record.bytes,
      // VARCHAR(1024) counts bytes on Redshift: keep well under it for multi-byte messages.
      record.error.slice(0, 300),
      timestampText(record.failedAt),
      record.driver,
      record.timedOut,
    ],
  };
}

const range = (stream: string, hours: HourRange) => [
  validateIdentifier(stream, "stream"),
  timestampText(hours.from),
  timestampText(hours.to),
];

/**
 * Every ledger row of a stream in a range of partition hours, with the rows its batch holds in the
 * table: staged minus duplicates, i.e. inserted + replaced + unchanged (a re-import of identical rows
 * writes nothing, yet the hour still holds them).
 */
export function buildStatusLedgerQuery(
  stream: string,
  hours: HourRange,
  ledgerSchema = LEDGER_SCHEMA,
): Statement {
  const files = qualifiedName(ledgerSchema, "loaded_files");
  const batches = qualifiedName(ledgerSchema, "batches");
  return {
    text: `SELECT f."file_key", f."file_hour", f."size_bytes", f."batch_id", f."loaded_at", b."bytes" AS "batch_bytes", b."rows_staged" - b."duplicates_dropped" AS "batch_rows" FROM ${files} f LEFT JOIN ${batches} b ON b."batch_id" = f."batch_id" WHERE f."stream" = $1 AND f."file_hour" BETWEEN $2 AND $3`,
    values: range(stream, hours),
  };
}

/** Failed batch attempts of a stream whose files touch the range of partition hours. */
export function buildFailedBatchesQuery(
  stream: string,
  hours: HourRange,
  ledgerSchema = LEDGER_SCHEMA,
): Statement {
  return {
    text: `SELECT "batch_id", "file_hour_from", "file_hour_to", "error", "failed_at" FROM ${qualifiedName(ledgerSchema, "failed_batches")} WHERE "stream" = $1 AND "file_hour_to" >= $2 AND "file_hour_from" <= $3`,
    values: range(stream, hours),
  };
}

/**
 * `status --verify`: for every ledger file of a stream in a range of partition hours, its batch and
 * the batch's rejected count, and whether the batch also loaded files of other hours (then its
 * rejected count is shared between them and only bounds each hour's).
 */
export function buildVerifyLedgerQuery(
  stream: string,
  hours: HourRange,
  ledgerSchema = LEDGER_SCHEMA,
): Statement {
  const files = qualifiedName(ledgerSchema, "loaded_files");
  const batches = qualifiedName(ledgerSchema, "batches");
  return {
    text: `SELECT f."file_key", f."file_hour", f."batch_id", b."rejected", s."hour_from" AS "batch_hour_from", s."hour_to" AS "batch_hour_to" FROM ${files} f LEFT JOIN ${batches} b ON b."batch_id" = f."batch_id" LEFT JOIN (SELECT "batch_id", MIN("file_hour") AS "hour_from", MAX("file_hour") AS "hour_to" FROM ${files} WHERE "stream" = $1 AND "batch_id" IN (SELECT "batch_id" FROM ${files} WHERE "stream" = $1 AND "file_hour" BETWEEN $2 AND $3) GROUP BY "batch_id") s ON s."batch_id" = f."batch_id" WHERE f."stream" = $1 AND f."file_hour" BETWEEN $2 AND $3`,
    values: range(stream, hours),
  };
}

/** Keys per verify query: well below every parameter limit, and a short IN list per statement. */
export const VERIFY_KEYS_CHUNK = 1000;

/**
 * `status --verify`: how many rows of a stream table hold one of the given keys, within the sort-key
 * bounds (so Redshift's zone maps and PostgreSQL's BRIN skip the rest of the table). Read-only; the
 * keys travel as bind parameters.
 */
export function buildVerifyRowsQuery(
  target: { schema: string; table: string; key: string; sortKey: string },
  keys: readonly string[],
  bounds: { low: Date; high: Date },
): Statement {
  if (keys.length === 0 || keys.length > VERIFY_KEYS_CHUNK)
    throw new RangeError(`between 1 and ${VERIFY_KEYS_CHUNK} keys per query, got ${keys.length}`);
  const key = quoteIdent(target.key, "key column");
  const sort = quoteIdent(target.sortKey, "sort key column");
  return {
    text: `SELECT COUNT(*) AS "rows" FROM ${qualifiedName(target.schema, target.table)} WHERE ${sort} BETWEEN $1 AND $2 AND ${key} IN (${keys.map((_, i) => `$${i + 3}`).join(", ")})`,
    values: [timestampText(bounds.low), timestampText(bounds.high), ...keys],
  };
}
