// What a load did, per stream and in total. Plain JSON: the Lambda returns it, --json prints it, the
// CLI renders it as a table (report-format.ts).
import type { RejectedRecord } from "./staging/index";

export type StreamStatus = "loaded" | "up-to-date" | "failed" | "planned";

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
  batchId?: string;
  /** Files in the range that the ledger already had (not reloaded). */
  skippedFiles: number;
  /** How the rows were staged: "copy" (Redshift), "copy-from-stdin" or "bulk-insert" (PostgreSQL). */
  stagingMethod?: string;
  /** First rejected records (at most 100). */
  rejectedRecords: RejectedRecord[];
  error?: string;
  /** --dry-run: the statements that would run. */
  sql?: string[];
}

export interface LoadReport {
  ok: boolean;
  dryRun: boolean;
  mode: "local" | "aws";
  /** Who ran the batches: the warehouse driver here, or the deployed Lambda. */
  runner: "postgres" | "redshift" | "lambda";
  trigger: "range" | "lookback";
  reimport: boolean;
  range: { from: string; to: string; hours: number };
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

/** Combines the reports of consecutive chunks of one range (AWS mode loads long ranges in chunks). */
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
        status: mergeStatus(seen.status, stream.status),
        rejectedRecords: [...seen.rejectedRecords, ...stream.rejectedRecords].slice(0, 100),
        ...(stream.error && { error: stream.error }),
        ...(stream.sql && { sql: [...(seen.sql ?? []), ...stream.sql] }),
      });
    }
  }
  const streams = [...byStream.values()];
  const durationMs = Date.parse(last.finishedAt) - Date.parse(first.startedAt);
  return {
    ...first,
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
  };
}

function mergeStatus(a: StreamStatus, b: StreamStatus): StreamStatus {
  const rank: StreamStatus[] = ["up-to-date", "planned", "loaded", "failed"];
  return rank.indexOf(a) > rank.indexOf(b) ? a : b;
}
