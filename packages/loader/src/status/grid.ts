// The status grid, pure: S3 listing + ledger + failed attempts in, one cell per (arrival hour, stream)
// out, with the load lag, the newest fully loaded hour, rows per hour and the command for every gap.
// No I/O here; status/read.ts gathers the inputs, status/render.ts prints them.
import { formatHour, type HourRange, hourCount, hoursOf } from "@kr/copy-builder";
import type { VerifyReport } from "./reconcile";

export type CellState = "loaded" | "partial" | "pending" | "failed" | "missing" | "empty";
export const CELL_STATES: readonly CellState[] = [
  "loaded",
  "partial",
  "pending",
  "failed",
  "missing",
  "empty",
];

export interface StatusObject {
  key: string;
  size: number;
  /** Partition (arrival) hour. */
  hour: Date;
  /** When S3 received the object; the arrival time the lag is measured from. */
  lastModified?: Date;
}

export interface LedgerEntry {
  key: string;
  hour: Date;
  size: number;
  batchId: string;
  loadedAt: Date;
  /** The batch's bytes and rows written (inserted + replaced); null for a batch row that is gone. */
  batchBytes: number | null;
  batchRows: number | null;
}

export interface FailedAttempt {
  batchId: string;
  hourFrom: Date;
  hourTo: Date;
  error: string;
  failedAt: Date;
}

export interface StreamInput {
  stream: string;
  objects: readonly StatusObject[];
  ledger: readonly LedgerEntry[];
  failed: readonly FailedAttempt[];
}

export interface StatusCell {
  stream: string;
  hour: string;
  state: CellState;
  /** Files the ledger records as loaded for this hour (including any gone from S3 since). */
  filesLoaded: number;
  filesInS3: number;
  filesPending: number;
  bytesPending: number;
  /** Ledger files whose object is no longer in S3. */
  filesMissing: number;
  /**
   * Rows the loads of this hour wrote, from the batches table: exact when a batch held only this
   * hour's files, otherwise the batch's rows shared out by file bytes. No stream table is read.
   */
  rowsLoaded: number;
  /** The newest failed attempt's error, when the state is `failed`. */
  error?: string;
}

export interface StatusRow {
  hour: string;
  cells: StatusCell[];
}

export interface StreamSummary {
  stream: string;
  pendingFiles: number;
  pendingBytes: number;
  /** now − arrival of the oldest pending file; 0 when nothing is pending. */
  lagSeconds: number;
  oldestPendingArrival: string | null;
  newestLoadedHour: string | null;
  rowsLoaded: number;
}

export interface Gap {
  /** Streams the command covers (all of the report's streams when it has no --stream). */
  streams: string[];
  from: string;
  to: string;
  states: CellState[];
  command: string;
  note: string;
}

export interface StatusReport {
  generatedAt: string;
  range: { from: string; to: string; hours: number };
  streams: string[];
  rows: StatusRow[];
  streamSummaries: StreamSummary[];
  /** Across streams: the largest lag, the newest hour loaded in every stream. */
  lagSeconds: number;
  newestLoadedHour: string | null;
  pendingFiles: number;
  pendingBytes: number;
  gaps: Gap[];
  /** `--verify`: lines in S3 against loaded + rejected + duplicates, per hour and stream. */
  verify?: VerifyReport;
}

export interface StatusInput {
  range: HourRange;
  now: Date;
  streams: readonly StreamInput[];
  /** The CLI the gap commands are written for. */
  cli?: string;
  /** Every configured stream: a gap in all of them gets a command without --stream. */
  allStreams?: readonly string[];
}

export const LOAD_CLI = "pnpm run load --";

const groupBy = <T>(items: readonly T[], key: (item: T) => string) => {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
};

/** One cell: what S3 has for the hour against what the ledger says was loaded. */
export function cellOf(
  stream: string,
  hour: Date,
  objects: readonly StatusObject[],
  ledger: readonly LedgerEntry[],
  failed: readonly FailedAttempt[],
): StatusCell {
  const inS3 = new Set(objects.map((o) => o.key));
  const loaded = new Set(ledger.map((e) => e.key));
  const pending = objects.filter((o) => !loaded.has(o.key));
  const missing = ledger.filter((e) => !inS3.has(e.key)).length;
  let rows = 0;
  for (const entry of ledger) {
    if (entry.batchRows && entry.batchBytes) rows += (entry.batchRows * entry.size) / entry.batchBytes;
  }
  const lastLoad = Math.max(0, ...ledger.map((e) => e.loadedAt.getTime()));
  // `failed` only while files are still pending and no later load of this hour succeeded.
  const failure = failed
    .filter((f) => f.hourFrom <= hour && f.hourTo >= hour && f.failedAt.getTime() > lastLoad)
    .sort((a, b) => b.failedAt.getTime() - a.failedAt.getTime())[0];
  let state: CellState;
  if (pending.length > 0) state = failure ? "failed" : ledger.length > missing ? "partial" : "pending";
  else if (missing > 0) state = "missing";
  else state = objects.length === 0 ? "empty" : "loaded";
  return {
    stream,
    hour: formatHour(hour),
    state,
    filesLoaded: ledger.length,
    filesInS3: objects.length,
    filesPending: pending.length,
    bytesPending: pending.reduce((n, o) => n + o.size, 0),
    filesMissing: missing,
    rowsLoaded: Math.round(rows),
    ...(state === "failed" && failure && { error: failure.error }),
  };
}

export function buildStatus(input: StatusInput): StatusReport {
  const hours = hoursOf(input.range);
  const streams = input.streams.map((s) => s.stream);
  const columns = input.streams.map((s) => {
    const objects = groupBy(s.objects, (o) => formatHour(o.hour));
    const ledger = groupBy(s.ledger, (e) => formatHour(e.hour));
    return hours.map((hour) =>
      cellOf(
        s.stream,
        hour,
        objects.get(formatHour(hour)) ?? [],
        ledger.get(formatHour(hour)) ?? [],
        s.failed,
      ),
    );
  });
  const rows = hours.map((hour, i) => ({
    hour: formatHour(hour),
    cells: columns.map((column) => column[i] as StatusCell),
  }));

  const streamSummaries = input.streams.map((s, index) => {
    const cells = columns[index] ?? [];
    const loadedKeys = new Set(s.ledger.map((e) => e.key));
    const pending = s.objects.filter((o) => !loadedKeys.has(o.key));
    const arrivals = pending.map((o) => (o.lastModified ?? o.hour).getTime());
    const oldest = arrivals.length > 0 ? Math.min(...arrivals) : undefined;
    return {
      stream: s.stream,
      pendingFiles: pending.length,
      pendingBytes: pending.reduce((n, o) => n + o.size, 0),
      lagSeconds: oldest === undefined ? 0 : Math.max(0, Math.round((input.now.getTime() - oldest) / 1000)),
      oldestPendingArrival: oldest === undefined ? null : new Date(oldest).toISOString(),
      newestLoadedHour: [...cells].reverse().find((c) => c.state === "loaded")?.hour ?? null,
      rowsLoaded: cells.reduce((n, c) => n + c.rowsLoaded, 0),
    };
  });

  const newestLoadedHour =
    [...rows]
      .reverse()
      .find(
        (r) =>
          r.cells.some((c) => c.state === "loaded") &&
          r.cells.every((c) => c.state === "loaded" || c.state === "empty"),
      )?.hour ?? null;

  return {
    generatedAt: input.now.toISOString(),
    range: {
      from: formatHour(input.range.from),
      to: formatHour(input.range.to),
      hours: hourCount(input.range),
    },
    streams,
    rows,
    streamSummaries,
    lagSeconds: Math.max(0, ...streamSummaries.map((s) => s.lagSeconds)),
    newestLoadedHour,
    pendingFiles: streamSummaries.reduce((n, s) => n + s.pendingFiles, 0),
    pendingBytes: streamSummaries.reduce((n, s) => n + s.pendingBytes, 0),
    gaps: gapsOf(rows, streams, input.cli ?? LOAD_CLI, input.allStreams ?? streams),
  };
}

type Action = "load" | "reimport";
const actionOf = (state: CellState): Action | undefined =>
  state === "pending" || state === "partial" || state === "failed"
    ? "load"
    : state === "missing"
      ? "reimport"
      : undefined;

/**
 * Consecutive hours that need the same action become one range per stream; ranges that are the same
 * for every stream become one command without --stream.
 */
export function gapsOf(
  rows: readonly StatusRow[],
  streams: readonly string[],
  cli = LOAD_CLI,
  allStreams: readonly string[] = streams,
): Gap[] {
  interface Run {
    stream: string;
    action: Action;
    from: string;
    to: string;
    states: Set<CellState>;
  }
  const runs: Run[] = [];
  streams.forEach((stream, index) => {
    let open: Run | undefined;
    for (const row of rows) {
      const cell = row.cells[index];
      const action = cell && actionOf(cell.state);
      if (cell && action && open?.action === action) {
        open.to = row.hour;
        open.states.add(cell.state);
      } else if (cell && action) {
        open = { stream, action, from: row.hour, to: row.hour, states: new Set([cell.state]) };
        runs.push(open);
      } else {
        open = undefined;
      }
    }
  });
  const merged = groupBy(runs, (r) => `${r.action} ${r.from} ${r.to}`);
  const gaps: Gap[] = [];
  for (const group of merged.values()) {
    const first = group[0] as Run;
    const covered = group.map((r) => r.stream);
    const everyStream = allStreams.every((s) => covered.includes(s));
    const states = CELL_STATES.filter((s) => group.some((r) => r.states.has(s)));
    const range = first.from === first.to ? `--from ${first.from}` : `--from ${first.from} --to ${first.to}`;
    const streamFlags = everyStream ? "" : covered.map((s) => ` --stream ${s}`).join("");
    gaps.push({
      streams: covered,
      from: first.from,
      to: first.to,
      states,
      command: `${cli} ${range}${streamFlags}${first.action === "reimport" ? " --reimport" : ""}`,
      note:
        first.action === "reimport"
          ? "rows are in the warehouse but objects are gone from S3: restore them (versioning/backup), then re-import"
          : states.includes("failed")
            ? "the last batch rolled back: fix its error (below), then load"
            : "loads the files not loaded yet (the schedule does this within LOAD_LOOKBACK_HOURS)",
    });
  }
  return gaps.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}
