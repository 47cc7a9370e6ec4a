// Bounded batches and the run's time budget. Pure: the run loop (load.ts) asks here how many of a
// stream's pending files the next batch takes, and whether it still fits before the deadline.
import { formatHour } from "@kr/copy-builder";
import { type PlannedFile, totalBytes } from "./s3-objects";

export interface BatchLimits {
  /** GZIP bytes per batch (LOAD_BATCH_MAX_BYTES). A single larger file still gets a batch of its own. */
  maxBytes: number;
  /** Files per batch (LOAD_BATCH_MAX_FILES). */
  maxFiles: number;
  /** Redshift slices (stv_slices); a file loads on one slice, so batches take whole rounds of them. */
  slices?: number;
}

/** How long a batch takes: a fixed part (connect, manifest, commit) plus its bytes at a rate. */
export interface Throughput {
  overheadMs: number;
  /** GZIP bytes per millisecond. */
  bytesPerMs: number;
  /** Where the figures come from: recorded batches, or the conservative default. */
  source: "history" | "default";
}

/**
 * Without history, a guess that errs slow. Redshift: docs/capacity.md §5 (A1–A3: 15 s fixed, 5 MB/s
 * of JSON per slice, merge +50 %, GZIP ≈ 10×) per slice. PostgreSQL: 256 KiB/s of GZIP (≈ 2.5 MB/s
 * of JSON; PGlite with two streams at once was measured at ~0.5 MiB/s each) and 0.1 s fixed (measured
 * 15–40 ms a batch on PGlite and on a PostgreSQL 15 server). A first run that ends early only costs
 * one more run; one that overruns breaks its budget.
 */
export function defaultThroughput(dialect: "redshift" | "postgres", slices = 1): Throughput {
  return dialect === "redshift"
    ? { overheadMs: 15_000, bytesPerMs: (slices * 5_000_000) / 1.5 / 10 / 1000, source: "default" }
    : { overheadMs: 100, bytesPerMs: (256 * 1024) / 1000, source: "default" };
}

/** Recent batches the estimate is taken from (per stream and driver). */
export const HISTORY_WINDOW = 20;

export interface BatchHistory {
  bytes: number;
  durationMs: number;
  /** An attempt its statement_timeout cut (loader.failed_batches): it says nothing of the rate. */
  timedOut?: boolean;
}

/**
 * Throughput from recent batches of one stream and driver, most recent first. Batches with no bytes
 * say nothing and are ignored; no usable history → the fallback.
 *
 * - The fixed part: fitted (least squares of time on bytes) when the batches differ enough in size
 *   to tell a fixed part from a rate, kept within [0, the fallback's]; else the fallback's.
 * - The rate: total bytes over total time net of the fixed part.
 * - Then the most recent batch's excess over that line, if it ran slower, is added to the fixed part
 *   (at most half its estimate): a batch's dedupe delete reads every row already loaded in its
 *   window, so a drain's batches grow slower one after another, and an estimate that lags them
 *   would start a batch that overruns its statement_timeout. Capped so one batch that waited on a
 *   lock cannot make every estimate too big to start.
 */
export function throughputFromHistory(history: readonly BatchHistory[], fallback: Throughput): Throughput {
  const usable = history.filter((b) => b.bytes > 0 && b.durationMs >= 0 && !b.timedOut);
  if (usable.length === 0) return fallback;
  const fitted = fittedOverheadMs(usable);
  const overheadMs = Math.min(Math.max(fitted ?? fallback.overheadMs, 0), fallback.overheadMs);
  let bytes = 0;
  let ms = 0;
  for (const batch of usable) {
    bytes += batch.bytes;
    ms += Math.max(batch.durationMs - overheadMs, 1);
  }
  const bytesPerMs = bytes / ms;
  const latest = usable[0] as BatchHistory;
  const expected = overheadMs + latest.bytes / bytesPerMs;
  const lag = Math.min(Math.max(latest.durationMs - expected, 0), expected / 2);
  return { overheadMs: overheadMs + lag, bytesPerMs, source: "history" };
}

/** Batches this far apart in size (largest ÷ smallest) tell a fixed part from a rate. */
const FIT_SPREAD = 1.5;

/** The intercept of the least-squares line of duration on bytes; undefined when sizes are too alike. */
function fittedOverheadMs(batches: readonly BatchHistory[]): number | undefined {
  const sizes = batches.map((b) => b.bytes);
  if (Math.max(...sizes) < FIT_SPREAD * Math.min(...sizes)) return undefined;
  const n = batches.length;
  const meanBytes = sizes.reduce((a, b) => a + b, 0) / n;
  const meanMs = batches.reduce((a, b) => a + b.durationMs, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const batch of batches) {
    covariance += (batch.bytes - meanBytes) * (batch.durationMs - meanMs);
    variance += (batch.bytes - meanBytes) ** 2;
  }
  // Bigger batches no faster than small ones: no rate to fit (noise, or a queue), keep the default.
  if (covariance <= 0) return undefined;
  return meanMs - (covariance / variance) * meanBytes;
}

/** Batches after a cut that stay at most half its size (see limitsAfterTimeout). */
export const SHRINK_AFTER_TIMEOUT_BATCHES = 3;

/**
 * The limits after a batch of the stream was cut by its statement_timeout: while the cut is among
 * the last SHRINK_AFTER_TIMEOUT_BATCHES entries of the history, a batch takes at most half the cut
 * one's bytes (halved again by each further cut). The estimate that started it was wrong (the
 * cluster got slower, or a lock held it up), and the same estimate would start the same batch again,
 * to be cut again, every run. Halving reaches a batch that fits in a few runs whatever went wrong;
 * the batches that then succeed become the history the estimate follows. A single file still loads
 * alone (a batch takes at least one file).
 */
export function limitsAfterTimeout(limits: BatchLimits, history: readonly BatchHistory[]): BatchLimits {
  const cut = history.slice(0, SHRINK_AFTER_TIMEOUT_BATCHES).find((b) => b.timedOut);
  if (!cut) return limits;
  return { ...limits, maxBytes: Math.min(limits.maxBytes, Math.max(1, Math.floor(cut.bytes / 2))) };
}

export function estimateBatchMs(bytes: number, throughput: Throughput): number {
  return throughput.overheadMs + bytes / throughput.bytesPerMs;
}

/** The file cap, rounded down to whole rounds of slices when there are at least as many files. */
export function fileCap(limits: BatchLimits): number {
  const slices = limits.slices ?? 1;
  if (slices <= 1 || limits.maxFiles < slices) return Math.max(1, limits.maxFiles);
  return Math.floor(limits.maxFiles / slices) * slices;
}

/**
 * The next batch: the longest run of the oldest pending files within the limits whose estimate fits
 * the remaining time (undefined = no budget). Empty when not even the oldest file fits: the rest is
 * pending for the next run.
 */
export function nextBatch(
  pending: readonly PlannedFile[],
  limits: BatchLimits,
  throughput: Throughput,
  remainingMs?: number,
): PlannedFile[] {
  const cap = fileCap(limits);
  let count = 0;
  let bytes = 0;
  for (const file of pending) {
    if (count >= cap) break;
    if (count > 0 && bytes + file.size > limits.maxBytes) break;
    if (remainingMs !== undefined && estimateBatchMs(bytes + file.size, throughput) > remainingMs) break;
    count++;
    bytes += file.size;
  }
  // Whole rounds of slices, unless the batch is all that is left or smaller than one round.
  const slices = limits.slices ?? 1;
  if (slices > 1 && count > slices && count < pending.length) count -= count % slices;
  return pending.slice(0, count);
}

/** A later batch of a run cut by the time left to under this share of a full batch waits (see isTailBatch). */
export const TAIL_BATCH_MIN_SHARE = 0.5;

/**
 * Whether `batch`, cut short by the time left, should wait for the next run instead: a later batch of
 * the run (not its first, so every run loads something) that leaves files pending and holds under
 * half the bytes of a batch with no time limit (`full`). Every batch pays the fixed part and a scan
 * of the target's dedupe window whatever its size, so a sliver costs almost a full batch and buys
 * little; the next run (the Lambda's continuation starts at once) takes it in a full batch. Measured
 * on the bench's drain: a 1-of-5-object tail batch per run made 5 batches of 4 runs' work.
 */
export function isTailBatch(
  batch: readonly PlannedFile[],
  full: readonly PlannedFile[],
  pendingCount: number,
  batchesThisRun: number,
): boolean {
  if (batchesThisRun === 0 || batch.length === 0 || batch.length >= pendingCount) return false;
  return totalBytes(batch) < totalBytes(full) * TAIL_BATCH_MIN_SHARE;
}

/**
 * When the next batch is empty because not even the oldest file fits: with no history the estimate is
 * only the conservative default, so the oldest file loads alone (a calibration batch: it still runs
 * under the deadline's statement_timeout, and its time becomes the history the next estimates use).
 * Without this a budget smaller than the default's guess for one file would leave every run empty,
 * forever. Only while at least half the run's budget is left (other streams may have used the
 * rest). With history the verdict stands: the file does not fit, and the run says how big a budget
 * it takes (see `tooBigForBudget`).
 */
export function calibrationBatch(
  pending: readonly PlannedFile[],
  throughput: Throughput,
  batchesThisRun: number,
  time: { remainingMs: number | undefined; budgetMs: number | undefined },
): PlannedFile[] {
  if (throughput.source !== "default" || batchesThisRun > 0) return [];
  // Not when other streams used up most of the run: the stream calibrates in a run of its own.
  const { remainingMs, budgetMs } = time;
  if (
    remainingMs !== undefined &&
    (remainingMs <= 0 || (budgetMs !== undefined && remainingMs < budgetMs / 2))
  )
    return [];
  return pending.slice(0, 1);
}

/** The oldest pending file that no budget this small can take, and its estimate. */
export interface TooBigForBudget {
  bytes: number;
  estimateMs: number;
}

export interface Pending {
  files: number;
  bytes: number;
  /** Arrival hour of the oldest pending file (YYYY-MM-DDTHH), or null when nothing is pending. */
  oldestHour: string | null;
}

export const NOTHING_PENDING: Readonly<Pending> = Object.freeze({ files: 0, bytes: 0, oldestHour: null });

export function pendingOf(files: readonly PlannedFile[]): Pending {
  let oldest: Date | undefined;
  let bytes = 0;
  for (const file of files) {
    bytes += file.size;
    if (!oldest || file.hour < oldest) oldest = file.hour;
  }
  return { files: files.length, bytes, oldestHour: oldest ? formatHour(oldest) : null };
}

export function addPending(a: Pending, b: Pending): Pending {
  const oldestHour =
    a.oldestHour === null
      ? b.oldestHour
      : b.oldestHour === null || a.oldestHour <= b.oldestHour
        ? a.oldestHour
        : b.oldestHour;
  return { files: a.files + b.files, bytes: a.bytes + b.bytes, oldestHour };
}

/** The Lambda's budget: its remaining time minus a margin for the report, the continuation and a slow statement. */
export function lambdaBudgetMs(remainingMs: number): number {
  const margin = Math.min(60_000, Math.max(5_000, remainingMs * 0.1));
  return Math.max(0, remainingMs - margin);
}
