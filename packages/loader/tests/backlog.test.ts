// A backlog drained by budget-bounded runs, and re-imports that span runs, against a real warehouse
// (PGlite, or the server at PG_URL) and a real local S3 server. The warehouse is made as slow as a
// cluster under load (each batch's staging waits 0.7 s first) and the throughput history is seeded
// to match, so a batch takes and is estimated at ~1 s: each run fits a few in its budget.
import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { makeRecords } from "@kr/test-utils";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LoadFailedError, type LoadReport, runLoad } from "../src/index";
import { hourAt, jsonLines, putObject, writeDataset } from "./helpers/data";
import { BUCKET, startStack, type TestStack, warehouseState } from "./helpers/stack";

const STREAMS = ["events", "utm"] as const;
const HOURS = Array.from(
  { length: 24 },
  (_, i) => new Date(hourAt("2026-10-01T00").getTime() + i * 3_600_000),
);
const FILES = 24 * 2 * STREAMS.length;
const BUDGET_S = 3;
const STAGE_DELAY_MS = 700;
/** Planning, connecting and the report are outside the batch estimates; a busy 2-core machine too. */
const MARGIN_MS = 2_500;

let stack: TestStack;
let ids: Record<string, Set<string>>;
beforeAll(async () => {
  stack = await startStack();
  ({ ids } = await writeDataset(stack.s3Client, BUCKET, [...STREAMS], HOURS, {
    filesPerHour: 2,
    perFile: 25,
    seed: 24,
  }));
});
afterAll(() => stack.close());

const settings = { LOAD_TIME_BUDGET_SECONDS: String(BUDGET_S), LOAD_BATCH_MAX_FILES: "4" };

async function load(
  request: Parameters<typeof runLoad>[1],
  overrides: Record<string, string> = settings,
  slow = overrides === settings,
): Promise<LoadReport> {
  const config = stack.config(overrides);
  const deps = stack.deps(config);
  const slowDriver = beforeEachStage(
    deps.driver,
    () => new Promise((resolve) => setTimeout(resolve, STAGE_DELAY_MS)),
  );
  return runLoad(config, request, { ...deps, ...(slow && { driver: slowDriver }) }).finally(() =>
    deps.close(),
  );
}

type Driver = ReturnType<TestStack["deps"]>["driver"];

/** The driver with something done before each batch's stage (a wait, a clock moved on). */
function beforeEachStage(
  driver: Driver,
  before: (request: Parameters<Driver["stage"]>[0]) => unknown,
): Driver {
  return {
    name: driver.name,
    dialect: driver.dialect,
    streamConcurrency: driver.streamConcurrency,
    describeStage: (r) => driver.describeStage(r),
    stageLines: (r, lines) => driver.stageLines(r, lines),
    stage: async (r) => {
      await before(r);
      return driver.stage(r);
    },
    ...(driver.rejectedAfterRollback && {
      rejectedAfterRollback: driver.rejectedAfterRollback.bind(driver),
    }),
  };
}

/** One loaded batch in loader.batches, as the estimates read them (files, bytes, time). */
async function recordHistory(
  stream: string,
  batch: { id: string; files: number; bytes: number; ms: number; finished: Date },
) {
  await stack.query(
    `INSERT INTO loader.batches (batch_id, stream, range_from, range_to, reimport, driver, files, bytes,
       rows_staged, rows_inserted, rows_replaced, duplicates_dropped, rejected, started_at, finished_at)
     VALUES ($1, $2, $3, $3, false, 'postgres', $4, $5, 0, 0, 0, 0, 0, $6, $3)`,
    [
      batch.id,
      stream,
      batch.finished,
      batch.files,
      batch.bytes,
      new Date(batch.finished.getTime() - batch.ms),
    ],
  );
}

/** Recent batches that moved 4 files' bytes in 1 s: a 4-file batch is estimated at ~1 s. */
async function seedSlowHistory() {
  const bytes = 4 * 2_500; // a file of 25 records is ~2.1-2.5 KB of GZIP
  for (const stream of STREAMS) {
    for (let i = 0; i < 20; i++) {
      const finished = new Date(Date.parse("2026-09-01T00:00:00Z") + i * 60_000);
      await recordHistory(stream, {
        id: `seed-${stream}-${i}-${Math.random()}`,
        files: 4,
        bytes,
        ms: 1_000,
        finished,
      });
    }
  }
}

async function expectExactlyOnce() {
  for (const stream of STREAMS) {
    const rows = await stack.query<{ event_id: string }>(`SELECT event_id FROM public.${stream}`);
    expect(rows.length).toBe(ids[stream]?.size);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(ids[stream]);
  }
  const state = await warehouseState(stack);
  expect(state.ledgerFiles).toBe(FILES);
  expect(state.ledgerDistinct).toBe(FILES);
}

/** Runs the request until nothing is pending; each report is kept. */
async function drain(request: Parameters<typeof runLoad>[1]): Promise<LoadReport[]> {
  const reports: LoadReport[] = [];
  for (let run = 0; run < 40; run++) {
    const report = await load(request);
    reports.push(report);
    if (report.pending.files === 0) break;
  }
  return reports;
}

describe("a 24-hour backlog under a time budget", () => {
  beforeEach(seedSlowHistory);

  it("drains in runs that each stop within the budget, pending shrinking, every event once", async () => {
    const reports = await drain({ from: "2026-10-01T00", to: "2026-10-01T23" });
    expect(reports.length).toBeGreaterThanOrEqual(2);
    const pending = reports.map((r) => r.pending.files);
    for (const [i, report] of reports.entries()) {
      expect(report.ok).toBe(true);
      expect(report.budgetMs).toBe(BUDGET_S * 1000);
      expect(report.durationMs).toBeLessThanOrEqual(BUDGET_S * 1000 + MARGIN_MS);
      // One COPY-equivalent per stream per batch, each batch within LOAD_BATCH_MAX_FILES.
      for (const stream of report.streams) expect(stream.files).toBeLessThanOrEqual(stream.batches * 4);
      if (i > 0) expect(pending[i]).toBeLessThan(pending[i - 1] as number);
    }
    const first = reports[0] as LoadReport;
    expect(first.pending.files).toBeGreaterThan(0);
    expect(first.pending.oldestHour).toMatch(/^2026-10-01T\d\d$/);
    expect(first.continueWith).toBe("pnpm run load -- --from 2026-10-01T00 --to 2026-10-01T23");
    const last = reports.at(-1) as LoadReport;
    expect(last.pending).toEqual({ files: 0, bytes: 0, oldestHour: null });
    expect(last.continueWith).toBeUndefined();
    expect(reports.reduce((n, r) => n + r.totals.files, 0)).toBe(FILES);
    await expectExactlyOnce();

    // Running it again finds nothing to do.
    const again = await load({ from: "2026-10-01T00", to: "2026-10-01T23" });
    expect(again.totals.files).toBe(0);
    expect(again.pending.files).toBe(0);
  });

  it("a re-import spanning runs re-imports each file once for its request, then is done", async () => {
    const reports = await drain({ from: "2026-10-01T00", to: "2026-10-01T23", reimport: true });
    expect(reports.length).toBeGreaterThanOrEqual(2);
    const [first] = reports;
    expect(first?.requestId).toMatch(/^ri-[0-9a-f]{16}$/);
    expect(new Set(reports.map((r) => r.requestId)).size).toBe(1);
    expect(first?.continueWith).toBe("pnpm run load -- --from 2026-10-01T00 --to 2026-10-01T23 --reimport");
    for (const report of reports) expect(report.durationMs).toBeLessThanOrEqual(BUDGET_S * 1000 + MARGIN_MS);
    expect(reports.reduce((n, r) => n + r.totals.files, 0)).toBe(FILES);
    const [tagged] = await stack.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM loader.loaded_files WHERE request_id = $1",
      [first?.requestId],
    );
    expect(Number(tagged?.n)).toBe(FILES);
    await expectExactlyOnce();

    // The same command again: this request is complete, nothing is re-imported a second time.
    const again = await load({ from: "2026-10-01T00", to: "2026-10-01T23", reimport: true });
    expect(again.totals.files).toBe(0);
    // A new request id re-imports again (all of it, in one unbounded run here).
    const fresh = await load(
      { from: "2026-10-01T00", to: "2026-10-01T23", reimport: true, requestId: "second-pass" },
      { LOAD_TIME_BUDGET_SECONDS: "0", LOAD_BATCH_MAX_FILES: "16" },
    );
    expect(fresh.totals.files).toBe(FILES);
    expect(fresh.pending.files).toBe(0);
    await expectExactlyOnce();
  });
});

describe("interrupted and overlapping runs in small batches", () => {
  it("a re-import interrupted after its first batch is continued by the same command, each file once", async () => {
    const hour = hourAt("2026-10-03T05");
    const records = [0, 1, 2].map((n) => makeRecords("utm", hour, 5, 300 + n));
    const keys: string[] = [];
    for (const [n, lines] of records.entries()) {
      keys.push((await putObject(stack.s3Client, BUCKET, "utm", hour, lines, { minute: n + 1 })).key);
    }
    const overwrite = (key: string, lines: Parameters<typeof jsonLines>[0]) =>
      stack.s3Client.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: gzipSync(jsonLines(lines)) }),
      );
    const loaded = await load(
      { from: "2026-10-03T05" },
      { LOAD_TIME_BUDGET_SECONDS: "0", LOAD_BATCH_MAX_FILES: "2" },
    );
    expect(loaded.totals.files).toBe(3);
    // The second batch's file is now broken: the re-import's first batch commits, its second rolls back.
    const broken = keys[2] as string;
    await overwrite(broken, ["{oops", "{oops"]);
    const request = { from: "2026-10-03T05", streams: ["utm"], reimport: true };
    const small = { LOAD_TIME_BUDGET_SECONDS: "0", LOAD_BATCH_MAX_FILES: "2", LOAD_MAX_ERRORS: "0" };
    const failed = await load(request, small).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(LoadFailedError);
    const interrupted = (failed as LoadFailedError).report as LoadReport;
    expect(interrupted.streams.find((s) => s.stream === "utm")).toMatchObject({
      status: "failed",
      batches: 1,
      files: 2,
      pending: { files: 1 },
    });
    const requestId = interrupted.requestId;
    const firstBatch = await stack.query<{ file_key: string; batch_id: string }>(
      "SELECT file_key, batch_id FROM loader.loaded_files WHERE request_id = $1 ORDER BY file_key",
      [requestId],
    );
    expect(firstBatch).toHaveLength(2);

    // Fixed: the same command continues with the one file left, and leaves the first two as they are.
    await overwrite(broken, records[2] ?? []);
    const continued = await load(request, small);
    expect(continued.requestId).toBe(requestId);
    expect(continued.streams.find((s) => s.stream === "utm")).toMatchObject({
      files: 1,
      pending: { files: 0 },
    });
    const after = await stack.query<{ file_key: string; batch_id: string }>(
      "SELECT file_key, batch_id FROM loader.loaded_files WHERE request_id = $1 ORDER BY file_key",
      [requestId],
    );
    expect(after).toHaveLength(3);
    expect(
      after.filter((r) => firstBatch.some((f) => f.file_key === r.file_key && f.batch_id === r.batch_id)),
    ).toHaveLength(2);
    expect(after.map((r) => r.file_key)).toContain(broken);
    const [rows] = await stack.query<{ n: string; d: string }>(
      "SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM public.utm WHERE occurred_at >= '2026-10-03T04:00Z'",
    );
    expect(Number(rows?.n)).toBe(15);
    expect(Number(rows?.d)).toBe(15);
  });

  it("two overlapping runs loading in small batches at once: each file by exactly one of them", async () => {
    const hours = ["00", "01", "02", "03", "04", "05"].map((h) => hourAt(`2026-10-05T${h}`));
    const { ids: more } = await writeDataset(stack.s3Client, BUCKET, [...STREAMS], hours, {
      filesPerHour: 2,
      perFile: 10,
      seed: 77,
    });
    const small = { LOAD_TIME_BUDGET_SECONDS: "0", LOAD_BATCH_MAX_FILES: "3" };
    const [a, b] = await Promise.all([
      load({ from: "2026-10-05T00", to: "2026-10-05T04" }, small),
      load({ from: "2026-10-05T01", to: "2026-10-05T05" }, small),
    ]);
    expect(a.totals.files + b.totals.files).toBe(24);
    expect(a.streams.every((s) => s.batches >= 2)).toBe(true);
    for (const stream of STREAMS) {
      const rows = await stack.query<{ event_id: string }>(
        `SELECT event_id FROM public.${stream} WHERE occurred_at >= '2026-10-04T23:00Z' AND occurred_at < '2026-10-06T00:00Z'`,
      );
      expect(rows.length).toBe(more[stream]?.size);
      expect(new Set(rows.map((r) => r.event_id))).toEqual(more[stream]);
    }
  });
});

describe("the time left after a full batch", () => {
  it("goes unused rather than on a sliver batch: the next run takes the rest in a full one", async () => {
    const hours = Array.from({ length: 8 }, (_, h) => hourAt(`2026-10-07T${String(h).padStart(2, "0")}`));
    const { ids: written } = await writeDataset(stack.s3Client, BUCKET, ["events"], hours, {
      filesPerHour: 2,
      perFile: 25,
      seed: 31,
    });
    // A clock that staging moves on by the history's rate (no real waiting): with a batch of 8 files
    // at ~7-8 s, an 11 s budget leaves ~3-3.5 s after it: room for 1-3 more files, not half a batch (4).
    const RATE_BYTES_PER_MS = 2.3;
    const FIXED_MS = 100; // the PostgreSQL default's fixed part: equal-sized history keeps it
    let offsetMs = 0;
    const now = () => new Date(Date.now() + offsetMs);
    const seededAt = Date.now() + 60_000; // newer than every other test's batches
    for (let i = 0; i < 20; i++) {
      const bytes = 8 * 2_300;
      const finished = new Date(seededAt - i * 1_000);
      await recordHistory("events", {
        id: `seed-tail-${i}`,
        files: 8,
        bytes,
        ms: FIXED_MS + bytes / RATE_BYTES_PER_MS,
        finished,
      });
    }
    const run = async () => {
      const config = stack.config({ LOAD_TIME_BUDGET_SECONDS: "11", LOAD_BATCH_MAX_FILES: "8" });
      const deps = stack.deps(config);
      const clocked = beforeEachStage(deps.driver, (r) => {
        offsetMs += r.files.reduce((n, f) => n + f.size, 0) / RATE_BYTES_PER_MS;
      });
      return runLoad(
        config,
        { from: "2026-10-07T00", to: "2026-10-07T07", streams: ["events"] },
        { ...deps, driver: clocked, now },
      ).finally(() => deps.close());
    };

    const first = await run();
    // One full batch; the time left would have taken a 1-3 file batch (without the rule: 8 + 3 files).
    expect(first.streams[0]).toMatchObject({ batches: 1, files: 8, pending: { files: 8 } });
    expect(first.continueWith).toBeDefined();
    const second = await run();
    expect(second.streams[0]).toMatchObject({ batches: 1, files: 8, pending: { files: 0 } });
    const rows = await stack.query<{ event_id: string }>(
      "SELECT event_id FROM public.events WHERE occurred_at >= '2026-10-06T23:00Z' AND occurred_at < '2026-10-08T00:00Z'",
    );
    expect(rows.length).toBe(written.events?.size);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(written.events);
  });
});
