// Bounded batches and the time budget, as pure decisions (the run loop's tests are in backlog.test.ts).
import { describe, expect, it } from "vitest";
import {
  addPending,
  calibrationBatch,
  defaultThroughput,
  estimateBatchMs,
  fileCap,
  isTailBatch,
  lambdaBudgetMs,
  limitsAfterTimeout,
  nextBatch,
  pendingOf,
  type Throughput,
  throughputFromHistory,
} from "../src/budget";
import type { PlannedFile } from "../src/s3-objects";

const HOUR = 3_600_000;
const files = (count: number, size = 1000, from = Date.parse("2026-11-23T00:00:00Z")): PlannedFile[] =>
  Array.from({ length: count }, (_, i) => ({
    key: `events/f${String(i).padStart(4, "0")}`,
    size,
    hour: new Date(from + Math.floor(i / 4) * HOUR),
  }));
/** 1 byte per ms and no fixed part: a file of 1000 B takes 1 s. */
const perByte: Throughput = { overheadMs: 0, bytesPerMs: 1, source: "history" };

describe("calibrationBatch", () => {
  const guess: Throughput = { overheadMs: 500, bytesPerMs: 1, source: "default" };
  const time = { remainingMs: 2_000, budgetMs: 2_000 };
  it("with no history takes the oldest file alone, once per stream per run, while half the budget is left", () => {
    expect(calibrationBatch(files(3, 1e6), guess, 0, time).map((f) => f.key)).toEqual(["events/f0000"]);
    expect(calibrationBatch(files(3, 1e6), guess, 1, time)).toEqual([]);
    expect(calibrationBatch(files(3, 1e6), guess, 0, { remainingMs: 900, budgetMs: 2_000 })).toEqual([]);
    expect(calibrationBatch([], guess, 0, time)).toEqual([]);
    // A Lambda with no time left after its margin: budget 0, nothing starts.
    expect(calibrationBatch(files(3, 1e6), guess, 0, { remainingMs: 0, budgetMs: 0 })).toEqual([]);
  });
  it("never overrides an estimate that comes from history", () => {
    expect(calibrationBatch(files(3, 1e6), perByte, 0, time)).toEqual([]);
  });
});

describe("nextBatch", () => {
  it("takes the oldest files up to the file cap, then up to the byte cap", () => {
    expect(nextBatch(files(10), { maxBytes: 1e9, maxFiles: 4 }, perByte)).toHaveLength(4);
    expect(nextBatch(files(10), { maxBytes: 3500, maxFiles: 100 }, perByte)).toHaveLength(3);
    expect(nextBatch(files(10), { maxBytes: 3500, maxFiles: 100 }, perByte)[0]?.key).toBe("events/f0000");
  });

  it("gives a file larger than the byte cap a batch of its own", () => {
    expect(nextBatch(files(3, 5000), { maxBytes: 1000, maxFiles: 10 }, perByte)).toHaveLength(1);
  });

  it("takes only what fits the remaining time, and nothing when not even the oldest file fits", () => {
    const limits = { maxBytes: 1e9, maxFiles: 100 };
    expect(nextBatch(files(10), limits, perByte, 3_500)).toHaveLength(3);
    expect(nextBatch(files(10), limits, perByte, 999)).toEqual([]);
    expect(nextBatch(files(10), limits, { ...perByte, overheadMs: 2_000 }, 3_500)).toHaveLength(1);
    expect(nextBatch(files(10), limits, perByte, undefined)).toHaveLength(10);
  });

  it("on Redshift takes whole rounds of slices, except for the last files or less than one round", () => {
    const limits = { maxBytes: 1e9, maxFiles: 10, slices: 4 };
    expect(fileCap(limits)).toBe(8);
    expect(nextBatch(files(20), limits, perByte)).toHaveLength(8);
    // 7 fit the time: 4 go now (a round), 3 wait for a run that can take a whole round.
    expect(nextBatch(files(20), limits, perByte, 7_500)).toHaveLength(4);
    expect(nextBatch(files(3), limits, perByte)).toHaveLength(3);
    expect(nextBatch(files(6), { ...limits, maxFiles: 100 }, perByte)).toHaveLength(6);
    expect(fileCap({ maxBytes: 1, maxFiles: 3, slices: 4 })).toBe(3);
  });

  it("cuts a backlog into batches that cover every file once, oldest first", () => {
    const backlog = files(37);
    const batches: PlannedFile[][] = [];
    for (let rest = backlog; rest.length > 0; ) {
      const batch = nextBatch(rest, { maxBytes: 5500, maxFiles: 8, slices: 2 }, perByte);
      batches.push(batch);
      rest = rest.slice(batch.length);
    }
    // Whole rounds of 2 slices under the 5-file byte cap; the last 5 files are all that is left.
    expect(batches.map((b) => b.length)).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 5]);
    expect(batches.flat()).toEqual(backlog);
  });
});

describe("limitsAfterTimeout", () => {
  const limits = { maxBytes: 10_000, maxFiles: 100 };
  const ok = (bytes = 1000) => ({ bytes, durationMs: 1000 });
  const cut = (bytes: number) => ({ bytes, durationMs: 1000, timedOut: true });

  it("halves the byte cap to the latest cut batch's half while it is among the last 3 batches", () => {
    expect(limitsAfterTimeout(limits, [ok(), ok()])).toEqual(limits);
    expect(limitsAfterTimeout(limits, [cut(8000), ok()])).toEqual({ ...limits, maxBytes: 4000 });
    expect(limitsAfterTimeout(limits, [ok(), ok(), cut(8000)])).toEqual({ ...limits, maxBytes: 4000 });
    expect(limitsAfterTimeout(limits, [ok(), ok(), ok(), cut(8000)])).toEqual(limits);
    // Each further cut halves again.
    expect(limitsAfterTimeout(limits, [cut(4000), cut(8000)]).maxBytes).toBe(2000);
    // Never above the configured cap.
    expect(limitsAfterTimeout(limits, [cut(50_000)]).maxBytes).toBe(10_000);
  });

  it("converges on a batch that fits, a file at a time at worst", () => {
    // 8 files of 1000 B cut; then 4, 2, 1 file(s) per batch as cuts repeat; a single file still loads.
    let history = [cut(8000)];
    const sizes: number[] = [];
    for (let run = 0; run < 4; run++) {
      const batch = nextBatch(files(8), limitsAfterTimeout(limits, history), perByte);
      sizes.push(batch.length);
      history = [cut(batch.length * 1000), ...history];
    }
    expect(sizes).toEqual([4, 2, 1, 1]);
  });

  it("leaves timed-out attempts out of the throughput estimate (how long they would have taken is unknown)", () => {
    const fallback = defaultThroughput("postgres");
    const history = [ok(1_000_000), ok(1_000_000)];
    expect(throughputFromHistory([cut(5_000_000), ...history], fallback)).toEqual(
      throughputFromHistory(history, fallback),
    );
  });
});

describe("isTailBatch", () => {
  const backlog = files(20);
  const full = backlog.slice(0, 5);
  it("a later batch cut to under half a full batch waits for the next run", () => {
    expect(isTailBatch(backlog.slice(0, 1), full, 20, 1)).toBe(true);
    expect(isTailBatch(backlog.slice(0, 2), full, 20, 3)).toBe(true);
    // Half a full batch or more is worth its fixed part.
    expect(isTailBatch(backlog.slice(0, 3), full, 20, 1)).toBe(false);
    expect(isTailBatch(full, full, 20, 1)).toBe(false);
  });
  it("never holds back a run's first batch, nor one that takes everything pending", () => {
    expect(isTailBatch(backlog.slice(0, 1), full, 20, 0)).toBe(false);
    expect(isTailBatch(backlog.slice(0, 1), backlog.slice(0, 1), 1, 2)).toBe(false);
    expect(isTailBatch(backlog.slice(0, 2), full, 2, 2)).toBe(false);
    expect(isTailBatch([], full, 20, 1)).toBe(false);
  });
  it("weighs bytes, not files: one big file is no sliver", () => {
    const mixed = [{ ...(backlog[0] as PlannedFile), size: 4000 }, ...backlog.slice(1)];
    expect(isTailBatch(mixed.slice(0, 1), mixed.slice(0, 5), 20, 1)).toBe(false);
  });
});

describe("throughput", () => {
  it("comes from the conservative default without usable history", () => {
    const fallback = defaultThroughput("postgres");
    expect(throughputFromHistory([], fallback)).toBe(fallback);
    expect(throughputFromHistory([{ bytes: 0, durationMs: 100 }], fallback)).toBe(fallback);
  });

  it("with batches of one size, takes the default's fixed part and the rate net of it", () => {
    const fallback = defaultThroughput("postgres");
    const measured = throughputFromHistory(
      [
        { bytes: 1_000_000, durationMs: 1_100 },
        { bytes: 1_000_000, durationMs: 1_100 },
      ],
      fallback,
    );
    expect(measured).toMatchObject({ source: "history", overheadMs: 100 });
    expect(measured.bytesPerMs).toBeCloseTo(1_000);
    expect(estimateBatchMs(4_000_000, measured)).toBeCloseTo(4_100);
  });

  it("with batches of different sizes, fits the fixed part, within [0, the default's]", () => {
    const redshift = defaultThroughput("redshift", 4);
    // 5 s fixed and 1 MB/s, exactly (oldest last, as the history is read).
    const line = [4, 2, 1].map((mb) => ({ bytes: mb * 1_000_000, durationMs: 5_000 + mb * 1_000 }));
    const fitted = throughputFromHistory(line, redshift);
    expect(fitted.overheadMs).toBeCloseTo(5_000);
    expect(fitted.bytesPerMs).toBeCloseTo(1_000);
    // A line through the origin or below it: no fixed part, not a negative one.
    const steep = [1, 3].map((mb) => ({ bytes: mb * 1_000_000, durationMs: mb * 1_500 - 400 }));
    expect(throughputFromHistory(steep, redshift).overheadMs).toBe(0);
    // A fixed part above the default's is held at the default's: 100 ms for PostgreSQL.
    const slowStart = [2, 1].map((mb) => ({ bytes: mb * 1_000_000, durationMs: 900 + mb * 100 }));
    expect(throughputFromHistory(slowStart, defaultThroughput("postgres")).overheadMs).toBe(100);
  });

  it("does not fit sizes too alike, or bigger batches that ran no slower", () => {
    const fallback = defaultThroughput("postgres");
    const alike = [
      { bytes: 1_400_000, durationMs: 1_500 },
      { bytes: 1_000_000, durationMs: 1_100 },
    ];
    expect(throughputFromHistory(alike, fallback).overheadMs).toBe(100);
    const noise = [
      { bytes: 3_000_000, durationMs: 1_000 },
      { bytes: 1_000_000, durationMs: 1_000 },
    ];
    expect(throughputFromHistory(noise, fallback).overheadMs).toBeGreaterThanOrEqual(100);
  });

  it("adds the latest batch's lag behind the line, at most half its estimate", () => {
    const fallback = defaultThroughput("postgres");
    // The drain's batches grow slower: the latest took 1.3 s where the line says 1.1 s.
    const growing = [
      { bytes: 1_000_000, durationMs: 1_300 },
      { bytes: 1_000_000, durationMs: 1_100 },
      { bytes: 1_000_000, durationMs: 900 },
    ];
    const lagging = throughputFromHistory(growing, fallback);
    expect(lagging.bytesPerMs).toBeCloseTo(1_000);
    expect(lagging.overheadMs).toBeCloseTo(100 + 200);
    expect(estimateBatchMs(1_000_000, lagging)).toBeGreaterThanOrEqual(1_300);
    // One batch that waited a minute on a lock adds at most half its estimate, so the next batch
    // can still start (an estimate over every budget would stop the stream for good).
    const waited = [{ bytes: 1_000_000, durationMs: 60_000 }, ...growing.slice(1)];
    const capped = throughputFromHistory(waited, fallback);
    const line = 100 + 1_000_000 / capped.bytesPerMs;
    expect(capped.overheadMs - 100).toBeCloseTo(line / 2);
    // A latest batch faster than the line adds nothing.
    expect(throughputFromHistory([...growing].reverse(), fallback).overheadMs).toBe(100);
  });

  it("defaults on Redshift to docs/capacity.md's model: 15 s fixed, faster with more slices", () => {
    const four = defaultThroughput("redshift", 4);
    // 256 MiB of GZIP on 4 slices: ~3.6 min, well under the 10 minutes a batch may take.
    expect(estimateBatchMs(256 * 1024 * 1024, four) / 60_000).toBeCloseTo(3.6, 1);
    expect(estimateBatchMs(1e8, defaultThroughput("redshift", 8))).toBeLessThan(estimateBatchMs(1e8, four));
  });

  it("the Lambda keeps a margin of its remaining time: 60 s of 15 min, at least 5 s", () => {
    expect(lambdaBudgetMs(900_000)).toBe(840_000);
    expect(lambdaBudgetMs(100_000)).toBe(90_000);
    expect(lambdaBudgetMs(3_000)).toBe(0);
  });
});

describe("pending", () => {
  it("counts files and bytes and names the oldest arrival hour", () => {
    expect(pendingOf([])).toEqual({ files: 0, bytes: 0, oldestHour: null });
    const a = pendingOf(files(6).slice(4));
    expect(a).toEqual({ files: 2, bytes: 2000, oldestHour: "2026-11-23T01" });
    const b = pendingOf(files(2));
    expect(addPending(a, b)).toEqual({ files: 4, bytes: 4000, oldestHour: "2026-11-23T00" });
    expect(addPending(pendingOf([]), a)).toEqual(a);
  });
});
