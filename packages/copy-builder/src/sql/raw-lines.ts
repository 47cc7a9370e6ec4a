// Line-exact staging on Redshift: the COPY loads every line of the batch's objects as one raw text
// field (copy.ts), and the SQL here turns each line into a staging row or a reject with its reason.
// One line is one record, whatever the line holds: a truncated record is rejected alone and cannot
// swallow the valid line after it, as JSON COPY's object search can. The checks follow the local
// engine's (packages/loader/src/staging): the same lines load, the same lines are rejected.
//
//   lines  (raw_line)                 ← COPY … DELIMITER '\037'        (COPY-level rejects: too long, …)
//   parsed (raw_line, reason, fields) ← CAN_JSON_PARSE / JSON_PARSE, one text field per column
//   staging (typed columns)           ← the parsed lines without a reason
//
// docs/loading.md, "Line-exact staging", cites the AWS passages each step relies on.
import { quoteIdent, quoteLiteral, validateBucket, validateIdentifier } from "../identifiers";
import type { Statement } from "./dialect";
import type { MergeTarget } from "./merge";
import { REASON_MAX_BYTES } from "./quarantine";
import { stagingColumns, type TargetColumn, varcharLength, WIDE_VARCHAR } from "./staging";

/** The raw lines of a batch: `<staging>_lines`. */
export function rawLinesTableName(staging: string): string {
  return validateIdentifier(`${staging}_lines`, "raw lines table");
}

/** The parsed lines of a batch: `<staging>_parsed`. */
export function parsedLinesTableName(staging: string): string {
  return validateIdentifier(`${staging}_parsed`, "parsed lines table");
}

/**
 * One column per line, as wide as Redshift's VARCHAR goes (a longer line is a COPY error), and the
 * quarantine row a replayed line came from (NULL for lines from S3: COPY fills only raw_line).
 */
export function buildCreateRawLines(target: Pick<MergeTarget, "staging">): string {
  return [
    `CREATE TEMP TABLE ${quoteIdent(rawLinesTableName(target.staging), "raw lines table")} (`,
    `  raw_line VARCHAR(${WIDE_VARCHAR}),`,
    "  quarantine_id BIGINT",
    ")",
  ].join("\n");
}

/**
 * Quarantined lines, for a replay, into the raw-lines table in place of the COPY: each with the
 * quarantine row it came from (the caller chunks; values are parameters).
 */
export function buildInsertRawLines(
  target: Pick<MergeTarget, "staging">,
  lines: readonly { id: number; raw: string }[],
): Statement {
  if (lines.length === 0) throw new RangeError("no lines to insert");
  const values: unknown[] = [];
  const tuples = lines.map((line) => {
    values.push(line.raw, line.id);
    return `($${values.length - 1}, $${values.length})`;
  });
  return {
    text: `INSERT INTO ${quoteIdent(rawLinesTableName(target.staging), "raw lines table")} (raw_line, quarantine_id) VALUES ${tuples.join(", ")}`,
    values,
  };
}

type Kind = "super" | "text" | "timestamp" | "date" | "integer" | "float" | "boolean" | "other";

function kindOf(type: string): Kind {
  const t = type.trim().toLowerCase();
  if (t === "super" || t === "json" || t === "jsonb") return "super";
  if (varcharLength(t) !== null || t === "text" || t.startsWith("char") || t === "bpchar") return "text";
  if (t === "timestamptz" || t.startsWith("timestamp")) return "timestamp";
  if (t === "date") return "date";
  if (t === "bigint" || t === "integer" || t === "int" || t === "smallint" || t.startsWith("int"))
    return "integer";
  if (t === "double precision" || t === "real" || t.startsWith("float")) return "float";
  if (t === "boolean" || t === "bool") return "boolean";
  return "other";
}

// Shapes the local engine accepts (staging/value-checks.ts); TRY_CAST then refuses what is not a
// real calendar date or time. `[.]` instead of `\.`: Redshift literals need backslashes doubled.
const DATE_SHAPE = "[0-9]{4}-[0-9]{2}-[0-9]{2}";
export const TIMESTAMP_SHAPE = `^${DATE_SHAPE}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?( ?(Z|[+-][0-9]{2}(:?[0-9]{2})?))?)?$`;
const INTEGER_SHAPE = "^ *[+-]?[0-9]+ *$";
const FLOAT_SHAPE = "^ *[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)? *$";
const TRUE_TEXT = ["t", "true", "y", "yes", "on", "1"];
const FALSE_TEXT = ["f", "false", "n", "no", "off", "0"];

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const list = (values: string[]) => values.map(literal).join(", ");

/** A column's attribute of the parsed line: non-delimited, so SUPER navigation ignores its case. */
const attribute = (name: string) => `d.doc.${validateIdentifier(name, "column")}`;

/**
 * The JSON value of one attribute as text, as the local engine stages it: a string as its content,
 * JSON null or a missing key as NULL, any other value (number, boolean, object, array) as its JSON.
 */
function textOf(name: string): string {
  const a = attribute(name);
  return [
    `CASE WHEN ${a} IS NULL OR JSON_TYPEOF(${a}) = 'null' THEN NULL`,
    `WHEN JSON_TYPEOF(${a}) = 'string' THEN CAST(${a} AS VARCHAR(${WIDE_VARCHAR}))`,
    `ELSE JSON_SERIALIZE(${a}) END`,
  ].join(" ");
}

function fieldType(column: TargetColumn): string {
  return kindOf(column.type) === "super" ? "SUPER" : `VARCHAR(${WIDE_VARCHAR})`;
}

/** The parsed-lines table: the raw line, its reject reason (NULL = loads), one field per column. */
export function buildCreateParsedLines(
  target: Pick<MergeTarget, "staging">,
  columns: readonly TargetColumn[],
): string {
  const fields = columns.map((c) => `  ${quoteIdent(c.name, "column")} ${fieldType(c)}`);
  return [
    `CREATE TEMP TABLE ${quoteIdent(parsedLinesTableName(target.staging), "parsed lines table")} (`,
    [
      `  raw_line VARCHAR(${WIDE_VARCHAR})`,
      "  quarantine_id BIGINT",
      `  reason VARCHAR(${REASON_MAX_BYTES})`,
      ...fields,
    ].join(",\n"),
    ")",
  ].join("\n");
}

/** `value` (text) converted to the column's type; NULL when it does not convert. */
function converted(column: TargetColumn, value: string): string | null {
  const type = column.type.trim().toUpperCase();
  switch (kindOf(column.type)) {
    case "timestamp":
      return `CASE WHEN ${value} ~ '${TIMESTAMP_SHAPE}' THEN TRY_CAST(${value} AS ${type}) END`;
    case "date":
      return `CASE WHEN ${value} ~ '^${DATE_SHAPE}$' THEN TRY_CAST(${value} AS DATE) END`;
    case "integer":
      return `CASE WHEN ${value} ~ '${INTEGER_SHAPE}' THEN TRY_CAST(TRIM(${value}) AS ${type}) END`;
    case "float":
      return `CASE WHEN ${value} ~ '${FLOAT_SHAPE}' THEN TRY_CAST(TRIM(${value}) AS ${type}) END`;
    case "boolean":
      return `CASE WHEN LOWER(TRIM(${value})) IN (${list(TRUE_TEXT)}) THEN TRUE WHEN LOWER(TRIM(${value})) IN (${list(FALSE_TEXT)}) THEN FALSE END`;
    case "other":
      return `TRY_CAST(${value} AS ${type})`;
    default:
      return null;
  }
}

/** The local engine's words (staging/record-encoder.ts) for a value its column's type refuses. */
function refusal(column: TargetColumn): string {
  switch (kindOf(column.type)) {
    case "timestamp":
      return "unparseable timestamp";
    case "date":
      return "unparseable date";
    case "integer":
      return "non-numeric or out-of-range integer";
    case "float":
      return "non-numeric value";
    case "boolean":
      return "not a boolean";
    default:
      return `not a ${column.type.trim().toLowerCase()}`;
  }
}

/**
 * Why a parsed line cannot load, checked in the local engine's order: not JSON, not an object, a
 * value its column's type refuses (in column order), then the reject step's rules (staging.ts): the
 * key or sort key longer than its column, a required field missing. NULL when the line loads.
 */
function reasonOf(target: Pick<MergeTarget, "key" | "sortKey">, columns: readonly TargetColumn[]): string {
  const field = (name: string) => `p.${quoteIdent(name, "column")}`;
  const rules: string[] = [
    "WHEN NOT p.is_json THEN 'invalid JSON'",
    "WHEN NOT p.is_object THEN 'not a JSON object'",
  ];
  for (const column of columns) {
    const value = converted(column, field(column.name));
    if (value !== null) {
      rules.push(
        `WHEN ${field(column.name)} IS NOT NULL AND ${value} IS NULL THEN ${literal(`column ${column.name}: ${refusal(column)}`)}`,
      );
    }
  }
  const byName = new Map(columns.map((c) => [c.name, c]));
  const ordered = [target.key, target.sortKey, ...columns.map((c) => c.name)].filter(
    (name, i, all) => all.indexOf(name) === i && byName.has(name),
  );
  for (const name of ordered) {
    const column = byName.get(name) as TargetColumn;
    if (!column.nullable)
      rules.push(`WHEN ${field(name)} IS NULL THEN ${literal(`${name}: missing or null (required)`)}`);
    const length = varcharLength(column.type);
    if (length !== null && (name === target.key || name === target.sortKey)) {
      rules.push(
        `WHEN OCTET_LENGTH(${field(name)}) > ${length} THEN ${literal(`${name}: longer than ${length} bytes`)}`,
      );
    }
  }
  return `CASE ${rules.join(" ")} END`;
}

/**
 * Parses every non-blank raw line once (JSON_PARSE only where CAN_JSON_PARSE says it can), takes
 * each column's attribute as text, and records the line's reject reason. A blank line (spaces, tabs,
 * a CR) is skipped, as the local reader skips it; a lone-NUL line (NULL, see buildCopy) is invalid JSON.
 */
export function buildParseRawLines(target: MergeTarget, columns: readonly TargetColumn[]): string {
  stagingColumns(columns, target); // refuses a column type that is not a plain SQL type name
  const lines = quoteIdent(rawLinesTableName(target.staging), "raw lines table");
  const parsed = quoteIdent(parsedLinesTableName(target.staging), "parsed lines table");
  const names = columns.map((c) => quoteIdent(c.name, "column"));
  const fields = columns.map(
    (c) =>
      `    ${kindOf(c.type) === "super" ? `CASE WHEN JSON_TYPEOF(${attribute(c.name)}) = 'null' THEN NULL ELSE ${attribute(c.name)} END` : textOf(c.name)} AS ${quoteIdent(c.name, "column")}`,
  );
  return [
    `INSERT INTO ${parsed} (raw_line, quarantine_id, reason, ${names.join(", ")})`,
    `SELECT p.raw_line, p.quarantine_id, ${reasonOf(target, columns)}, ${names.map((n) => `p.${n}`).join(", ")}`,
    "FROM (",
    "  SELECT d.raw_line, d.quarantine_id, d.is_json,",
    "    COALESCE(JSON_TYPEOF(d.doc) = 'object', FALSE) AS is_object,",
    fields.join(",\n"),
    "  FROM (",
    "    SELECT raw_line, quarantine_id, COALESCE(CAN_JSON_PARSE(raw_line), FALSE) AS is_json,",
    "      CASE WHEN CAN_JSON_PARSE(raw_line) THEN JSON_PARSE(raw_line) END AS doc",
    `    FROM ${lines}`,
    "    WHERE raw_line IS NULL OR OCTET_LENGTH(TRIM(TRANSLATE(raw_line, CHR(9) || CHR(13), '  '))) > 0",
    "  ) AS d",
    ") AS p",
  ].join("\n");
}

/** The rejected lines (first `limit`, raw line cut to 256 characters) and their total on every row. */
export function buildParsedRejects(target: Pick<MergeTarget, "staging">, limit: number): string {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be a positive integer");
  return [
    "SELECT LEFT(raw_line, 256) AS raw_line, reason, COUNT(*) OVER () AS total",
    `FROM ${quoteIdent(parsedLinesTableName(target.staging), "parsed lines table")}`,
    "WHERE reason IS NOT NULL",
    `LIMIT ${limit}`,
  ].join("\n");
}

/** A staged value from its parsed field: free text cut to the column's bytes, others converted. */
function stagedValue(column: TargetColumn, target: Pick<MergeTarget, "key" | "sortKey">): string {
  const field = quoteIdent(column.name, "column");
  const length = varcharLength(column.type);
  if (length !== null) {
    // The key and sort key were checked to fit; free text is cut to the column as the docs'
    // workaround for values that exceed it does: "cast the value to the size of the column".
    return column.name === target.key || column.name === target.sortKey
      ? field
      : `CAST(${field} AS VARCHAR(${length}))`;
  }
  return converted(column, field) ?? field;
}

/** The lines without a reason, typed, into the batch's staging table. */
export function buildInsertParsed(target: MergeTarget, columns: readonly TargetColumn[]): string {
  const staged = stagingColumns(columns, target);
  const names = staged.map((c) => quoteIdent(c.name, "column"));
  return [
    `INSERT INTO ${quoteIdent(target.staging, "staging table")} (${names.join(", ")})`,
    `SELECT ${columns.map((c) => stagedValue(c, target)).join(", ")}`,
    `FROM ${quoteIdent(parsedLinesTableName(target.staging), "parsed lines table")}`,
    "WHERE reason IS NULL",
  ].join("\n");
}

/** Both line tables, once their rows are in staging. */
export function buildDropRawLines(target: Pick<MergeTarget, "staging">): string[] {
  return [
    `DROP TABLE IF EXISTS ${quoteIdent(parsedLinesTableName(target.staging), "parsed lines table")}`,
    `DROP TABLE IF EXISTS ${quoteIdent(rawLinesTableName(target.staging), "raw lines table")}`,
  ];
}

/**
 * The parse's rejects, every one, into the batch's rejects table (quarantine.ts) with their raw
 * line: COPY cannot add a file-name column, so file and line stay unknown.
 */
export function buildRejectsFromParsed(target: Pick<MergeTarget, "staging">, rejectsTable: string): string {
  return [
    `INSERT INTO ${quoteIdent(rejectsTable, "rejects table")} ("file_key", "line_number", "raw_line", "reason", "quarantine_id")`,
    "SELECT NULL, NULL, raw_line, reason, quarantine_id",
    `FROM ${quoteIdent(parsedLinesTableName(target.staging), "parsed lines table")}`,
    "WHERE reason IS NOT NULL",
  ].join("\n");
}

/**
 * The last COPY's rejects, every one, into the batch's rejects table: file (the key, without
 * `s3://bucket/`) and line from sys_load_error_detail, which keeps no raw line. Same reason text as
 * the driver's report (`column: message`).
 */
export function buildRejectsFromLoadErrors(rejectsTable: string, sourceBucket: string): string {
  const prefix = `s3://${validateBucket(sourceBucket, "source bucket")}/`;
  return [
    `INSERT INTO ${quoteIdent(rejectsTable, "rejects table")} ("file_key", "line_number", "raw_line", "reason")`,
    `SELECT CASE WHEN LEFT(TRIM(file_name), ${prefix.length}) = ${quoteLiteral(prefix)} THEN SUBSTRING(TRIM(file_name), ${prefix.length + 1}) ELSE TRIM(file_name) END,`,
    "  line_number, NULL,",
    `  LEFT(CASE WHEN TRIM(column_name) <> '' THEN TRIM(column_name) || ': ' || TRIM(error_message) ELSE TRIM(error_message) END, ${REASON_MAX_BYTES / 4})`,
    "FROM sys_load_error_detail",
    "WHERE query_id = pg_last_copy_id()",
  ].join("\n");
}
