// A first run with no throughput history and a budget smaller than the conservative default's guess
// for one file: it must still make progress (a calibration batch of one file), and the runs after it
// drain the backlog on the measured rate. With a history that says one file cannot fit, the run says
// how big a budget it takes instead of returning empty-handed in silence. Real PGlite (or PG_URL)
// and a real local S3 server.
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultThroughput, estimateBatchMs } from "../src/budget";
import { formatReportTable, type LoadReport, runLoad } from "../src/index";
import { hourAt, writeDataset } from "./helpers/data";
import { BUCKET, startStack, type TestStack } from "./helpers/stack";

const HOURS = Array.from(
  { length: 4 },
  (_, i) => new Date(hourAt("2026-09-10T00").getTime() + i * 3_600_000),
);
const BUDGET_S = 1.5;
const RANGE = { from: "2026-09-10T00", to: "2026-09-10T03", streams: ["events"] };

let stack: TestStack;
let ids: Set<string>;
let keys: string[];
beforeAll(async () => {
  stack = await startStack();
  const dataset = await writeDataset(stack.s3Client, BUCKET, ["events"], HOURS, {
    filesPerHour: 1,
    perFile: 9_000,
    seed: 91,
  });
  ids = dataset.ids.events as Set<string>;
  keys = dataset.keys;
});
afterAll(() => stack.close());

async function load(overrides: Record<string, string>): Promise<LoadReport> {
  const config = stack.config(overrides);
  const deps = stack.deps(config);
  return runLoad(config, RANGE, deps).finally(() => deps.close());
}

describe("a budget smaller than the default estimate of one file", () => {
  it("the first run loads one file to measure, the next runs drain on the measured rate, each event once", async () => {
    const sizes = await Promise.all(
      keys.map(
        async (Key) =>
          (await stack.s3Client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }))).ContentLength ?? 0,
      ),
    );
    const smallest = Math.min(...sizes);
    // The premise: without history, not even the smallest file fits the budget.
    expect(estimateBatchMs(smallest, defaultThroughput("postgres"))).toBeGreaterThan(BUDGET_S * 1000);

    const reports: LoadReport[] = [];
    for (let run = 0; run < 10; run++) {
      const report = await load({ LOAD_TIME_BUDGET_SECONDS: String(BUDGET_S) });
      reports.push(report);
      if (report.pending.files === 0) break;
    }
    const first = reports[0] as LoadReport;
    expect(first.totals.files).toBeGreaterThanOrEqual(1);
    expect(first.streams[0]?.tooBigForBudget).toBeUndefined();
    // Its first batch was the one-file calibration; the estimates after it come from its time.
    const batches = await stack.query<{ files: number }>(
      "SELECT files FROM loader.batches WHERE stream = 'events' ORDER BY started_at, finished_at",
    );
    expect(Number(batches[0]?.files)).toBe(1);
    expect(reports.at(-1)?.pending.files).toBe(0);
    for (const report of reports) expect(report.totals.files).toBeGreaterThan(0);
    expect(reports.reduce((n, r) => n + r.totals.files, 0)).toBe(HOURS.length);
    const rows = await stack.query<{ event_id: string }>("SELECT event_id FROM public.events");
    expect(rows.length).toBe(ids.size);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(ids);
  });

  it("with a history too slow for even one file, loads nothing and says what budget it takes", async () => {
    await stack.query("TRUNCATE public.events, loader.loaded_files");
    // 20 recent batches at 1 KB/s: one file of this data is minutes.
    for (let i = 0; i < 20; i++) {
      const finished = new Date(Date.parse("2026-09-01T00:00:00Z") + i * 60_000);
      await stack.query(
        `INSERT INTO loader.batches (batch_id, stream, range_from, range_to, reimport, driver, files, bytes,
           rows_staged, rows_inserted, rows_replaced, duplicates_dropped, rejected, started_at, finished_at)
         VALUES ($1, 'events', $2, $2, false, 'postgres', 1, 10000, 0, 0, 0, 0, 0, $3, $2)`,
        [`slow-${i}`, finished, new Date(finished.getTime() - 10_500)],
      );
    }
    const report = await load({ LOAD_TIME_BUDGET_SECONDS: String(BUDGET_S) });
    expect(report.ok).toBe(true);
    expect(report.totals.files).toBe(0);
    expect(report.pending.files).toBe(HOURS.length);
    const blocked = report.streams[0]?.tooBigForBudget;
    expect(blocked?.estimateMs).toBeGreaterThan(BUDGET_S * 1000);
    const text = formatReportTable(report);
    expect(text).toMatch(
      /events: not even its oldest pending file \([\d.]+ KiB, about .+ at the rate of its recent batches\) fits this budget: raise LOAD_TIME_BUDGET_SECONDS to at least \d+, or run once with LOAD_TIME_BUDGET_SECONDS=0/,
    );
    expect(text).toContain(
      "continue with: pnpm run load -- --from 2026-09-10T00 --to 2026-09-10T03 --stream events",
    );
  });
});
