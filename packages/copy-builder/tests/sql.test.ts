import { describe, expect, it } from "vitest";
import {
  buildBatchRecord,
  buildChainClaim,
  buildChainCreate,
  buildChainRelease,
  buildColumnsQuery,
  buildCopy,
  buildCreateStaging,
  buildDeleteReplaced,
  buildDeleteStagingRejects,
  buildDropStaging,
  buildInsertFromStaging,
  buildLedgerForget,
  buildLedgerLookup,
  buildLedgerRecord,
  buildLoadErrorsQuery,
  buildLoadErrorsSinceQuery,
  buildLock,
  buildStageMark,
  buildStagingRejects,
  buildStagingStats,
  buildVerifyLedgerQuery,
  buildVerifyRowsQuery,
  LEDGER_CHUNK,
  ledgerDdl,
  MAX_TOLERATED_ERRORS,
  type MergeTarget,
  maxErrorFor,
  normalizeDataType,
  STREAM_TABLES,
  stagingColumns,
  stagingTableName,
  streamTableDdl,
  type TargetColumn,
  timestampLiteral,
  VERIFY_KEYS_CHUNK,
} from "../src/index";

const target: MergeTarget = {
  schema: "public",
  table: "utm",
  staging: stagingTableName("utm"),
  columns: ["event_id", "occurred_at", "utm_source"],
  key: "event_id",
  sortKey: "occurred_at",
};

describe("COPY (Redshift)", () => {
  const manifest = { bucket: "kr-manifests-222222222222", key: "manifests/events/b1.manifest.json" };

  it("loads a manifest of GZIP objects line by line, as raw text, with the cluster's default role", () => {
    expect(
      buildCopy({
        table: "kr_stage_events_lines",
        manifest,
        iamRoles: "default",
        region: "eu-west-1",
        maxErrors: 100,
        gzip: true,
      }),
    ).toBe(
      [
        'COPY "kr_stage_events_lines" (raw_line)',
        "FROM 's3://kr-manifests-222222222222/manifests/events/b1.manifest.json'",
        "IAM_ROLE default",
        "MANIFEST",
        "DELIMITER '\\037'",
        "IGNOREBLANKLINES",
        "NULL AS '\\000'",
        "GZIP",
        "REGION 'eu-west-1'",
        "MAXERROR 101",
        "COMPUPDATE OFF",
        "STATUPDATE OFF",
      ].join("\n"),
    );
  });

  it("chains roles as one comma-separated literal, and drops GZIP and REGION when not wanted", () => {
    expect(
      buildCopy({
        table: "kr_stage_events_lines",
        manifest,
        iamRoles: ["arn:aws:iam::222222222222:role/kr-copy", "arn:aws:iam::111111111111:role/kr-reader"],
        maxErrors: 0,
        gzip: false,
      }),
    ).toBe(
      [
        'COPY "kr_stage_events_lines" (raw_line)',
        "FROM 's3://kr-manifests-222222222222/manifests/events/b1.manifest.json'",
        "IAM_ROLE 'arn:aws:iam::222222222222:role/kr-copy,arn:aws:iam::111111111111:role/kr-reader'",
        "MANIFEST",
        "DELIMITER '\\037'",
        "IGNOREBLANKLINES",
        "NULL AS '\\000'",
        "MAXERROR 1",
        "COMPUPDATE OFF",
        "STATUPDATE OFF",
      ].join("\n"),
    );
  });

  it("says MAXERROR N + 1 to tolerate exactly N bad records (Redshift fails at error_count or more)", () => {
    expect(maxErrorFor(0)).toBe(1);
    expect(maxErrorFor(100)).toBe(101);
    expect(maxErrorFor(MAX_TOLERATED_ERRORS)).toBe(100_000);
    expect(() => maxErrorFor(100_000)).toThrow(/0-99999/);
    expect(() => maxErrorFor(-1)).toThrow(/0-99999/);
    expect(() =>
      buildCopy({ table: "t", manifest, iamRoles: "default", maxErrors: 100_000, gzip: true }),
    ).toThrow(/MAXERROR/);
  });

  it("reads the rejected records of the last COPY from sys_load_error_detail", () => {
    expect(buildLoadErrorsQuery(100)).toBe(
      [
        "SELECT TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name, TRIM(error_message) AS error_message,",
        "  COUNT(*) OVER () AS total",
        "FROM sys_load_error_detail",
        "WHERE query_id = pg_last_copy_id()",
        "ORDER BY file_name, line_number",
        "LIMIT 100",
      ].join("\n"),
    );
  });
});

describe("rejected records after a rolled-back COPY (PG_LAST_COPY_ID is not updated then)", () => {
  it("marks the stage transaction's start, then looks up this session's COPY errors since it", () => {
    expect(buildStageMark()).toBe("SELECT CAST(SYSDATE AS VARCHAR(32)) AS mark");
    expect(buildLoadErrorsSinceQuery(100, "2026-12-01 05:00:01.123456")).toEqual({
      text: [
        "SELECT TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name, TRIM(error_message) AS error_message,",
        "  COUNT(*) OVER () AS total",
        "FROM sys_load_error_detail",
        "WHERE session_id = PG_BACKEND_PID() AND start_time >= CAST($1 AS TIMESTAMP)",
        "ORDER BY file_name, line_number",
        "LIMIT 100",
      ].join("\n"),
      values: ["2026-12-01 05:00:01.123456"],
    });
    expect(() => buildLoadErrorsSinceQuery(100, "now'; DROP TABLE x")).toThrow(RangeError);
  });
});

describe("lock (where the dialects differ)", () => {
  it("Redshift locks the table, the ledger and the quarantine (its only mode is ACCESS EXCLUSIVE)", () => {
    expect(buildLock("redshift", { schema: "public", table: "events" })).toBe(
      'LOCK "public"."events", "loader"."loaded_files", "loader"."batches", "loader"."rejected_records"',
    );
  });
  it("PostgreSQL takes a self-conflicting lock that still lets readers in", () => {
    expect(buildLock("postgres", { schema: "public", table: "events" })).toBe(
      'LOCK TABLE "public"."events" IN SHARE ROW EXCLUSIVE MODE',
    );
  });
});

describe("stage and merge (one text for both dialects)", () => {
  const utmColumns: TargetColumn[] = [
    { name: "event_id", type: "varchar(64)", nullable: false },
    { name: "occurred_at", type: "timestamptz", nullable: false },
    { name: "utm_source", type: "varchar(256)", nullable: true },
  ];

  it("stages into explicit nullable columns, the key at VARCHAR(65535) so it is never cut", () => {
    expect(buildCreateStaging(target, utmColumns, "postgres")).toBe(
      [
        'CREATE TEMP TABLE "kr_stage_utm" (',
        '  "event_id" varchar(65535),',
        '  "occurred_at" timestamptz,',
        '  "utm_source" varchar(256)',
        ")",
      ].join("\n"),
    );
    expect(buildCreateStaging(target, utmColumns, "redshift")).toMatch(
      /\n\)\nDISTSTYLE KEY\nDISTKEY \("event_id"\)$/,
    );
    expect(() =>
      buildCreateStaging(
        target,
        [{ name: "event_id", type: "varchar(64); DROP TABLE x", nullable: false }],
        "postgres",
      ),
    ).toThrow(/column type/);
    expect(buildDropStaging(target)).toBe('DROP TABLE "kr_stage_utm"');
    expect(buildStagingStats(target)).toBe(
      'SELECT COUNT(*) AS rows_staged, COUNT(DISTINCT "event_id") AS distinct_keys, MIN("occurred_at") AS min_sort, MAX("occurred_at") AS max_sort FROM "kr_stage_utm"',
    );
    // PostgreSQL counts distinct 64-bit key hashes (exact when equal to the rows; a lower bound else).
    expect(buildStagingStats(target, "postgres")).toBe(
      'SELECT COUNT(*) AS rows_staged, COUNT(DISTINCT hashtextextended("event_id", 0)) AS distinct_keys, MIN("occurred_at") AS min_sort, MAX("occurred_at") AS max_sort FROM "kr_stage_utm"',
    );
    expect(buildStagingStats(target, "redshift")).toBe(buildStagingStats(target));
    // With the target's columns, the reject step's count rides on the same scan.
    expect(buildStagingStats(target, "redshift", utmColumns)).toBe(
      'SELECT COUNT(*) AS rows_staged, COUNT(DISTINCT "event_id") AS distinct_keys, MIN("occurred_at") AS min_sort, MAX("occurred_at") AS max_sort, COUNT(CASE WHEN ("event_id" IS NULL) OR (OCTET_LENGTH("event_id") > 64) OR ("occurred_at" IS NULL) THEN 1 END) AS refused FROM "kr_stage_utm"',
    );
  });

  it("finds and removes, in SQL, staged rows whose key does not fit or that lack a required field", () => {
    const where = [
      'WHERE ("event_id" IS NULL) OR (OCTET_LENGTH("event_id") > 64) OR ("occurred_at" IS NULL)',
    ];
    expect(buildStagingRejects(target, utmColumns, 100)).toBe(
      [
        `SELECT LEFT("event_id", 100) AS key_prefix, CASE WHEN "event_id" IS NULL THEN 'event_id: missing or null (required)' WHEN OCTET_LENGTH("event_id") > 64 THEN 'event_id: longer than 64 bytes' WHEN "occurred_at" IS NULL THEN 'occurred_at: missing or null (required)' END AS reason, COUNT(*) OVER () AS total`,
        'FROM "kr_stage_utm"',
        ...where,
        "LIMIT 100",
      ].join("\n"),
    );
    expect(buildDeleteStagingRejects(target, utmColumns)).toBe(
      ['DELETE FROM "kr_stage_utm"', ...where].join("\n"),
    );
    expect(stagingColumns(utmColumns, target).every((c) => c.nullable)).toBe(true);
  });

  it("deletes replaced rows by key, bounded by the staged sort-key range (widened by 1 ms)", () => {
    expect(
      buildDeleteReplaced(target, {
        min: new Date("2026-11-23T04:59:00.000Z"),
        max: new Date("2026-11-23T06:00:00.250Z"),
      }),
    ).toBe(
      [
        'DELETE FROM "public"."utm"',
        'USING "kr_stage_utm"',
        'WHERE "utm"."event_id" = "kr_stage_utm"."event_id"',
        `  AND "utm"."occurred_at" BETWEEN CAST('2026-11-23 04:58:59.999+00' AS TIMESTAMPTZ) AND CAST('2026-11-23 06:00:00.251+00' AS TIMESTAMPTZ)`,
      ].join("\n"),
    );
  });

  it("for --dry-run, writes the bounds as subqueries on staging", () => {
    expect(buildDeleteReplaced(target, "staged")).toContain(
      'BETWEEN (SELECT MIN("occurred_at") FROM "kr_stage_utm") AND (SELECT MAX("occurred_at") FROM "kr_stage_utm")',
    );
  });

  it("inserts one row per key when staging holds duplicates", () => {
    expect(buildInsertFromStaging(target, { dedupe: true })).toBe(
      [
        'INSERT INTO "public"."utm" ("event_id", "occurred_at", "utm_source")',
        'SELECT "event_id", "occurred_at", "utm_source"',
        "FROM (",
        '  SELECT "event_id", "occurred_at", "utm_source", ROW_NUMBER() OVER (PARTITION BY "event_id" ORDER BY "occurred_at") AS "kr_row"',
        '  FROM "kr_stage_utm"',
        ') AS "kr_dedup"',
        'WHERE "kr_row" = 1',
      ].join("\n"),
    );
  });

  it("inserts straight from staging when every key is unique", () => {
    expect(buildInsertFromStaging(target, { dedupe: false })).toBe(
      'INSERT INTO "public"."utm" ("event_id", "occurred_at", "utm_source")\nSELECT "event_id", "occurred_at", "utm_source" FROM "kr_stage_utm"',
    );
  });

  it("timestamps are explicit-UTC literals", () => {
    expect(timestampLiteral(new Date("2026-11-23T05:00:00Z"))).toBe(
      "CAST('2026-11-23 05:00:00.000+00' AS TIMESTAMPTZ)",
    );
    expect(() => timestampLiteral(new Date("nope"))).toThrow(RangeError);
  });
});

describe("ledger", () => {
  const range = { from: new Date("2026-11-23T05:00:00Z"), to: new Date("2026-11-23T08:00:00Z") };

  it("looks up loaded keys by partition hour, values as parameters", () => {
    expect(buildLedgerLookup("events", range)).toEqual({
      text: 'SELECT "file_key" FROM "loader"."loaded_files" WHERE "stream" = $1 AND "file_hour" BETWEEN $2 AND $3',
      values: ["events", "2026-11-23 05:00:00.000+00", "2026-11-23 08:00:00.000+00"],
    });
  });

  it("records files in multi-row inserts of at most LEDGER_CHUNK rows", () => {
    const files = Array.from({ length: LEDGER_CHUNK + 1 }, (_, i) => ({
      key: `k${i}`,
      hour: range.from,
      size: i,
    }));
    const statements = buildLedgerRecord("events", "b1", files, range.to);
    expect(statements).toHaveLength(2);
    expect(statements[1]).toEqual({
      text: 'INSERT INTO "loader"."loaded_files" ("stream", "file_key", "file_hour", "size_bytes", "batch_id", "loaded_at") VALUES ($1, $2, $3, $4, $5, $6)',
      values: [
        "events",
        `k${LEDGER_CHUNK}`,
        "2026-11-23 05:00:00.000+00",
        LEDGER_CHUNK,
        "b1",
        "2026-11-23 08:00:00.000+00",
      ],
    });
    expect(statements[0]?.values).toHaveLength(LEDGER_CHUNK * 6);
    expect(statements[0]?.text).toContain("($2995, $2996, $2997, $2998, $2999, $3000)");
  });

  it("forgets re-imported keys, a hostile key staying a parameter", () => {
    expect(buildLedgerForget("events", ["a.gz", "b'; DROP TABLE x; --"])).toEqual([
      {
        text: 'DELETE FROM "loader"."loaded_files" WHERE "stream" = $1 AND "file_key" IN ($2, $3)',
        values: ["events", "a.gz", "b'; DROP TABLE x; --"],
      },
    ]);
    expect(buildLedgerForget("events", [])).toEqual([]);
  });

  it("records the batch", () => {
    const statement = buildBatchRecord({
      batchId: "b1",
      stream: "utm",
      range,
      reimport: true,
      driver: "postgres",
      files: 2,
      bytes: 300,
      rowsStaged: 10,
      rowsInserted: 7,
      rowsReplaced: 2,
      duplicatesDropped: 1,
      rejected: 0,
      startedAt: range.from,
      finishedAt: range.to,
    });
    expect(statement.text).toBe(
      'INSERT INTO "loader"."batches" ("batch_id", "stream", "range_from", "range_to", "reimport", "driver", "files", "bytes", "rows_staged", "rows_inserted", "rows_replaced", "duplicates_dropped", "rejected", "started_at", "finished_at") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)',
    );
    expect(statement.values).toEqual([
      "b1",
      "utm",
      "2026-11-23 05:00:00.000+00",
      "2026-11-23 08:00:00.000+00",
      true,
      "postgres",
      2,
      300,
      10,
      7,
      2,
      1,
      0,
      "2026-11-23 05:00:00.000+00",
      "2026-11-23 08:00:00.000+00",
    ]);
  });
});

describe("DDL", () => {
  it("Redshift: SUPER properties, distributed on event_id, sorted on occurred_at", () => {
    expect(streamTableDdl("redshift", "public", "events", STREAM_TABLES.events)).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "public"',
      [
        'CREATE TABLE IF NOT EXISTS "public"."events" (',
        '  "event_id" VARCHAR(64) NOT NULL,',
        '  "event_type" VARCHAR(128) NOT NULL,',
        '  "occurred_at" TIMESTAMPTZ NOT NULL,',
        '  "user_id" VARCHAR(128),',
        '  "anonymous_id" VARCHAR(128),',
        '  "session_id" VARCHAR(128),',
        '  "page_url" VARCHAR(2048),',
        '  "referrer" VARCHAR(2048),',
        '  "user_agent" VARCHAR(1024),',
        '  "properties" SUPER',
        ")",
        "DISTSTYLE KEY",
        'DISTKEY ("event_id")',
        'SORTKEY ("occurred_at")',
      ].join("\n"),
    ]);
  });

  it("PostgreSQL: jsonb properties, the same VARCHAR(n) as Redshift, and a BRIN index on occurred_at", () => {
    expect(streamTableDdl("postgres", "public", "utm", STREAM_TABLES.utm)).toEqual([
      'CREATE SCHEMA IF NOT EXISTS "public"',
      [
        'CREATE TABLE IF NOT EXISTS "public"."utm" (',
        '  "event_id" VARCHAR(64) NOT NULL,',
        '  "occurred_at" TIMESTAMPTZ NOT NULL,',
        '  "session_id" VARCHAR(128),',
        '  "user_id" VARCHAR(128),',
        '  "utm_source" VARCHAR(256),',
        '  "utm_medium" VARCHAR(256),',
        '  "utm_campaign" VARCHAR(256),',
        '  "utm_term" VARCHAR(256),',
        '  "utm_content" VARCHAR(256),',
        '  "landing_page" VARCHAR(2048)',
        ")",
      ].join("\n"),
      'CREATE INDEX IF NOT EXISTS "utm_occurred_at_brin" ON "public"."utm" USING brin ("occurred_at")',
    ]);
    expect(streamTableDdl("postgres", "public", "events", STREAM_TABLES.events)[1]).toContain(
      '"properties" jsonb',
    );
  });

  it("ledger: Redshift adds sort keys, PostgreSQL an index; both are idempotent", () => {
    const redshift = ledgerDdl("redshift");
    const postgres = ledgerDdl("postgres");
    expect(redshift[0]).toBe('CREATE SCHEMA IF NOT EXISTS "loader"');
    expect(redshift[1]).toMatch(/^CREATE TABLE IF NOT EXISTS "loader"."loaded_files" \(/);
    expect(redshift[1]).toMatch(
      /PRIMARY KEY \("stream", "file_key"\)\n\)\nSORTKEY \("stream", "file_hour"\)$/,
    );
    expect(redshift[2]).toMatch(/^CREATE TABLE IF NOT EXISTS "loader"."batches" \(/);
    expect(redshift[2]).toMatch(/\)\nSORTKEY \("started_at"\)$/);
    expect(redshift[3]).toMatch(/^CREATE TABLE IF NOT EXISTS "loader"."drain_chain" \(/);
    expect(redshift).toHaveLength(4);
    expect(postgres[1]).toMatch(/PRIMARY KEY \("stream", "file_key"\)\n\)$/);
    expect(postgres[4]).toBe(
      'CREATE INDEX IF NOT EXISTS "loaded_files_stream_hour" ON "loader"."loaded_files" ("stream", "file_hour")',
    );
    expect([...redshift, ...postgres].every((s) => /IF NOT EXISTS/.test(s))).toBe(true);
  });
});

describe("drain chain lease", () => {
  it("is taken when held by the same chain or expired, created once, and released by its holder", () => {
    const now = new Date("2026-12-01T10:00:00Z");
    const until = new Date("2026-12-01T10:20:00Z");
    expect(buildChainClaim("c1", until, now)).toEqual({
      text: 'UPDATE "loader"."drain_chain" SET "chain_id" = $1, "expires_at" = $2 WHERE "name" = $3 AND ("chain_id" = $1 OR "expires_at" <= $4)',
      values: ["c1", "2026-12-01 10:20:00.000+00", "drain", "2026-12-01 10:00:00.000+00"],
    });
    expect(buildChainCreate("c1", until).text).toBe(
      'INSERT INTO "loader"."drain_chain" ("name", "chain_id", "expires_at") SELECT CAST($1 AS VARCHAR(32)), CAST($2 AS VARCHAR(64)), CAST($3 AS TIMESTAMPTZ) WHERE NOT EXISTS (SELECT 1 FROM "loader"."drain_chain" WHERE "name" = $1)',
    );
    expect(buildChainRelease("c1", now)).toEqual({
      text: 'UPDATE "loader"."drain_chain" SET "expires_at" = $1 WHERE "name" = $2 AND "chain_id" = $3',
      values: ["2026-12-01 10:00:00.000+00", "drain", "c1"],
    });
  });
});

describe("catalog", () => {
  it("reads columns from information_schema with parameters", () => {
    expect(buildColumnsQuery("public", "events")).toEqual({
      text: "SELECT column_name, data_type, character_maximum_length, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
      values: ["public", "events"],
    });
  });
  it("normalizes catalog type names", () => {
    expect(normalizeDataType("timestamp with time zone")).toBe("timestamptz");
    expect(normalizeDataType("character varying")).toBe("varchar");
    expect(normalizeDataType("jsonb")).toBe("jsonb");
    expect(normalizeDataType("SUPER")).toBe("super");
  });
});

describe("settings agree with the SQL builders", () => {
  it("LOAD_MAX_ERRORS stops where COPY's MAXERROR would pass Redshift's ceiling", async () => {
    const { SETTINGS } = await import("@kr/contract");
    const { MAX_TOLERATED_ERRORS } = await import("../src/index");
    expect(SETTINGS.LOAD_MAX_ERRORS.reader.read(String(MAX_TOLERATED_ERRORS)).ok).toBe(true);
    expect(SETTINGS.LOAD_MAX_ERRORS.reader.read(String(MAX_TOLERATED_ERRORS + 1)).ok).toBe(false);
  });
});

describe("status --verify (reads only)", () => {
  const hours = { from: new Date("2026-11-21T10:00:00Z"), to: new Date("2026-11-21T11:00:00Z") };

  it("counts a stream table's rows for a chunk of keys within sort-key bounds, keys as parameters", () => {
    const statement = buildVerifyRowsQuery(
      { schema: "public", table: "events", key: "event_id", sortKey: "occurred_at" },
      ["a", "b'; DROP TABLE x; --"],
      { low: new Date("2026-11-21T09:00:00Z"), high: new Date("2026-11-21T12:00:00Z") },
    );
    expect(statement.text).toBe(
      'SELECT COUNT(*) AS "rows" FROM "public"."events" WHERE "occurred_at" BETWEEN $1 AND $2 AND "event_id" IN ($3, $4)',
    );
    expect(statement.values).toEqual([
      "2026-11-21 09:00:00.000+00",
      "2026-11-21 12:00:00.000+00",
      "a",
      "b'; DROP TABLE x; --",
    ]);
    const keys = Array.from({ length: VERIFY_KEYS_CHUNK + 1 }, (_, i) => `k${i}`);
    expect(() =>
      buildVerifyRowsQuery(
        { schema: "public", table: "events", key: "event_id", sortKey: "occurred_at" },
        keys,
        {
          low: hours.from,
          high: hours.to,
        },
      ),
    ).toThrow(RangeError);
  });

  it("reads the ledger files of a range with their batch's rejected count and hour span", () => {
    const statement = buildVerifyLedgerQuery("events", hours);
    expect(statement.text).toContain('b."rejected"');
    expect(statement.text).toContain('MIN("file_hour") AS "hour_from"');
    expect(statement.text).not.toMatch(/\b(INSERT|DELETE|UPDATE)\b/);
    expect(statement.values).toEqual(["events", "2026-11-21 10:00:00.000+00", "2026-11-21 11:00:00.000+00"]);
  });
});
