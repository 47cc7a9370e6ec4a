// Operations statements: the failed-batches table (written after a batch rolled back, so the status
// grid can say `failed`) and the ledger reads behind `load status`. Reads touch only the ledger
// tables — never a stream table — so status costs the same at 1M or 100M rows an hour.
import type { HourRange } from "../hours";
import { qualifiedName, quoteIdent, validateIdentifier } from "../identifiers";
import { LEDGER_SCHEMA } from "./ddl";
import type { Dialect, Statement } from "./dialect";
import { timestampText } from "./dialect";

/** loader.failed_batches: one row per rolled-back batch attempt (outside its transaction, by design). */
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
}

export function buildFailedBatchRecord(record: FailedBatchRecord, ledgerSchema = LEDGER_SCHEMA): Statement {
  return {
    text: `INSERT INTO ${qualifiedName(ledgerSchema, "failed_batches")} ("batch_id", "stream", "file_hour_from", "file_hour_to", "files", "bytes", "error", "failed_at") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
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
