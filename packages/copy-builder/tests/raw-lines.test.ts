// The Redshift stage after the COPY: raw lines → parsed lines (reason or fields) → typed staging.
// No Redshift runs here, so the statements are pinned, and their parts are checked one by one.
import { describe, expect, it } from "vitest";
import {
  buildCreateParsedLines,
  buildCreateRawLines,
  buildDropRawLines,
  buildInsertParsed,
  buildInsertRawLines,
  buildParsedRejects,
  buildParseRawLines,
  buildRejectsFromLoadErrors,
  buildRejectsFromParsed,
  type MergeTarget,
  STREAM_TABLES,
  stagingTableName,
  type TargetColumn,
  TIMESTAMP_SHAPE,
} from "../src/index";

/** The events table as Redshift's catalog describes it (normalizeDataType's names). */
const spec = STREAM_TABLES.events;
const columns: TargetColumn[] = spec.columns.map((c) => ({
  name: c.name,
  type:
    c.type.kind === "varchar" ? `varchar(${c.type.length})` : c.type.kind === "json" ? "super" : c.type.kind,
  nullable: c.nullable,
}));
const target: MergeTarget = {
  schema: "public",
  table: "events",
  staging: stagingTableName("events"),
  columns: columns.map((c) => c.name),
  key: spec.key,
  sortKey: spec.sortKey,
};

describe("line-exact staging on Redshift", () => {
  it("keeps each raw line in one VARCHAR(65535) field, and where a replayed line came from", () => {
    expect(buildCreateRawLines(target)).toBe(
      'CREATE TEMP TABLE "kr_stage_events_lines" (\n  raw_line VARCHAR(65535),\n  quarantine_id BIGINT\n)',
    );
    expect(buildDropRawLines(target)).toEqual([
      'DROP TABLE IF EXISTS "kr_stage_events_parsed"',
      'DROP TABLE IF EXISTS "kr_stage_events_lines"',
    ]);
  });

  it("parses each line once, only when CAN_JSON_PARSE says JSON_PARSE can, and skips blank lines", () => {
    const sql = buildParseRawLines(target, columns);
    expect(sql).toContain("CASE WHEN CAN_JSON_PARSE(raw_line) THEN JSON_PARSE(raw_line) END AS doc");
    expect(sql.match(/(?<!CAN_)JSON_PARSE\(raw_line\)/g)).toHaveLength(1);
    expect(sql).toContain(
      "WHERE raw_line IS NULL OR OCTET_LENGTH(TRIM(TRANSLATE(raw_line, CHR(9) || CHR(13), '  '))) > 0",
    );
    // Non-delimited attribute names: SUPER navigation matches them case-insensitively (the local
    // engine's 'auto ignorecase'); a string as its content, other values as their JSON.
    expect(sql).toContain(
      "CASE WHEN d.doc.event_id IS NULL OR JSON_TYPEOF(d.doc.event_id) = 'null' THEN NULL WHEN JSON_TYPEOF(d.doc.event_id) = 'string' THEN CAST(d.doc.event_id AS VARCHAR(65535)) ELSE JSON_SERIALIZE(d.doc.event_id) END AS \"event_id\"",
    );
    expect(sql).toContain(
      "CASE WHEN JSON_TYPEOF(d.doc.properties) = 'null' THEN NULL ELSE d.doc.properties END AS \"properties\"",
    );
  });

  it("gives each bad line one reason, in the local engine's order and words", () => {
    const sql = buildParseRawLines(target, columns);
    const reasons = [...sql.matchAll(/THEN '([^']+)'/g)].map((m) => m[1]);
    expect(reasons).toEqual([
      "invalid JSON",
      "not a JSON object",
      "column occurred_at: unparseable timestamp",
      "event_id: missing or null (required)",
      "event_id: longer than 64 bytes",
      "occurred_at: missing or null (required)",
      "event_type: missing or null (required)",
    ]);
    // A timestamp must have the local shape before TRY_CAST judges the calendar.
    expect(sql).toContain(
      `WHEN p."occurred_at" IS NOT NULL AND CASE WHEN p."occurred_at" ~ '${TIMESTAMP_SHAPE}' THEN TRY_CAST(p."occurred_at" AS TIMESTAMPTZ) END IS NULL THEN`,
    );
    expect(TIMESTAMP_SHAPE).not.toContain("\\");
  });

  it("stages the lines without a reason: the key whole (checked), free text cut to its column", () => {
    const sql = buildInsertParsed(target, columns);
    expect(sql.split("\n")[0]).toBe(
      'INSERT INTO "kr_stage_events" ("event_id", "event_type", "occurred_at", "user_id", "anonymous_id", "session_id", "page_url", "referrer", "user_agent", "properties")',
    );
    expect(sql).toContain('SELECT "event_id", CAST("event_type" AS VARCHAR(128)), CASE WHEN "occurred_at" ~');
    expect(sql).toContain('CAST("page_url" AS VARCHAR(2048))');
    expect(sql).toContain('CAST("user_agent" AS VARCHAR(1024)), "properties"');
    expect(sql).not.toContain('CAST("event_id"');
    expect(sql.endsWith('FROM "kr_stage_events_parsed"\nWHERE reason IS NULL')).toBe(true);
    expect(buildParsedRejects(target, 100)).toBe(
      'SELECT LEFT(raw_line, 256) AS raw_line, reason, COUNT(*) OVER () AS total\nFROM "kr_stage_events_parsed"\nWHERE reason IS NOT NULL\nLIMIT 100',
    );
  });

  it("has one text field per column (SUPER for JSON), and refuses a type that is not a plain name", () => {
    expect(buildCreateParsedLines(target, columns)).toBe(
      [
        'CREATE TEMP TABLE "kr_stage_events_parsed" (',
        "  raw_line VARCHAR(65535),",
        "  quarantine_id BIGINT,",
        "  reason VARCHAR(512),",
        ...columns.map(
          (c, i) =>
            `  "${c.name}" ${c.type === "super" ? "SUPER" : "VARCHAR(65535)"}${i < columns.length - 1 ? "," : ""}`,
        ),
        ")",
      ].join("\n"),
    );
    const bad: TargetColumn[] = [...columns, { name: "x", type: "int); DROP TABLE y; --", nullable: true }];
    expect(() => buildParseRawLines(target, bad)).toThrow(/column type/);
  });

  it("converts other column types with the local engine's shapes and words", () => {
    const other: TargetColumn[] = [
      { name: "event_id", type: "varchar(64)", nullable: false },
      { name: "occurred_at", type: "timestamptz", nullable: false },
      { name: "n", type: "bigint", nullable: true },
      { name: "ok", type: "boolean", nullable: true },
      { name: "score", type: "double precision", nullable: true },
    ];
    const sql = buildParseRawLines({ ...target, columns: other.map((c) => c.name) }, other);
    expect(sql).toContain(
      "THEN TRY_CAST(TRIM(p.\"n\") AS BIGINT) END IS NULL THEN 'column n: non-numeric or out-of-range integer'",
    );
    expect(sql).toContain("'column ok: not a boolean'");
    expect(sql).toContain("'column score: non-numeric value'");
    expect(buildInsertParsed({ ...target, columns: other.map((c) => c.name) }, other)).toContain(
      "CASE WHEN LOWER(TRIM(\"ok\")) IN ('t', 'true', 'y', 'yes', 'on', '1') THEN TRUE WHEN LOWER(TRIM(\"ok\")) IN ('f', 'false', 'n', 'no', 'off', '0') THEN FALSE END",
    );
  });

  it("quarantines every reject: the parse's with their raw line, the COPY's with file and line", () => {
    expect(buildRejectsFromParsed(target, "kr_stage_events_rejects")).toBe(
      [
        'INSERT INTO "kr_stage_events_rejects" ("file_key", "line_number", "raw_line", "reason", "quarantine_id")',
        "SELECT NULL, NULL, raw_line, reason, quarantine_id",
        'FROM "kr_stage_events_parsed"',
        "WHERE reason IS NOT NULL",
      ].join("\n"),
    );
    expect(buildRejectsFromLoadErrors("kr_stage_events_rejects", "kr-events-111111111111")).toBe(
      [
        'INSERT INTO "kr_stage_events_rejects" ("file_key", "line_number", "raw_line", "reason")',
        "SELECT CASE WHEN LEFT(TRIM(file_name), 28) = 's3://kr-events-111111111111/' THEN SUBSTRING(TRIM(file_name), 29) ELSE TRIM(file_name) END,",
        "  line_number, NULL,",
        "  LEFT(CASE WHEN TRIM(column_name) <> '' THEN TRIM(column_name) || ': ' || TRIM(error_message) ELSE TRIM(error_message) END, 128)",
        "FROM sys_load_error_detail",
        "WHERE query_id = pg_last_copy_id()",
      ].join("\n"),
    );
    expect(() => buildRejectsFromLoadErrors("kr_stage_events_rejects", "Bad'Bucket")).toThrow(/bucket/);
  });

  it("puts replayed lines where the COPY would, each with its quarantine row, as parameters", () => {
    expect(
      buildInsertRawLines(target, [
        { id: 7, raw: "{'x'}" },
        { id: 9, raw: "{}" },
      ]),
    ).toEqual({
      text: 'INSERT INTO "kr_stage_events_lines" (raw_line, quarantine_id) VALUES ($1, $2), ($3, $4)',
      values: ["{'x'}", 7, "{}", 9],
    });
    expect(() => buildInsertRawLines(target, [])).toThrow(RangeError);
  });
});
