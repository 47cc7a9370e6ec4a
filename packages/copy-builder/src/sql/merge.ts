// Stage → merge, in the SQL subset Redshift and PostgreSQL share: a temp staging table shaped like the
// target, then delete the target rows whose key is staged and insert one row per key. Run inside the
// batch transaction, so readers see the batch entirely or not at all.
import { qualifiedName, quoteIdent, validateIdentifier } from "../identifiers";
import { timestampLiteral } from "./dialect";

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

/** `kr_stage_<stream>`: temp tables are per session, so concurrent loaders never share one. */
export function stagingTableName(stream: string): string {
  return validateIdentifier(`kr_stage_${stream}`, "staging table");
}

/** Created inside the batch transaction, so a rollback (or a killed loader) removes it too. */
export function buildCreateStaging(target: MergeTarget): string {
  return `CREATE TEMP TABLE ${quoteIdent(target.staging, "staging table")} (LIKE ${qualifiedName(target.schema, target.table)})`;
}

export function buildDropStaging(target: MergeTarget): string {
  return `DROP TABLE ${quoteIdent(target.staging, "staging table")}`;
}

/** One row: rows_staged, distinct_keys, min_sort, max_sort. */
export function buildStagingStats(target: MergeTarget): string {
  const key = quoteIdent(target.key, "key column");
  const sort = quoteIdent(target.sortKey, "sort key column");
  return `SELECT COUNT(*) AS rows_staged, COUNT(DISTINCT ${key}) AS distinct_keys, MIN(${sort}) AS min_sort, MAX(${sort}) AS max_sort FROM ${quoteIdent(target.staging)}`;
}

/**
 * Deletes the target rows that the batch replaces. The sort-key bounds let Redshift skip every block
 * outside the staged time range (zone maps) instead of scanning the whole table. `"staged"` writes
 * the bounds as subqueries (for --dry-run, before anything is staged); with literal bounds the range
 * is widened by 1 ms because a JavaScript Date keeps milliseconds and the column keeps microseconds.
 */
export function buildDeleteReplaced(
  target: MergeTarget,
  bounds: { min: Date; max: Date } | "staged",
): string {
  const table = quoteIdent(target.table, "table");
  const staging = quoteIdent(target.staging, "staging table");
  const key = quoteIdent(target.key, "key column");
  const sort = quoteIdent(target.sortKey, "sort key column");
  const [low, high] =
    bounds === "staged"
      ? [`(SELECT MIN(${sort}) FROM ${staging})`, `(SELECT MAX(${sort}) FROM ${staging})`]
      : [
          timestampLiteral(new Date(bounds.min.getTime() - 1)),
          timestampLiteral(new Date(bounds.max.getTime() + 1)),
        ];
  return [
    `DELETE FROM ${qualifiedName(target.schema, target.table)}`,
    `USING ${staging}`,
    `WHERE ${table}.${key} = ${staging}.${key}`,
    `  AND ${table}.${sort} BETWEEN ${low} AND ${high}`,
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
