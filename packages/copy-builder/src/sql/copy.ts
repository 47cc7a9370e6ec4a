// The Redshift COPY of one batch: every planned file of a stream, listed in a manifest, into the
// batch's temp table of raw lines, in one statement so Redshift spreads the files over all slices.
//
// The COPY reads each line as one text field (not `FORMAT AS JSON`): JSON COPY "searches for a
// well-formed JSON object" and is not line-based, so a truncated record can swallow the valid one
// after it. As delimited text, a line is a record by definition; the JSON is parsed in SQL after
// (raw-lines.ts). docs/loading.md, "Line-exact staging", cites the passages this relies on.
import {
  quoteIdent,
  quoteLiteral,
  UnsafeSqlValueError,
  validateRegion,
  validateRoleArn,
} from "../identifiers";
import { s3Url } from "../manifest";
import type { Statement } from "./dialect";

export interface CopyOptions {
  /** The batch's raw-lines table (an unqualified temp table name, see buildCreateRawLines). */
  table: string;
  manifest: { bucket: string; key: string };
  /**
   * "default" uses the cluster's default IAM role. Several ARNs chain roles: Redshift assumes the
   * first (attached to the cluster, account B), which assumes the next (e.g. a reader in account A).
   */
  iamRoles: "default" | readonly string[];
  /** Region of the buckets when it differs from the cluster's; omitted when undefined. */
  region?: string | undefined;
  /**
   * Bad records this COPY may skip and still succeed (0-99999). Redshift fails a COPY when the error
   * count is "error_count or greater", so the statement says MAXERROR maxErrors + 1 (limit 100000).
   */
  maxErrors: number;
  /** Firehose writes GZIP objects by default; false for uncompressed delivery. */
  gzip: boolean;
}

/**
 * The field delimiter of the raw-lines COPY: octal 037 (unit separator). RFC 8259 forbids an
 * unescaped control character inside a JSON string and allows only space, tab, LF and CR between
 * tokens, so no valid JSON line contains it: every valid line is exactly one field. A line that does
 * contain it is not JSON; COPY rejects it ("Extra column(s) found") with its file and line number.
 */
export const RAW_LINE_DELIMITER = "\\037";

/** Redshift's limit for the MAXERROR value itself. */
export const REDSHIFT_MAXERROR_LIMIT = 100_000;
/**
 * The most bad records a batch may tolerate (LOAD_MAX_ERRORS): tolerating N takes MAXERROR N + 1,
 * which must stay within Redshift's 100000.
 */
export const MAX_TOLERATED_ERRORS = REDSHIFT_MAXERROR_LIMIT - 1;

/**
 * The MAXERROR value that tolerates exactly `tolerated` bad records. The COPY docs: "If the load
 * returns the error_count number of errors or greater, the load fails" and "Set this value to 0 or 1
 * if you want the load to fail as soon as the first error occurs".
 */
export function maxErrorFor(tolerated: number): number {
  if (!Number.isInteger(tolerated) || tolerated < 0 || tolerated > MAX_TOLERATED_ERRORS) {
    throw new UnsafeSqlValueError(
      "MAXERROR",
      String(tolerated),
      `a whole number of tolerated errors 0-${MAX_TOLERATED_ERRORS}`,
    );
  }
  return tolerated + 1;
}

export function buildCopy(options: CopyOptions): string {
  const maxError = maxErrorFor(options.maxErrors);
  let role: string;
  if (options.iamRoles === "default") {
    role = "default";
  } else {
    if (options.iamRoles.length === 0)
      throw new UnsafeSqlValueError("IAM role", "", "at least one role ARN or 'default'");
    role = quoteLiteral(
      options.iamRoles.map((arn) => validateRoleArn(arn, "COPY role ARN")).join(","),
      "IAM role",
    );
  }
  return [
    `COPY ${quoteIdent(options.table, "raw lines table")} (raw_line)`,
    `FROM ${quoteLiteral(s3Url(options.manifest.bucket, options.manifest.key), "manifest URL")}`,
    `IAM_ROLE ${role}`,
    "MANIFEST",
    // Delimited text, one field per line. No ESCAPE: a backslash loads as itself, so JSON escapes
    // reach JSON_PARSE untouched. No TRUNCATECOLUMNS: a line longer than the raw_line column
    // (65535 bytes) is rejected by the COPY with its file and line, never cut into other JSON.
    `DELIMITER '${RAW_LINE_DELIMITER}'`,
    // A line that only holds a line feed is not a record (the local reader skips blank lines too).
    "IGNOREBLANKLINES",
    // The default null string is \N: a line `\N` would load as NULL and lose its text. Only a line
    // that is a lone NUL loads as NULL now; any other line keeps its text for the quarantine.
    "NULL AS '\\000'",
    ...(options.gzip ? ["GZIP"] : []),
    ...(options.region ? [`REGION ${quoteLiteral(validateRegion(options.region, "COPY region"))}`] : []),
    `MAXERROR ${maxError}`,
    // A temp table dropped with the batch: analysing its compression or statistics is wasted work.
    "COMPUPDATE OFF",
    "STATUPDATE OFF",
  ].join("\n");
}

/**
 * The rejected records of the last COPY in this session (Redshift only). `sys_load_error_detail` is
 * the view that also covers concurrency-scaling clusters; it has no raw line, so the message and the
 * column stand in for it.
 */
export function buildLoadErrorsQuery(limit: number): string {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  return [
    "SELECT TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name, TRIM(error_message) AS error_message,",
    "  COUNT(*) OVER () AS total",
    "FROM sys_load_error_detail",
    "WHERE query_id = pg_last_copy_id()",
    "ORDER BY file_name, line_number",
    `LIMIT ${limit}`,
  ].join("\n");
}

/**
 * Redshift, inside the stage transaction before its COPY: the transaction's start time, as text.
 * SYSDATE "returns the start date and time for the current transaction" (UTC unless the session
 * changed its time zone, which the loader never does), so every COPY of the batch starts at or after
 * it. Text, so the driver hands it back unchanged (no client-side time zone in between).
 */
export function buildStageMark(): string {
  return "SELECT CAST(SYSDATE AS VARCHAR(32)) AS mark";
}

/**
 * The rejected records of this session's COPYs since a stage mark, for after a rolled-back COPY:
 * PG_LAST_COPY_ID "is not updated" when "the COPY transaction is rolled back", so the lookup goes by
 * session (PG_BACKEND_PID, the process that ran the COPY, sys_load_error_detail.session_id) and by
 * the COPY's start_time (UTC). Same columns as buildLoadErrorsQuery.
 */
export function buildLoadErrorsSinceQuery(limit: number, mark: string): Statement {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/.test(mark))
    throw new RangeError(`not a stage mark: ${mark}`);
  return {
    text: [
      "SELECT TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name, TRIM(error_message) AS error_message,",
      "  COUNT(*) OVER () AS total",
      "FROM sys_load_error_detail",
      "WHERE session_id = PG_BACKEND_PID() AND start_time >= CAST($1 AS TIMESTAMP)",
      "ORDER BY file_name, line_number",
      `LIMIT ${limit}`,
    ].join("\n"),
    values: [mark],
  };
}
