// The merge's behaviour, not its text: the dedupe window, sub-millisecond timestamps, distinct events
// that share an occurred_at, and a file that another loader commits while this batch stages.
// PGlite, or the PostgreSQL server at PG_URL.

import { makeRecords, type TestRecord } from "@kr/test-utils";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WarehouseDriver } from "../src/drivers/types";
import { type LoadReport, runLoad } from "../src/index";
import { hourAt, putObject } from "./helpers/data";
import { BUCKET, startStack, type TestStack } from "./helpers/stack";
import { pageVisibility } from "./staging/helpers";

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function load(
  request: Parameters<typeof runLoad>[1],
  overrides?: Record<string, string>,
): Promise<LoadReport> {
  const config = stack.config(overrides);
  const deps = stack.deps(config);
  try {
    return await runLoad(config, request, deps);
  } finally {
    deps.close();
  }
}

const events = (report: LoadReport) => report.streams.find((s) => s.stream === "events");

async function counts(ids: readonly string[]) {
  const [row] = await stack.query<{ rows: string; ids: string }>(
    "SELECT count(*) AS rows, count(DISTINCT event_id) AS ids FROM public.events WHERE event_id = ANY($1)",
    [ids],
  );
  return { rows: Number(row?.rows), ids: Number(row?.ids) };
}

/** The same event, delivered again later with another occurred_at (a client retry with a new clock). */
const shifted = (record: TestRecord, ms: number): TestRecord => ({
  ...record,
  occurred_at: new Date(Date.parse(record.occurred_at) + ms).toISOString(),
});

describe("dedupe window (LOAD_DEDUPE_WINDOW_HOURS)", () => {
  it("an id that comes back 5 hours later, with another occurred_at, replaces its row: count(*) = count(distinct)", async () => {
    const first = hourAt("2026-12-20T01");
    const later = hourAt("2026-12-20T06");
    const records = makeRecords("events", first, 20, 801);
    await putObject(stack.s3Client, BUCKET, "events", first, records);
    await putObject(
      stack.s3Client,
      BUCKET,
      "events",
      later,
      records.slice(0, 5).map((r) => shifted(r, 5 * 3_600_000)),
    );
    await load({ from: "2026-12-20T01", streams: ["events"] });
    const report = await load({ from: "2026-12-20T06", streams: ["events"] });
    expect(events(report)).toMatchObject({ rowsStaged: 5, inserted: 0, replaced: 5 });
    const ids = records.map((r) => r.event_id);
    expect(await counts(ids)).toEqual({ rows: 20, ids: 20 });
    // The later delivery won: its occurred_at is the one kept.
    const [moved] = await stack.query<{ occurred_at: Date }>(
      "SELECT occurred_at FROM public.events WHERE event_id = $1",
      [records[0]?.event_id],
    );
    expect(moved?.occurred_at.toISOString()).toBe(
      shifted(records[0] as TestRecord, 5 * 3_600_000).occurred_at,
    );
  });

  it("outside the window (here: 0 hours) the id is kept twice — the window is what merges it", async () => {
    const first = hourAt("2026-12-21T01");
    const later = hourAt("2026-12-21T06");
    const records = makeRecords("events", first, 10, 802);
    await putObject(stack.s3Client, BUCKET, "events", first, records);
    await putObject(stack.s3Client, BUCKET, "events", later, [
      shifted(records[0] as TestRecord, 5 * 3_600_000),
    ]);
    await load({ from: "2026-12-21T01", streams: ["events"] }, { LOAD_DEDUPE_WINDOW_HOURS: "0" });
    const report = await load(
      { from: "2026-12-21T06", streams: ["events"] },
      { LOAD_DEDUPE_WINDOW_HOURS: "0" },
    );
    expect(events(report)).toMatchObject({ inserted: 1, replaced: 0 });
    expect(await counts(records.map((r) => r.event_id))).toEqual({ rows: 11, ids: 10 });
  });
});

describe("timestamps and keys", () => {
  it("a redelivered event whose occurred_at has microseconds is replaced, not doubled (the 1 ms widening)", async () => {
    const hour = hourAt("2026-12-22T03");
    // Both at the staged range's edges: a bound read back as milliseconds must still include them.
    const records = makeRecords("events", hour, 2, 803).map((r, i) => ({
      ...r,
      occurred_at: i === 0 ? "2026-12-22T03:10:00.000500Z" : "2026-12-22T03:20:00.999700Z",
    }));
    await putObject(stack.s3Client, BUCKET, "events", hour, records, { minute: 10 });
    // Window 0: only the 1 ms widening keeps these rows inside the delete bound.
    await load({ from: "2026-12-22T03", streams: ["events"] }, { LOAD_DEDUPE_WINDOW_HOURS: "0" });
    await putObject(stack.s3Client, BUCKET, "events", hour, records, { minute: 40 });
    const report = await load(
      { from: "2026-12-22T03", streams: ["events"] },
      { LOAD_DEDUPE_WINDOW_HOURS: "0" },
    );
    expect(events(report)).toMatchObject({ files: 1, inserted: 0, replaced: 2 });
    expect(await counts(records.map((r) => r.event_id))).toEqual({ rows: 2, ids: 2 });
    const rows = await stack.query<{ micros: string }>(
      "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'HH24:MI:SS.US') AS micros FROM public.events WHERE event_id = ANY($1) ORDER BY 1",
      [records.map((r) => r.event_id)],
    );
    expect(rows.map((r) => r.micros)).toEqual(["03:10:00.000500", "03:20:00.999700"]);
  });

  it("two distinct events sharing an occurred_at both stay, also when staging holds duplicates", async () => {
    const hour = hourAt("2026-12-22T05");
    const [a, b, c] = makeRecords("events", hour, 3, 804) as [TestRecord, TestRecord, TestRecord];
    const same = "2026-12-22T05:30:00.000Z";
    const twins = [
      { ...a, occurred_at: same },
      { ...b, occurred_at: same },
    ];
    // c twice: staging has a duplicate, so the insert takes the one-row-per-key path.
    await putObject(stack.s3Client, BUCKET, "events", hour, [...twins, c, c]);
    const report = await load({ from: "2026-12-22T05", streams: ["events"] });
    expect(events(report)).toMatchObject({ rowsStaged: 4, inserted: 3, duplicatesDropped: 1 });
    expect(await counts([a.event_id, b.event_id, c.event_id])).toEqual({ rows: 3, ids: 3 });
  });
});

describe("duplicates in staging (PostgreSQL counts distinct key hashes, the merge the exact keys)", () => {
  it("a batch with duplicates whose key is already loaded replaces that row once: exact counts, one row per id", async () => {
    const hour = hourAt("2026-12-26T02");
    const records = makeRecords("events", hour, 6, 901) as TestRecord[];
    const [a, b] = records as [TestRecord, TestRecord];
    await putObject(stack.s3Client, BUCKET, "events", hour, records, { minute: 5 });
    await load({ from: "2026-12-26T02", streams: ["events"] });
    // A later object: a (already loaded, 2 h later, so within the window) twice, b twice, one new id.
    const [fresh] = makeRecords("events", hour, 1, 902) as [TestRecord];
    const moved = shifted(a, 2 * 3_600_000);
    await putObject(stack.s3Client, BUCKET, "events", hour, [moved, b, moved, fresh, b], { minute: 35 });
    const report = await load({ from: "2026-12-26T02", streams: ["events"] });
    expect(events(report)).toMatchObject({
      files: 1,
      rowsStaged: 5,
      duplicatesDropped: 2,
      replaced: 2,
      inserted: 1,
    });
    const ids = [...records, fresh].map((r) => r.event_id);
    expect(await counts(ids)).toEqual({ rows: 7, ids: 7 });
    const [row] = await stack.query<{ occurred_at: Date }>(
      "SELECT occurred_at FROM public.events WHERE event_id = $1",
      [a.event_id],
    );
    expect(row?.occurred_at.toISOString()).toBe(moved.occurred_at);
  });

  it("a re-import of a file with duplicates and one changed row: exact unchanged, replaced and dropped counts", async () => {
    const hour = hourAt("2026-12-28T04");
    const records = makeRecords("events", hour, 5, 903) as TestRecord[];
    const [a, b] = records as [TestRecord, TestRecord];
    // One object: every record, a and b twice.
    await putObject(stack.s3Client, BUCKET, "events", hour, [...records, a, b], { minute: 5 });
    const first = await load({ from: "2026-12-28T04", streams: ["events"] });
    expect(events(first)).toMatchObject({ rowsStaged: 7, inserted: 5, duplicatesDropped: 2 });
    // Behind the loader's back, a's row changes: the re-import must put the file's version back.
    await stack.query("UPDATE public.events SET event_type = 'changed' WHERE event_id = $1", [a.event_id]);
    const again = await load({ from: "2026-12-28T04", streams: ["events"], reimport: true });
    expect(events(again)).toMatchObject({
      rowsStaged: 7,
      duplicatesDropped: 2,
      unchanged: 4,
      replaced: 1,
      inserted: 0,
    });
    expect(await counts(records.map((r) => r.event_id))).toEqual({ rows: 5, ids: 5 });
    const [row] = await stack.query<{ event_type: string }>(
      "SELECT event_type FROM public.events WHERE event_id = $1",
      [a.event_id],
    );
    expect(row?.event_type).toBe(a.event_type);
  });

  it("two distinct keys sharing a hash (simulated) cost a dedupe, never a row: exact counts on load and re-import", async () => {
    const hour = hourAt("2026-12-30T04");
    const records = makeRecords("events", hour, 8, 904) as TestRecord[];
    await putObject(stack.s3Client, BUCKET, "events", hour, records, { minute: 5 });
    // The staging statistics report one distinct key fewer than there are: what a 64-bit hash
    // collision would do on PostgreSQL. The merge must not trust it as the key count.
    const lowered = async (request: Parameters<typeof runLoad>[1]) => {
      const config = stack.config();
      const deps = stack.deps(config);
      const connect = async () => {
        const client: pg.Client = await deps.connect();
        const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        (client as { query: unknown }).query = (...args: unknown[]) => {
          const [first] = args;
          // Only the hashed count (PostgreSQL's form) can collide; the exact COUNT(DISTINCT) cannot.
          if (typeof first !== "string" || !first.includes("COUNT(DISTINCT hashtextextended("))
            return query(...args);
          return query(...args).then((result) => {
            const row = (result as { rows: { distinct_keys: unknown }[] }).rows[0];
            if (row) row.distinct_keys = Number(row.distinct_keys) - 1;
            return result;
          });
        };
        return client;
      };
      try {
        return await runLoad(config, request, { ...deps, connect });
      } finally {
        deps.close();
      }
    };
    const first = await lowered({ from: "2026-12-30T04", streams: ["events"] });
    expect(events(first)).toMatchObject({ rowsStaged: 8, inserted: 8, duplicatesDropped: 0 });
    await stack.query("UPDATE public.events SET event_type = 'changed' WHERE event_id = $1", [
      records[0]?.event_id,
    ]);
    const again = await lowered({ from: "2026-12-30T04", streams: ["events"], reimport: true });
    expect(events(again)).toMatchObject({ rowsStaged: 8, duplicatesDropped: 0, unchanged: 7, replaced: 1 });
    expect(await counts(records.map((r) => r.event_id))).toEqual({ rows: 8, ids: 8 });
  });
});

describe("lock discipline", () => {
  it("a file another loader commits while this batch stages is dropped under the lock and the batch restages without it", async () => {
    const hour = hourAt("2026-12-23T02");
    const next = hourAt("2026-12-23T03");
    const mine = makeRecords("events", hour, 30, 805);
    const theirs = makeRecords("events", next, 20, 806);
    await putObject(stack.s3Client, BUCKET, "events", hour, mine, { minute: 5 });
    const contested = await putObject(stack.s3Client, BUCKET, "events", next, theirs, { minute: 6 });

    const config = stack.config();
    const deps = stack.deps(config);
    const statements: string[] = [];
    let raced = false;
    // Right after this batch's stage transaction commits (before it takes the lock), another loader
    // loads the contested file and commits.
    const connect = async () => {
      const client: pg.Client = await deps.connect();
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const [first] = args;
        const text = typeof first === "string" ? first : ((first as { text?: string }).text ?? "");
        statements.push(text.split("\n")[0] ?? "");
        const staged = statements.some((s) => s.startsWith('CREATE TEMP TABLE "kr_stage_events'));
        if (text !== "COMMIT" || raced || !staged) return query(...args); // COPY streams pass through as they are
        raced = true;
        return query(...args).then(async (result) => {
          const other = await load({ from: "2026-12-23T03", streams: ["events"] });
          expect(events(other)).toMatchObject({ files: 1, inserted: 20 });
          return result;
        });
      };
      return client;
    };
    let report: LoadReport;
    try {
      report = await runLoad(
        config,
        { from: "2026-12-23T02", to: "2026-12-23T03", streams: ["events"] },
        { ...deps, connect },
      );
    } finally {
      deps.close();
    }
    expect(raced).toBe(true);
    // Under the lock the batch finds the contested file in the ledger: it rolls back, drops staging,
    // stages its own file again and merges that alone.
    expect(events(report)).toMatchObject({ status: "loaded", files: 1, skippedFiles: 1, inserted: 30 });
    expect(statements.filter((s) => s === "ROLLBACK")).toHaveLength(1);
    expect(
      statements.filter(
        (s) => /^CREATE TEMP TABLE "kr_stage_events[a-z0-9_]*" \(/.test(s) && !s.includes("_rejects"),
      ),
    ).toHaveLength(2);
    expect(await counts([...mine, ...theirs].map((r) => r.event_id))).toEqual({ rows: 50, ids: 50 });
    const ledger = await stack.query<{ n: string }>(
      "SELECT count(*) AS n FROM loader.loaded_files WHERE file_key = $1",
      [contested.key],
    );
    expect(Number(ledger[0]?.n)).toBe(1);
  });
});

describe.runIf(process.env.PG_URL)("the stage's COPY (PostgreSQL server)", () => {
  it("writes the staging table frozen, so the merge's first read of it has no hint bits to set", async () => {
    const hour = hourAt("2026-12-24T04");
    await putObject(stack.s3Client, BUCKET, "events", hour, makeRecords("events", hour, 3000, 811));
    const config = stack.config();
    const deps = stack.deps(config);
    const { driver } = deps;
    const seen: { pages: number; allVisible: number }[] = [];
    // The real driver's stage, in runBatch's own stage transaction; then what the visibility map says.
    const inspecting: typeof driver = {
      ...driver,
      stage: async (request) => {
        const outcome = await driver.stage(request);
        seen.push(await pageVisibility(request.client, `"${request.staging}"`));
        return outcome;
      },
    };
    try {
      const report = await runLoad(
        config,
        { from: "2026-12-24T04", streams: ["events"] },
        { ...deps, driver: inspecting },
      );
      expect(events(report)).toMatchObject({ status: "loaded", inserted: 3000 });
    } finally {
      deps.close();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]?.pages).toBeGreaterThan(10);
    expect(seen[0]?.allVisible).toBe(seen[0]?.pages);
  });
});

/**
 * A stage that lets one refused row through, as if the encoder had missed it: a key longer than the
 * target's 64 bytes (staging keeps keys wide, so it is stored, not cut). `counted: false` drops the
 * statistics the stage counted, as where it cannot count them; `countedStats` says whether it had.
 */
function letRefusedRowThrough(
  inner: WarehouseDriver,
  occurredAt: unknown,
  options: { counted: boolean },
): WarehouseDriver & { countedStats: boolean } {
  const driver = {
    ...inner,
    countedStats: false,
    stage: async (request: Parameters<WarehouseDriver["stage"]>[0]) => {
      const { stats, ...outcome } = await inner.stage(request);
      driver.countedStats = stats !== undefined;
      await request.client.query(
        `INSERT INTO "${request.staging}" ("event_id", "event_type", "occurred_at") VALUES ($1, 'page_view', $2)`,
        [`refused-${"k".repeat(70)}`, occurredAt],
      );
      return options.counted && stats ? { ...outcome, stats } : outcome;
    },
  };
  return driver;
}

describe("the SQL reject step (the safety net behind the encoder)", () => {
  // Where the stage did not count the staging statistics itself (Redshift; PostgreSQL when a key or
  // sort key is not one it counts exactly), the statistics scan also counts refused rows.
  it("a staged row the target refuses is counted in the statistics scan, rejected, quarantined without a line, and the rest loads", async () => {
    const hour = hourAt("2026-12-27T01");
    const records = makeRecords("events", hour, 12, 807);
    await putObject(stack.s3Client, BUCKET, "events", hour, records);
    const config = stack.config();
    const deps = stack.deps(config);
    const driver = letRefusedRowThrough(deps.driver, records[0]?.occurred_at, { counted: false });
    try {
      const report = await runLoad(
        config,
        { from: "2026-12-27T01", streams: ["events"] },
        { ...deps, driver },
      );
      expect(events(report)).toMatchObject({ status: "loaded", rowsStaged: 12, inserted: 12, rejected: 1 });
      expect(events(report)?.rejectedRecords).toContainEqual(
        expect.objectContaining({ key: "(staging)", reason: "event_id: longer than 64 bytes" }),
      );
    } finally {
      deps.close();
    }
    expect(await counts(records.map((r) => r.event_id))).toEqual({ rows: 12, ids: 12 });
    const [refused] = await stack.query<{ n: string }>(
      "SELECT count(*) AS n FROM public.events WHERE event_id LIKE 'refused-%'",
    );
    expect(Number(refused?.n)).toBe(0);
    const quarantined = await stack.query<{
      reason: string;
      raw_line: string | null;
      file_key: string | null;
    }>(
      "SELECT reason, raw_line, file_key FROM loader.rejected_records WHERE reason = 'event_id: longer than 64 bytes'",
    );
    expect(quarantined).toEqual([
      { reason: "event_id: longer than 64 bytes", raw_line: null, file_key: null },
    ]);
  });

  it("where the stage counted the statistics, a refused row that got past it fails the batch: nothing loads, the files stay pending", async () => {
    const hour = hourAt("2026-12-27T02");
    const records = makeRecords("events", hour, 12, 808);
    await putObject(stack.s3Client, BUCKET, "events", hour, records);
    const config = stack.config();
    const deps = stack.deps(config);
    const driver = letRefusedRowThrough(deps.driver, records[0]?.occurred_at, { counted: true });
    try {
      await expect(
        runLoad(config, { from: "2026-12-27T02", streams: ["events"] }, { ...deps, driver }),
      ).rejects.toThrow(/too long|character varying\(64\)/);
    } finally {
      deps.close();
    }
    expect(driver.countedStats).toBe(true);
    expect(await counts(records.map((r) => r.event_id))).toEqual({ rows: 0, ids: 0 });
    const [ledger] = await stack.query<{ n: string }>(
      "SELECT count(*) AS n FROM loader.loaded_files WHERE file_key LIKE '%2026/12/27/02/%'",
    );
    expect(Number(ledger?.n)).toBe(0);
  });
});
