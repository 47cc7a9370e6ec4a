// The batch's staging table and the reject step that runs on it, in the SQL both engines share.
//
// Staging is not `LIKE target`: LIKE copies NOT NULL, and the COPY docs say "If COPY attempts to
// assign NULL to a column that is defined as NOT NULL, the COPY command fails" — one record without
// a required field would fail the whole batch. So every staging column is nullable, and a record
// that lacks a required field is counted and removed here, in SQL, as one reject.
//
// The key (and a text sort key) is staged at VARCHAR(65535), Redshift's widest VARCHAR, so it is
// never cut into another id: an id that does not fit the target is rejected instead (on Redshift by
// the parse of raw lines, raw-lines.ts; here as a safety net for both engines). Free-text columns
// keep the target's width; the parse (Redshift) and the local encoder cut only them, to n bytes.
import { quoteIdent, UnsafeSqlValueError } from "../identifiers";
import type { Dialect } from "./dialect";
import type { MergeTarget } from "./merge";

/** A target column as the catalog describes it. */
export interface TargetColumn {
  name: string;
  /** Lower-case SQL type: `varchar(64)`, `timestamptz`, `super`, `jsonb`, `bigint`, … */
  type: string;
  nullable: boolean;
}

/** Redshift's widest VARCHAR (bytes); PostgreSQL takes it too. */
export const WIDE_VARCHAR = 65_535;

const SAFE_TYPE = /^[a-z][a-z0-9 ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?$/;
const VARCHAR_LENGTH = /^(?:varchar|character varying)\s*\(\s*(\d+)\s*\)$/;

/** The byte limit of a `varchar(n)` type, or null for every other type. */
export function varcharLength(type: string): number | null {
  const match = VARCHAR_LENGTH.exec(type.trim().toLowerCase());
  return match ? Number(match[1]) : null;
}

function safeType(column: TargetColumn): string {
  const type = column.type.trim().toLowerCase();
  if (!SAFE_TYPE.test(type))
    throw new UnsafeSqlValueError("column type", column.type, "a plain SQL type name");
  return type;
}

/** Staging columns: the target's, all nullable, the key and a text sort key at VARCHAR(65535). */
export function stagingColumns(
  columns: readonly TargetColumn[],
  keys: Pick<MergeTarget, "key" | "sortKey">,
): TargetColumn[] {
  return columns.map((column) => {
    const type = safeType(column);
    const wide = (column.name === keys.key || column.name === keys.sortKey) && varcharLength(type) !== null;
    return { name: column.name, type: wide ? `varchar(${WIDE_VARCHAR})` : type, nullable: true };
  });
}

/**
 * A session temp table (filled in the stage transaction, read by the merge; a killed loader's session
 * takes it along). On
 * Redshift it is distributed by the key like the target (what `LIKE` used to copy), so the merge's
 * join on the key stays on each slice.
 */
export function buildCreateStaging(
  target: MergeTarget,
  columns: readonly TargetColumn[],
  dialect: Dialect,
): string {
  const list = stagingColumns(columns, target)
    .map((c) => `  ${quoteIdent(c.name, "column")} ${c.type}`)
    .join(",\n");
  const create = `CREATE TEMP TABLE ${quoteIdent(target.staging, "staging table")} (\n${list}\n)`;
  return dialect === "redshift"
    ? `${create}\nDISTSTYLE KEY\nDISTKEY (${quoteIdent(target.key, "key column")})`
    : create;
}

/** Why a staged row cannot go into the target, as SQL conditions with their reasons, checked in order. */
function rejectRules(
  target: MergeTarget,
  columns: readonly TargetColumn[],
): { when: string; reason: string }[] {
  const rules: { when: string; reason: string }[] = [];
  const byName = new Map(columns.map((c) => [c.name, c]));
  // The key first: a record without a usable id is reported by that.
  const ordered = [target.key, target.sortKey, ...columns.map((c) => c.name)].filter(
    (name, i, all) => all.indexOf(name) === i && byName.has(name),
  );
  for (const name of ordered) {
    const column = byName.get(name) as TargetColumn;
    const id = quoteIdent(name, "column");
    if (!column.nullable)
      rules.push({ when: `${id} IS NULL`, reason: `${name}: missing or null (required)` });
    const length = varcharLength(column.type);
    // Key and sort key are staged wide; a value longer than the target's column is rejected, never cut.
    if (length !== null && (name === target.key || name === target.sortKey)) {
      rules.push({ when: `OCTET_LENGTH(${id}) > ${length}`, reason: `${name}: longer than ${length} bytes` });
    }
  }
  return rules;
}

/** A condition no row matches when the table has nothing to check. */
function anyRule(rules: { when: string }[]): string {
  return rules.length === 0 ? "1 = 0" : rules.map((r) => `(${r.when})`).join(" OR ");
}

/** True for a staged row the target refuses (any of the reject step's rules), as SQL. */
export function refusedCondition(target: MergeTarget, columns: readonly TargetColumn[]): string {
  return anyRule(rejectRules(target, columns));
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The staged rows the target refuses, with the reason and the key's first 100 characters, and the
 * total count on every row (`total`). `limit` bounds the rows returned, not the count.
 */
export function buildStagingRejects(
  target: MergeTarget,
  columns: readonly TargetColumn[],
  limit: number,
): string {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  const rules = rejectRules(target, columns);
  const key = quoteIdent(target.key, "key column");
  const reason =
    rules.length === 0
      ? "''"
      : `CASE ${rules.map((r) => `WHEN ${r.when} THEN ${literal(r.reason)}`).join(" ")} END`;
  return [
    `SELECT LEFT(${key}, 100) AS key_prefix, ${reason} AS reason, COUNT(*) OVER () AS total`,
    `FROM ${quoteIdent(target.staging, "staging table")}`,
    `WHERE ${anyRule(rules)}`,
    `LIMIT ${limit}`,
  ].join("\n");
}

/** Removes the rows buildStagingRejects reported, so the merge sees only rows the target takes. */
export function buildDeleteStagingRejects(target: MergeTarget, columns: readonly TargetColumn[]): string {
  return `DELETE FROM ${quoteIdent(target.staging, "staging table")}\nWHERE ${anyRule(rejectRules(target, columns))}`;
}
