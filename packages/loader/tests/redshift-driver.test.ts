// No Redshift is reachable here: the Redshift driver's whole statement sequence runs against
// PostgreSQL with only its COPY emulated (helpers/redshift.ts). The COPY text is pinned by
// copy-builder's unit tests; here we check the sequence and that the driver hands the COPY the right
// manifest.
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { buildCopy } from "@kr/copy-builder";
import { makeRecords } from "@kr/test-utils";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRedshiftDriver,
  LoadFailedError,
  type LoadReport,
  type runLoad,
  type StageRequest,
  TooManyRejectedError,
  type WarehouseDriver,
} from "../src/index";
import { hourAt, putObject, writeDataset } from "./helpers/data";
import { ROLES, redshiftLoad as redshiftLoadOn, redshiftReplay } from "./helpers/redshift";
import { createRedshiftStandIns } from "./helpers/redshift-stand-ins";
import { BUCKET, MANIFEST_BUCKET, startStack, type TestStack, warehouseState } from "./helpers/stack";

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
  await createRedshiftStandIns(stack);
  await writeDataset(
    stack.s3Client,
    BUCKET,
    ["events", "utm"],
    [hourAt("2026-12-01T00"), hourAt("2026-12-01T01")],
    {
      filesPerHour: 2,
      perFile: 30,
      seed: 5,
    },
  );
});
afterAll(() => stack.close());

/** The staging table carries its batch's suffix (kr_stage_events_1a2b3c4d); the pins leave it out. */
const plain = (text: string) =>
  text.replace(/"kr_stage_([a-z0-9_]+?)_[0-9a-f]{8}(_lines|_parsed|_rejects)?"/g, '"kr_stage_$1$2"');

/** Runs a load with the Redshift driver (COPY emulated, see helpers/redshift.ts); statements unsuffixed. */
async function redshiftLoad(request: Parameters<typeof runLoad>[1]) {
  const run = await redshiftLoadOn(stack, request);
  return {
    report: run.report,
    statements: run.statements.map(plain),
    copies: run.copies.map((c) => ({ ...c, sql: plain(c.sql) })),
  };
}

const stream = (report: LoadReport, name: string) => report.streams.find((s) => s.stream === name);

describe("the Redshift statement sequence, run on PostgreSQL", () => {
  it("loads one batch per stream: stage (COPY of raw lines, SQL parse), lock, ledger check, merge, ledger, batch, commit", async () => {
    const { report, statements, copies } = await redshiftLoad({ from: "2026-12-01T00", to: "2026-12-01T01" });
    expect(report.runner).toBe("redshift");
    expect(stream(report, "events")).toMatchObject({
      status: "loaded",
      files: 4,
      rowsStaged: 120,
      inserted: 120,
    });
    expect(stream(report, "utm")).toMatchObject({ status: "loaded", files: 4, inserted: 120 });
    expect(await warehouseState(stack)).toMatchObject({ events: 120, utm: 120, ledgerFiles: 8, batches: 2 });

    // Redshift loads one stream at a time; the events batch runs first, then utm.
    // The run first ends stale loader sessions, then the plan reads the catalog and the ledger
    // (outside any transaction).
    expect(statements.slice(0, 3).map((s) => s.split("\n")[0])).toEqual([
      "SELECT DISTINCT s.process AS pid",
      "SELECT column_name, data_type, character_maximum_length, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
      'SELECT "file_key" FROM "loader"."loaded_files" WHERE "stream" = $1 AND "file_hour" BETWEEN $2 AND $3',
    ]);
    const begin = statements.indexOf("BEGIN");
    const end = statements.indexOf("COMMIT", statements.indexOf("COMMIT", begin) + 1);
    const events = statements.slice(begin, end + 1).map((s) => s.split("\n")[0]);
    // Stage (COPY) in its own transaction with no table lock, so readers never wait for the COPY;
    // then lock, re-check the ledger and merge in one transaction.
    expect(events).toEqual([
      "BEGIN",
      'CREATE TEMP TABLE "kr_stage_events" (',
      'CREATE TEMP TABLE "kr_stage_events_rejects" (',
      "SELECT CAST(SYSDATE AS VARCHAR(32)) AS mark",
      'CREATE TEMP TABLE "kr_stage_events_lines" (',
      "<COPY>",
      "SELECT TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name, TRIM(error_message) AS error_message,",
      // Each raw line parsed once into a reason or fields; the good ones typed into staging.
      'CREATE TEMP TABLE "kr_stage_events_parsed" (',
      'INSERT INTO "kr_stage_events_parsed" (raw_line, quarantine_id, reason, "event_id", "event_type", "occurred_at", "user_id", "anonymous_id", "session_id", "page_url", "referrer", "user_agent", "properties")',
      "SELECT LEFT(raw_line, 256) AS raw_line, reason, COUNT(*) OVER () AS total",
      'INSERT INTO "kr_stage_events" ("event_id", "event_type", "occurred_at", "user_id", "anonymous_id", "session_id", "page_url", "referrer", "user_agent", "properties")',
      'DROP TABLE IF EXISTS "kr_stage_events_parsed"',
      'DROP TABLE IF EXISTS "kr_stage_events_lines"',
      // The statistics and the reject step's count in one scan; nothing refused, so no reject step.
      'SELECT COUNT(*) AS rows_staged, COUNT(DISTINCT "event_id") AS distinct_keys, MIN("occurred_at") AS min_sort, MAX("occurred_at") AS max_sort, COUNT(CASE WHEN ("event_id" IS NULL) OR (OCTET_LENGTH("event_id") > 64) OR ("occurred_at" IS NULL) OR ("event_type" IS NULL) THEN 1 END) AS refused FROM "kr_stage_events"',
      "COMMIT",
      "BEGIN",
      'LOCK "public"."events", "loader"."loaded_files", "loader"."batches", "loader"."rejected_records"',
      'SELECT "file_key" FROM "loader"."loaded_files" WHERE "stream" = $1 AND "file_hour" BETWEEN $2 AND $3',
      'DELETE FROM "public"."events"',
      'INSERT INTO "public"."events" ("event_id", "event_type", "occurred_at", "user_id", "anonymous_id", "session_id", "page_url", "referrer", "user_agent", "properties")',
      'INSERT INTO "loader"."loaded_files" ("stream", "file_key", "file_hour", "size_bytes", "batch_id", "loaded_at") VALUES ($1, $2, $3, $4, $5, $6), ($7, $8, $9, $10, $11, $12), ($13, $14, $15, $16, $17, $18), ($19, $20, $21, $22, $23, $24)',
      'INSERT INTO "loader"."batches" ("batch_id", "stream", "range_from", "range_to", "reimport", "driver", "files", "bytes", "rows_staged", "rows_inserted", "rows_replaced", "duplicates_dropped", "rejected", "started_at", "finished_at") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)',
      'DROP TABLE "kr_stage_events"',
      'DROP TABLE "kr_stage_events_rejects"',
      "COMMIT",
    ]);
    // The delete bound is the staged range widened by the dedupe window (LOAD_DEDUPE_WINDOW_HOURS=24).
    const remove = statements.find((s) => s.startsWith('DELETE FROM "public"."events"')) ?? "";
    const [, low, high] =
      /BETWEEN CAST\('([^']+)' AS TIMESTAMPTZ\) AND CAST\('([^']+)' AS TIMESTAMPTZ\)/.exec(remove) ?? [];
    const [span] = await stack.query<{ min: Date; max: Date }>(
      "SELECT min(occurred_at) AS min, max(occurred_at) AS max FROM public.events",
    );
    const day = 24 * 3_600_000;
    const utc = (text: string | undefined) => Date.parse(`${text?.replace(" ", "T").replace("+00", "Z")}`);
    expect(utc(low)).toBe((span?.min.getTime() ?? 0) - day - 1);
    expect(utc(high)).toBe((span?.max.getTime() ?? 0) + day + 1);

    // One COPY per stream per batch, from a manifest that lists exactly the batch's files.
    expect(copies).toHaveLength(2);
    const [first] = copies;
    const batchId = stream(report, "events")?.batchId;
    const manifestKey = `manifests/events/${batchId}.manifest.json`;
    expect(first?.sql).toBe(
      buildCopy({
        table: "kr_stage_events_lines",
        manifest: { bucket: MANIFEST_BUCKET, key: manifestKey },
        iamRoles: ROLES,
        region: "eu-west-1",
        maxErrors: 5,
        gzip: true,
      }),
    );
    const manifest = await stack.s3Client.send(
      new GetObjectCommand({ Bucket: MANIFEST_BUCKET, Key: manifestKey }),
    );
    const entries = JSON.parse((await manifest.Body?.transformToString()) ?? "{}").entries;
    expect(entries.map((e: { url: string }) => e.url)).toEqual(first?.keys.map((k) => `s3://${BUCKET}/${k}`));
    expect(
      entries.every(
        (e: { mandatory: boolean; meta: { content_length: number } }) =>
          e.mandatory && e.meta.content_length > 0,
      ),
    ).toBe(true);
  });

  it("--dry-run prints the Redshift sequence and writes nothing, not even the manifest", async () => {
    const hour = hourAt("2026-12-01T05");
    await putObject(stack.s3Client, BUCKET, "events", hour, makeRecords("events", hour, 5, 55));
    const before = await warehouseState(stack);
    const manifests = await stack.listKeys(MANIFEST_BUCKET);
    const { report, copies } = await redshiftLoad({ from: "2026-12-01T05", dryRun: true });
    expect(copies).toEqual([]);
    const sql = (report.streams.find((s) => s.stream === "events")?.sql ?? []).map(plain);
    expect(sql.slice(0, 2)).toEqual(["-- stage: no table lock, readers go on", "BEGIN"]);
    expect(sql[2]).toMatch(
      /^CREATE TEMP TABLE "kr_stage_events" \(\n {2}"event_id" varchar\(65535\),[\s\S]*\nDISTSTYLE KEY\nDISTKEY \("event_id"\)$/,
    );
    const merge = sql.indexOf("-- merge: under the lock, in one transaction");
    expect(sql.slice(merge + 1, merge + 3)).toEqual([
      "BEGIN",
      'LOCK "public"."events", "loader"."loaded_files", "loader"."batches", "loader"."rejected_records"',
    ]);
    expect(merge).toBeGreaterThan(sql.findIndex((s) => s.startsWith("COPY ")));
    expect(sql).toContainEqual(
      expect.stringMatching(
        /^COPY "kr_stage_events_lines" \(raw_line\)\nFROM 's3:\/\/kr-manifests\/manifests\/events\/events-.*\.manifest\.json'\nIAM_ROLE 'arn:aws:iam::222222222222:role\/kr-copy,arn:aws:iam::111111111111:role\/kr-events-reader'/,
      ),
    );
    expect(report.streams.find((s) => s.stream === "utm")).toMatchObject({ status: "up-to-date", sql: [] });
    expect(await warehouseState(stack)).toEqual(before);
    expect(await stack.listKeys(MANIFEST_BUCKET)).toEqual(manifests);
  });

  it("again: nothing to load, nothing written", async () => {
    const before = await warehouseState(stack);
    const { report, copies } = await redshiftLoad({ from: "2026-12-01T00", to: "2026-12-01T01" });
    expect(report.streams.map((s) => s.status)).toEqual(["up-to-date", "up-to-date"]);
    expect(copies).toEqual([]);
    expect(await warehouseState(stack)).toEqual(before);
  });

  it("re-import: every row replaced, counts unchanged, ledger rewritten", async () => {
    const before = await warehouseState(stack);
    const { report, statements } = await redshiftLoad({
      from: "2026-12-01T00",
      to: "2026-12-01T01",
      reimport: true,
    });
    expect(stream(report, "events")).toMatchObject({ files: 4, inserted: 0, replaced: 120 });
    expect(statements).toContain(
      'DELETE FROM "loader"."loaded_files" WHERE "stream" = $1 AND "file_key" IN ($2, $3, $4, $5)',
    );
    expect(await warehouseState(stack)).toEqual({ ...before, batches: before.batches + 2 });
  });

  it("redelivered duplicates end once", async () => {
    const hour = hourAt("2026-12-01T02");
    const records = makeRecords("utm", hour, 10, 77);
    await putObject(stack.s3Client, BUCKET, "utm", hour, records);
    await putObject(stack.s3Client, BUCKET, "utm", hour, records.slice(0, 4));
    const { report } = await redshiftLoad({ from: "2026-12-01T02", streams: ["utm"] });
    expect(stream(report, "utm")).toMatchObject({ rowsStaged: 14, inserted: 10, duplicatesDropped: 4 });
  });
});

describe("replay on Redshift: quarantined lines through the same parse", () => {
  it("loads a corrected line once, keeps a still-bad one, and a second replay loads nothing", async () => {
    const hour = hourAt("2026-12-01T07");
    const [good] = makeRecords("events", hour, 1, 71);
    const fixable = { ...good, event_id: "replay-fixable", occurred_at: "2026-13-45T00:00:00Z" };
    const lines = [JSON.stringify(good), JSON.stringify(fixable), '{"event_id":"replay-broken","occ'];
    await putObject(stack.s3Client, BUCKET, "events", hour, lines);
    const { report } = await redshiftLoad({ from: "2026-12-01T07", streams: ["events"] });
    const batchId = stream(report, "events")?.batchId as string;
    expect(stream(report, "events")).toMatchObject({ status: "loaded", inserted: 1, rejected: 2 });
    const quarantined = await stack.query<{ id: string; raw_line: string; reason: string }>(
      "SELECT id, raw_line, reason FROM loader.rejected_records WHERE batch_id = $1 ORDER BY reason",
      [batchId],
    );
    expect(quarantined.map((q) => [q.reason, q.raw_line])).toEqual([
      ["column occurred_at: unparseable timestamp", lines[1]],
      ["invalid JSON", lines[2]],
    ]);

    // A re-import rejects both lines again; the parse knows no file or line, so the quarantine
    // recognises them by their text and keeps one row each.
    const total = async () =>
      Number((await stack.query<{ n: string }>("SELECT COUNT(*) AS n FROM loader.rejected_records"))[0]?.n);
    const rows = await total();
    await redshiftLoad({ from: "2026-12-01T07", streams: ["events"], reimport: true });
    expect(await total()).toBe(rows);

    // Someone corrects the timestamp in the table; the truncated line stays as it is.
    await stack.query("UPDATE loader.rejected_records SET raw_line = $1 WHERE id = $2", [
      JSON.stringify({ ...fixable, occurred_at: good?.occurred_at }),
      quarantined[0]?.id,
    ]);
    const first = await redshiftReplay(stack, { batchId });
    expect(first.report.streams[0]).toMatchObject({
      selected: 2,
      replayed: 1,
      stillRejected: 1,
      inserted: 1,
    });
    // The lines reached the parse by INSERT, not by COPY: no manifest, no COPY.
    expect(first.statements.some((t) => t.startsWith("COPY "))).toBe(false);
    expect(first.statements.some((t) => t.startsWith('INSERT INTO "kr_stage_events_'))).toBe(true);
    const [count] = await stack.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM public.events WHERE event_id = 'replay-fixable'",
    );
    expect(count?.n).toBe("1");
    const after = await stack.query<{ replayed: boolean; attempts: number }>(
      "SELECT replayed_at IS NOT NULL AS replayed, attempts FROM loader.rejected_records WHERE batch_id = $1 ORDER BY reason",
      [batchId],
    );
    expect(after).toEqual([
      { replayed: true, attempts: 1 },
      { replayed: false, attempts: 2 },
    ]);

    const again = await redshiftReplay(stack, { batchId });
    expect(again.report.streams[0]).toMatchObject({ replayed: 0, inserted: 0 });
    const [still] = await stack.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM public.events WHERE event_id = 'replay-fixable'",
    );
    expect(still?.n).toBe("1");
  });
});

describe("the COPY step itself (against a recording client)", () => {
  /** After the COPY: parsed lines, their rejects, the typed rows into staging, the line tables dropped. */
  const PARSE_STATEMENTS = [
    'CREATE TEMP TABLE "kr_stage_events_parsed" (',
    'INSERT INTO "kr_stage_events_parsed" (raw_line, quarantine_id, reason, "event_id", "occurred_at")',
    "SELECT LEFT(raw_line, 256) AS raw_line, reason, COUNT(*) OVER () AS total",
    'INSERT INTO "kr_stage_events" ("event_id", "occurred_at")',
    'DROP TABLE IF EXISTS "kr_stage_events_parsed"',
    'DROP TABLE IF EXISTS "kr_stage_events_lines"',
  ];

  /** A pg client stand-in that answers the load-error query like Redshift would. */
  function recordingClient(
    errors: { file_name: string; line_number: number; column_name: string; error_message: string }[],
    copyError?: Error,
    parsedRejects: { raw_line: string; reason: string }[] = [],
  ) {
    const queries: string[] = [];
    const values: unknown[][] = [];
    const client = {
      async query(statement: string | { text: string; values: unknown[] }) {
        const text = typeof statement === "string" ? statement : statement.text;
        queries.push(text);
        values.push(typeof statement === "string" ? [] : statement.values);
        if (text.startsWith("COPY") && copyError) throw copyError;
        if (text.includes("SYSDATE")) return { rows: [{ mark: "2026-12-01 05:00:01.123456" }] };
        if (text.includes("sys_load_error_detail")) {
          return { rows: errors.map((e) => ({ ...e, total: String(errors.length) })) };
        }
        if (text.includes("WHERE reason IS NOT NULL")) {
          return { rows: parsedRejects.map((r) => ({ ...r, total: String(parsedRejects.length) })) };
        }
        return { rows: [] };
      },
    };
    return { client: client as unknown as pg.ClientBase, queries, values };
  }

  const request = (client: pg.ClientBase, keys: string[]): StageRequest => ({
    client,
    stream: "events",
    batchId: "b-1",
    staging: "kr_stage_events",
    columns: [],
    target: {
      schema: "public",
      table: "events",
      staging: "kr_stage_events",
      columns: ["event_id", "occurred_at"],
      key: "event_id",
      sortKey: "occurred_at",
    },
    targetColumns: [
      { name: "event_id", type: "varchar(64)", nullable: false },
      { name: "occurred_at", type: "timestamptz", nullable: false },
    ],
    files: keys.map((key) => ({ key, size: 10, hour: hourAt("2026-12-01T00") })),
    maxErrors: 5,
  });

  const driver = (): WarehouseDriver =>
    createRedshiftDriver({
      manifestS3: stack.s3Client,
      manifestBucket: MANIFEST_BUCKET,
      sourceBucket: BUCKET,
      iamRoles: "default",
    });

  it("writes the manifest, runs COPY, and reads rejected records from sys_load_error_detail", async () => {
    const { client, queries } = recordingClient([
      {
        file_name: `s3://${BUCKET}/events/a.gz`,
        line_number: 7,
        column_name: "occurred_at",
        error_message: "Invalid timestamp format",
      },
    ]);
    const outcome = await driver().stage(request(client, ["events/a.gz", "events/b.gz"]));
    expect(outcome).toEqual({
      method: "copy",
      rejectedCount: 1,
      rejected: [{ key: "events/a.gz", line: 7, reason: "occurred_at: Invalid timestamp format", raw: "" }],
    });
    expect(queries[0]).toBe("SELECT CAST(SYSDATE AS VARCHAR(32)) AS mark");
    expect(queries[1]).toMatch(/^CREATE TEMP TABLE "kr_stage_events_lines" \(/);
    expect(queries[2]).toMatch(
      /^COPY "kr_stage_events_lines" \(raw_line\)\nFROM 's3:\/\/kr-manifests\/manifests\/events\/b-1\.manifest\.json'\nIAM_ROLE default\n/,
    );
    expect(queries[3]).toContain("WHERE query_id = pg_last_copy_id()");
    expect(queries.slice(4).map((q) => q.split("\n")[0])).toEqual(PARSE_STATEMENTS);
  });

  it("rejects in SQL the lines that are not records, with their raw line, from the same budget", async () => {
    const copyErrors = [
      {
        file_name: `s3://${BUCKET}/events/a.gz`,
        line_number: 4,
        column_name: "raw_line",
        error_message: "String length exceeds DDL length",
      },
    ];
    const parsed = [
      { raw_line: '{"event_id":"e1","occ', reason: "invalid JSON" },
      { raw_line: '{"event_id":"e2"}', reason: "occurred_at: missing or null (required)" },
    ];
    const { client, queries } = recordingClient(copyErrors, undefined, parsed);
    const outcome = await driver().stage(request(client, ["events/a.gz"]));
    expect(outcome.rejectedCount).toBe(3);
    expect(outcome.rejected).toEqual([
      { key: "events/a.gz", line: 4, reason: "raw_line: String length exceeds DDL length", raw: "" },
      { key: "(line)", line: 0, reason: "invalid JSON", raw: '{"event_id":"e1","occ' },
      { key: "(line)", line: 0, reason: "occurred_at: missing or null (required)", raw: '{"event_id":"e2"}' },
    ]);
    expect(queries.some((q) => q.startsWith('INSERT INTO "kr_stage_events" '))).toBe(true);

    // One over the budget (5 tolerated): nothing reaches staging, the caller rolls back.
    const many = Array.from({ length: 5 }, (_, i) => ({ raw_line: `x${i}`, reason: "invalid JSON" }));
    const over = recordingClient(copyErrors, undefined, many);
    const error = await driver()
      .stage(request(over.client, ["events/a.gz"]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRejectedError);
    expect((error as TooManyRejectedError).rejectedCount).toBe(6);
    expect(over.queries.some((q) => q.startsWith('INSERT INTO "kr_stage_events" '))).toBe(false);
  });

  it("splits a batch that mixes GZIP and plain objects into two COPYs sharing the LOAD_MAX_ERRORS budget", async () => {
    const { client, queries } = recordingClient([
      { file_name: `s3://${BUCKET}/events/a.gz`, line_number: 1, column_name: "", error_message: "bad" },
    ]);
    await driver().stage(request(client, ["events/a.gz", "events/b.json"]));
    const copies = queries.filter((q) => q.startsWith("COPY"));
    expect(copies).toHaveLength(2);
    expect(copies[0]).toContain("\nGZIP\n");
    // LOAD_MAX_ERRORS=5 tolerated: MAXERROR 6 (Redshift fails at MAXERROR errors or more).
    expect(copies[0]).toContain("MAXERROR 6");
    expect(copies[1]).toContain("b-1-plain.manifest.json");
    expect(copies[1]).not.toContain("GZIP");
    // The first COPY used 1 of the 5: the second may skip 4 more, MAXERROR 5.
    expect(copies[1]).toContain("MAXERROR 5");
  });

  it("turns Redshift's 'load failed' (MAXERROR exceeded) into TooManyRejectedError", async () => {
    const { client } = recordingClient(
      [],
      new Error(
        "Load into table 'kr_stage_events' failed.  Check 'sys_load_error_detail' system table for details.",
      ),
    );
    const error = await driver()
      .stage(request(client, ["events/a.gz"]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRejectedError);
    expect(error).toBeInstanceOf(LoadFailedError);
    expect((error as Error).message).toContain(
      "events: more than 5 rejected records exceed LOAD_MAX_ERRORS=5; the batch rolled back",
    );
  });

  it("after the rollback, reads the batch's rejects by session and stage start (PG_LAST_COPY_ID is not updated)", async () => {
    const { client, queries, values } = recordingClient(
      [
        {
          file_name: `s3://${BUCKET}/events/a.gz`,
          line_number: 3,
          column_name: "",
          error_message: "Invalid JSON",
        },
        {
          file_name: `s3://${BUCKET}/events/a.gz`,
          line_number: 9,
          column_name: "",
          error_message: "Invalid JSON",
        },
      ],
      new Error(
        "Load into table 'kr_stage_events' failed.  Check 'sys_load_error_detail' system table for details.",
      ),
    );
    const redshift = driver();
    await redshift.stage(request(client, ["events/a.gz"])).catch(() => undefined);
    // No pg_last_copy_id() read inside the aborted transaction.
    expect(queries.filter((q) => q.includes("sys_load_error_detail"))).toEqual([]);
    const details = await redshift.rejectedAfterRollback?.(client);
    expect(queries.at(-1)).toContain(
      "WHERE session_id = PG_BACKEND_PID() AND start_time >= CAST($1 AS TIMESTAMP)",
    );
    expect(values.at(-1)).toEqual(["2026-12-01 05:00:01.123456"]);
    expect(details).toEqual({
      count: 2,
      records: [
        { key: "events/a.gz", line: 3, reason: "Invalid JSON", raw: "" },
        { key: "events/a.gz", line: 9, reason: "Invalid JSON", raw: "" },
      ],
    });
    // A connection that never staged has no mark: nothing to look up.
    expect(await driver().rejectedAfterRollback?.(recordingClient([]).client)).toBeUndefined();
  });

  it("--dry-run describes the manifest and COPY without writing the manifest", async () => {
    const before = await stack.listKeys(MANIFEST_BUCKET);
    const { client } = recordingClient([]);
    const sql = await driver().describeStage(request(client, ["events/a.gz"]));
    expect(sql.map((s) => s.split("\n")[0])).toEqual([
      "SELECT CAST(SYSDATE AS VARCHAR(32)) AS mark",
      'CREATE TEMP TABLE "kr_stage_events_lines" (',
      "-- manifest of 1 objects written to s3://kr-manifests/manifests/events/b-1.manifest.json",
      'COPY "kr_stage_events_lines" (raw_line)',
      "SELECT TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name, TRIM(error_message) AS error_message,",
      ...PARSE_STATEMENTS,
    ]);
    expect(await stack.listKeys(MANIFEST_BUCKET)).toEqual(before);
  });
});
