// What a load did, per stream and in total. Plain JSON: the Lambda returns it, --json prints it, the
// CLI renders it as a table (report-format.ts).
import { addPending, NOTHING_PENDING, type Pending, type TooBigForBudget } from "./budget";
import type { RejectedRecord } from "./staging/index";

export type { Pending } from "./budget";

/** "pending": files are waiting but no batch of them fitted this run's budget. */
export type StreamStatus = "loaded" | "up-to-date" | "failed" | "planned" | "pending";

export interface Counts {
  files: number;
  bytes: number;
  rowsStaged: number;
  /** Rows whose key was new to the table. */
  inserted: number;
  /** Rows whose key was already in the table: deleted and written again (re-imports). */
  replaced: number;
  /** PostgreSQL re-import: keys whose row was identical to the table's, left as they were. */
  unchanged: number;
  /** Staged rows dropped because another staged row had the same key (Firehose redelivery). */
  duplicatesDropped: number;
  /** Bad records skipped (within LOAD_MAX_ERRORS) or, for a failed batch, found. */
  rejected: number;
  durationMs: number;
}

export interface StreamReport extends Counts {
  stream: string;
  /** schema.table */
  table: string;
  status: StreamStatus;
  /** The last batch's id. */
  batchId?: string;
  /** Batches run (for --dry-run: that the plan would take without a budget). */
  batches: number;
  /** What this run left for the next one (did not fit the budget, or its batch failed). */
  pending: Pending;
  /** Files in the range that the ledger already had (not reloaded). */
  skippedFiles: number;
  /** How the rows were staged: "copy" (Redshift), "copy-from-stdin" or "bulk-insert" (PostgreSQL). */
  stagingMethod?: string;
  /** First rejected records (at most 100). */
  rejectedRecords: RejectedRecord[];
  error?: string;
  /** --dry-run: the statements that would run (the first batch's; the others differ only in files). */
  sql?: string[];
  /** Set when the run stopped because not even the oldest pending file fits the time left (by history). */
  tooBigForBudget?: TooBigForBudget;
  /** --dry-run: every batch the plan cuts, oldest first (without a time budget). */
  plannedBatches?: PlannedBatch[];
}

/** One batch of a dry run's plan. */
export interface PlannedBatch {
  files: number;
  bytes: number;
  /** Arrival hours of its oldest and newest file (YYYY-MM-DDTHH). */
  fromHour: string;
  toHour: string;
}

export interface LoadReport {
  ok: boolean;
  dryRun: boolean;
  mode: "local" | "aws";
  /** Who ran the batches: the warehouse driver here, or the deployed Lambda. */
  runner: "postgres" | "redshift" | "lambda";
  trigger: "range" | "lookback";
  reimport: boolean;
  /** A re-import's request id: running it again continues it (each file once per request). */
  requestId?: string;
  range: { from: string; to: string; hours: number };
  /** The run's time budget in ms, or null for none. */
  budgetMs: number | null;
  /** Files not loaded by this run, in total (per stream in streams[].pending). */
  pending: Pending;
  /** When work is pending: the command that continues it. */
  continueWith?: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  streams: StreamReport[];
  totals: Counts;
  /** Stale loader sessions terminated at the start of the run (their pids). */
  terminatedSessions?: number[];
}

export const ZERO_COUNTS: Readonly<Counts> = Object.freeze({
  files: 0,
  bytes: 0,
  rowsStaged: 0,
  inserted: 0,
  replaced: 0,
  unchanged: 0,
  duplicatesDropped: 0,
  rejected: 0,
  durationMs: 0,
});

const COUNT_KEYS = Object.keys(ZERO_COUNTS) as (keyof Counts)[];

export function addCounts(a: Counts, b: Counts): Counts {
  const sum = { ...a };
  for (const key of COUNT_KEYS) sum[key] = a[key] + b[key];
  return sum;
}

export function totalsOf(streams: readonly StreamReport[], durationMs: number): Counts {
  return { ...streams.reduce<Counts>(addCounts, { ...ZERO_COUNTS }), durationMs };
}

/** Combines the reports of consecutive runs of one request (AWS mode invokes until nothing is pending). */
export function mergeReports(reports: readonly LoadReport[]): LoadReport {
  const [first] = reports;
  if (!first) throw new Error("no reports to merge");
  const last = reports[reports.length - 1] ?? first;
  const byStream = new Map<string, StreamReport>();
  for (const report of reports) {
    for (const stream of report.streams) {
      const seen = byStream.get(stream.stream);
      if (!seen) {
        byStream.set(stream.stream, { ...stream, rejectedRecords: [...stream.rejectedRecords] });
        continue;
      }
      byStream.set(stream.stream, {
        ...seen,
        ...addCounts(seen, stream),
        skippedFiles: seen.skippedFiles + stream.skippedFiles,
        batches: seen.batches + stream.batches,
        // Later runs saw the backlog later: theirs is what is still pending.
        pending: stream.pending,
        status: mergeStatus(seen.status, stream.status),
        rejectedRecords: [...seen.rejectedRecords, ...stream.rejectedRecords].slice(0, 100),
        ...(stream.error && { error: stream.error }),
        ...(stream.sql && { sql: [...(seen.sql ?? []), ...stream.sql] }),
      });
    }
  }
  const streams = [...byStream.values()];
  const durationMs = Date.parse(last.finishedAt) - Date.parse(first.startedAt);
  const { continueWith: _first, ...head } = first;
  return {
    ...head,
    ok: reports.every((r) => r.ok),
    range: {
      from: first.range.from,
      to: last.range.to,
      hours: reports.reduce((n, r) => n + r.range.hours, 0),
    },
    finishedAt: last.finishedAt,
    durationMs,
    streams,
    totals: totalsOf(streams, durationMs),
    pending: pendingTotal(streams),
    ...(last.continueWith !== undefined && { continueWith: last.continueWith }),
  };
}

export function pendingTotal(streams: readonly StreamReport[]): Pending {
  return streams.reduce<Pending>((sum, s) => addPending(sum, s.pending), { ...NOTHING_PENDING });
}

function mergeStatus(a: StreamStatus, b: StreamStatus): StreamStatus {
  const rank: StreamStatus[] = ["up-to-date", "pending", "planned", "loaded", "failed"];
  return rank.indexOf(a) > rank.indexOf(b) ? a : b;
}
