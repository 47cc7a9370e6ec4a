// Stage → merge, in the SQL subset Redshift and PostgreSQL share: a temp staging table (./staging.ts),
// filled in its own transaction before any lock, then (under the lock, in the batch
// transaction) delete the target rows whose key is staged and insert one row per key, so readers see
// the batch entirely or not at all and never wait for the bytes to move.
import { qualifiedName, quoteIdent, validateIdentifier } from "../identifiers";
import { type Dialect, timestampLiteral } from "./dialect";
import { refusedCondition, type TargetColumn } from "./staging";

export interface MergeTarget {
  schema: string;
  table: string;
  /** Unqualified name of the batch's temp staging table. */
  staging: string;
  /** Target columns in catalog order. */
  columns: readonly string[];
  /** Idempotency key (event_id). */
  key: string;
  /** Sort key (occurred_at) that bounds the delete. */
  sortKey: string;
}

/**
 * `kr_stage_<stream>[_<batch suffix>]`. Temp tables are per session, and the staging table now
 * outlives the stage transaction; the batch's own suffix keeps two loaders apart even where sessions
 * share one backend (PGlite multiplexes every connection onto one).
 */
export function stagingTableName(stream: string, batchId?: string): string {
  const suffix = batchId
    ? `_${batchId
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "")
        .slice(-8)}`
    : "";
  return validateIdentifier(`kr_stage_${stream}${suffix}`, "staging table");
}

/** `ifExists` for the clean-up after a failed merge, when the stage may or may not have committed. */
export function buildDropStaging(target: MergeTarget, options: { ifExists?: boolean } = {}): string {
  return `DROP TABLE ${options.ifExists ? "IF EXISTS " : ""}${quoteIdent(target.staging, "staging table")}`;
}

/**
 * PostgreSQL only: autovacuum never analyzes temp tables, so without this the merge is planned for
 * an empty staging table (nested loops, sorts on disk). Redshift's COPY analyzes a table it loads
 * while empty by itself (see docs/loading.md).
 */
export function buildAnalyzeStaging(target: MergeTarget): string {
  // Only the join columns: their statistics are what the plan needs, and the wide ones (JSON) are
  // most of ANALYZE's cost.
  const columns = [target.key, target.sortKey].map((c) => quoteIdent(c, "column")).join(", ");
  // A small sample is enough: the plan needs the row count (exact, from the table's size), whether
  // the key is unique and the sort key's range, not fine histograms. The default target (100) reads
  // 30,000 rows — every page of a batch of ~100k wide rows — and took ~100 ms a batch; 10 reads
  // 3,000 rows (~10 ms). SET LOCAL ends with the stage transaction.
  return `SET LOCAL default_statistics_target = 10; ANALYZE ${quoteIdent(target.staging, "staging table")} (${columns})`;
}

export interface MergeOptions {
  /**
   * Hours by which the delete bound is widened on both sides (LOAD_DEDUPE_WINDOW_HOURS): an id that
   * comes back with another occurred_at within the window replaces its earlier row.
   */
  windowHours?: number;
}

const HOUR_MS = 3_600_000;

/**
 * The target range the merge looks at for each staged key: the staged sort-key range widened by the
 * dedupe window, and by 1 ms because a JavaScript Date keeps milliseconds and the column keeps
 * microseconds (a row at .000500 must fall inside a bound read back as .000).
 */
export function mergeBounds(
  staged: { min: Date; max: Date },
  options: MergeOptions = {},
): { low: Date; high: Date } {
  const window = dedupeWindowMs(options);
  return {
    low: new Date(staged.min.getTime() - window - 1),
    high: new Date(staged.max.getTime() + window + 1),
  };
}

function dedupeWindowMs(options: MergeOptions): number {
  const hours = options.windowHours ?? 0;
  if (!Number.isInteger(hours) || hours < 0)
    throw new RangeError("the dedupe window must be whole hours ≥ 0");
  return hours * HOUR_MS;
}

function boundsSql(
  target: MergeTarget,
  bounds: { min: Date; max: Date } | "staged",
  options: MergeOptions,
): [string, string] {
  const staging = quoteIdent(target.staging, "staging table");
  const sort = quoteIdent(target.sortKey, "sort key column");
  if (bounds === "staged") {
    const hours = dedupeWindowMs(options) / HOUR_MS;
    const widen = hours > 0 ? ` - INTERVAL '${hours} hours'` : "";
    const widenUp = hours > 0 ? ` + INTERVAL '${hours} hours'` : "";
    return [
      `(SELECT MIN(${sort}) FROM ${staging})${widen}`,
      `(SELECT MAX(${sort}) FROM ${staging})${widenUp}`,
    ];
  }
  const { low, high } = mergeBounds(bounds, options);
  return [timestampLiteral(low), timestampLiteral(high)];
}

/**
 * One row: rows_staged, distinct_keys, min_sort, max_sort, and with `columns`, `refused`: the staged
 * rows the reject step would remove (buildStagingRejects), counted in the same scan so that a clean
 * batch (the common case) reads staging once instead of twice. When `refused` > 0 the reject step
 * runs and the statistics are read again without it.
 *
 * PostgreSQL (`dialect: "postgres"`): `distinct_keys` counts distinct 64-bit hashes of the key
 * (`hashtextextended`), which sorts 8-byte integers instead of the key's strings (~2.5× faster on
 * 500k rows). Equal keys have equal hashes, so it is never above the distinct keys, and equal to
 * `rows_staged` only when every key is distinct: then it is exact. When it is below, staging may hold
 * duplicates (or two keys share a hash): the merge then dedupes, and takes the exact count from the
 * deduping insert (one row per key) or, on a re-import, from this query's exact (Redshift) form.
 * Redshift keeps COUNT(DISTINCT).
 */
export function buildStagingStats(
  target: MergeTarget,
  dialect: Dialect = "redshift",
  columns?: readonly TargetColumn[],
): string {
  const key = quoteIdent(target.key, "key column");
  const sort = quoteIdent(target.sortKey, "sort key column");
  const distinct =
    dialect === "postgres" ? `COUNT(DISTINCT hashtextextended(${key}, 0))` : `COUNT(DISTINCT ${key})`;
  const refused = columns
    ? `, COUNT(CASE WHEN ${refusedCondition(target, columns)} THEN 1 END) AS refused`
    : "";
  return `SELECT COUNT(*) AS rows_staged, ${distinct} AS distinct_keys, MIN(${sort}) AS min_sort, MAX(${sort}) AS max_sort${refused} FROM ${quoteIdent(target.staging)}`;
}

/**
 * Deletes the target rows that the batch replaces. The sort-key bounds (see mergeBounds) let Redshift
 * skip every block outside the staged time range (zone maps), and PostgreSQL every block range (BRIN),
 * instead of scanning the whole table. `"staged"` writes the bounds as subqueries (for --dry-run,
 * before anything is staged).
 */
export function buildDeleteReplaced(
  target: MergeTarget,
  bounds: { min: Date; max: Date } | "staged",
  options: MergeOptions = {},
): string {
  const table = quoteIdent(target.table, "table");
  const staging = quoteIdent(target.staging, "staging table");
  const key = quoteIdent(target.key, "key column");
  const sort = quoteIdent(target.sortKey, "sort key column");
  const [low, high] = boundsSql(target, bounds, options);
  return [
    `DELETE FROM ${qualifiedName(target.schema, target.table)}`,
    `USING ${staging}`,
    `WHERE ${table}.${key} = ${staging}.${key}`,
    `  AND ${table}.${sort} BETWEEN ${low} AND ${high}`,
  ].join("\n");
}

/**
 * PostgreSQL, re-import: how many staged rows equal their target row (same key within the bounds,
 * every column equal). Read-only: when every staged key is unchanged the merge writes nothing at all.
 */
export function buildCountUnchanged(
  target: MergeTarget,
  bounds: { min: Date; max: Date } | "staged",
  options: MergeOptions = {},
): string {
  const table = quoteIdent(target.table, "table");
  const staging = quoteIdent(target.staging, "staging table");
  const key = quoteIdent(target.key, "key column");
  const sort = quoteIdent(target.sortKey, "sort key column");
  const [low, high] = boundsSql(target, bounds, options);
  const row = (alias: string) =>
    `(${target.columns.map((c) => `${alias}.${quoteIdent(c, "column")}`).join(", ")})`;
  return [
    "SELECT COUNT(*) AS unchanged",
    `FROM ${staging}`,
    `JOIN ${qualifiedName(target.schema, target.table)}`,
    `  ON ${table}.${key} = ${staging}.${key}`,
    ` AND ${table}.${sort} BETWEEN ${low} AND ${high}`,
    ` AND ${row(table)} IS NOT DISTINCT FROM ${row(staging)}`,
  ].join("\n");
}

/**
 * PostgreSQL, re-import: drops from staging every row identical to its target row (same key within
 * the bounds, every column equal), so a re-import of unchanged data writes nothing to the target (no
 * dead tuples, no index or WAL writes). Deleting from a temp table writes no WAL. One row:
 * `unchanged`, the number of keys dropped.
 */
export function buildDropUnchanged(
  target: MergeTarget,
  bounds: { min: Date; max: Date } | "staged",
  options: MergeOptions = {},
): string {
  const table = quoteIdent(target.table, "table");
  const staging = quoteIdent(target.staging, "staging table");
  const key = quoteIdent(target.key, "key column");
  const sort = quoteIdent(target.sortKey, "sort key column");
  const [low, high] = boundsSql(target, bounds, options);
  const row = (alias: string) =>
    `(${target.columns.map((c) => `${alias}.${quoteIdent(c, "column")}`).join(", ")})`;
  return [
    `WITH "kr_unchanged" AS (`,
    `  DELETE FROM ${staging}`,
    `  USING ${qualifiedName(target.schema, target.table)}`,
    `  WHERE ${table}.${key} = ${staging}.${key}`,
    `    AND ${table}.${sort} BETWEEN ${low} AND ${high}`,
    `    AND ${row(table)} IS NOT DISTINCT FROM ${row(staging)}`,
    `  RETURNING ${staging}.${key}`,
    ")",
    `SELECT COUNT(DISTINCT ${key}) AS unchanged FROM "kr_unchanged"`,
  ].join("\n");
}

/**
 * Inserts one row per key. `dedupe` keeps the first row per key (Firehose redelivers whole records,
 * so duplicates are identical); without duplicates in staging the window function is skipped.
 */
export function buildInsertFromStaging(target: MergeTarget, options: { dedupe: boolean }): string {
  const columns = target.columns.map((c) => quoteIdent(c, "column")).join(", ");
  const into = `INSERT INTO ${qualifiedName(target.schema, target.table)} (${columns})`;
  const staging = quoteIdent(target.staging, "staging table");
  if (!options.dedupe) return `${into}\nSELECT ${columns} FROM ${staging}`;
  const key = quoteIdent(target.key, "key column");
  const sort = quoteIdent(target.sortKey, "sort key column");
  return [
    into,
    `SELECT ${columns}`,
    "FROM (",
    `  SELECT ${columns}, ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${sort}) AS "kr_row"`,
    `  FROM ${staging}`,
    ') AS "kr_dedup"',
    'WHERE "kr_row" = 1',
  ].join("\n");
}
