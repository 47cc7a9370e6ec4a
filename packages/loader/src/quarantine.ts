// `rejects` and `replay`: list the quarantined lines (loader.rejected_records), and load them again —
// as they are, or after someone corrected raw_line in the table — exactly once.
//
// A replay walks the selected unreplayed lines that have a raw line, per stream in id order, in
// batches of REPLAY_BATCH_LINES. Each is an ordinary batch (stage → lock → merge, one transaction)
// whose source is the lines instead of files: under the lock it keeps only the lines still
// unreplayed (a concurrent replay of the same lines loads each once), the lines that load are marked
// replayed by the batch, and the lines still bad stay with attempts + 1 and the new reason.
import { randomUUID } from "node:crypto";
import {
  buildQuarantineCounts,
  buildQuarantineList,
  buildQuarantineToReplay,
  DEFAULT_KEYS,
  floorToHour,
  formatHour,
  type HourRange,
  HourRangeError,
  parseHourRange,
  QUARANTINE_TABLE,
  type QuarantineFilter,
  STREAM_TABLES,
} from "@kr/copy-builder";
import type pg from "pg";
import { type BatchResult, runBatch } from "./batch";
import type { LoaderConfig } from "./config";
import type { WarehouseDriver } from "./drivers/types";
import { ConfigError, LoadFailedError, UsageError } from "./errors";
import {
  type Connect,
  CREATE_TABLES_HINT,
  endQuietly,
  isUndefinedTable,
  readTableColumns,
} from "./warehouse";

/** Quarantined lines per replay batch (a raw line is at most 64 KiB; typical lines ~1 KiB). */
export const REPLAY_BATCH_LINES = 2000;
/** `rejects` shows this many rows by default. */
export const DEFAULT_REJECTS_LIMIT = 50;

export interface RejectsRequest {
  /** rejected_at hours (UTC, inclusive), as typed for load. */
  from?: string;
  to?: string;
  streams?: readonly string[];
  batchId?: string;
  /** Only lines not replayed yet. */
  pending?: boolean;
  limit?: number;
}

export interface QuarantinedRecord {
  id: number;
  stream: string;
  batchId: string;
  fileKey: string | null;
  lineNumber: number | null;
  rawLine: string | null;
  reason: string;
  rejectedAt: string;
  replayedAt: string | null;
  replayBatchId: string | null;
  attempts: number;
}

export interface RejectsReport {
  /** Lines matching the filter. */
  total: number;
  /** The newest `limit` of them. */
  records: QuarantinedRecord[];
  limit: number;
}

export interface ReplayRequest {
  /** Replays the lines one batch quarantined. */
  batchId?: string;
  /** Or: lines quarantined (rejected_at) within these hours (UTC, inclusive). */
  from?: string;
  to?: string;
  streams?: readonly string[];
  dryRun?: boolean;
}

export interface ReplayStreamReport {
  stream: string;
  /** Unreplayed lines with a raw line the filter selected when the replay started. */
  selected: number;
  /** Unreplayed lines without a raw line (set raw_line to replay them). */
  withoutRawLine: number;
  /** Lines this replay loaded and marked replayed. */
  replayed: number;
  /** Lines still rejected: they stay quarantined with attempts + 1 and the new reason. */
  stillRejected: number;
  /** Lines another replay loaded while this one staged them (skipped under the lock). */
  replayedElsewhere: number;
  inserted: number;
  replaced: number;
  batches: number;
  batchIds: string[];
}

export interface ReplayReport {
  ok: boolean;
  dryRun: boolean;
  filter: { batchId?: string; from?: string; to?: string; streams?: string[] };
  streams: ReplayStreamReport[];
  durationMs: number;
  /** --dry-run: the statements that select the lines (the batches run the load's sequence). */
  sql?: string[];
}

function resolveFilter(
  config: LoaderConfig,
  request: { from?: string; to?: string; streams?: readonly string[]; batchId?: string },
): QuarantineFilter {
  const streams = request.streams && request.streams.length > 0 ? [...new Set(request.streams)] : undefined;
  const unknown = (streams ?? []).filter((s) => !config.streams.includes(s));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown stream ${unknown.map((s) => JSON.stringify(s)).join(", ")}: the streams are ${config.streams.join(", ")} (KR_STREAMS)`,
    );
  }
  let range: HourRange | undefined;
  if (request.from?.trim() || request.to?.trim()) {
    try {
      range = parseHourRange(
        {
          ...(request.from !== undefined && { from: request.from }),
          ...(request.to !== undefined && { to: request.to }),
        },
        { maxHours: config.load.maxRangeHours, maxHoursSetting: "LOAD_MAX_RANGE_HOURS" },
      );
    } catch (error) {
      if (error instanceof HourRangeError) throw new UsageError(error.message);
      throw error;
    }
  }
  return {
    ...(range && { range }),
    ...(streams && { streams }),
    ...(request.batchId !== undefined && { batchId: request.batchId }),
  };
}

async function quarantineQuery<T extends pg.QueryResultRow>(
  client: pg.ClientBase,
  statement: { text: string; values: unknown[] },
): Promise<T[]> {
  try {
    return (await client.query<T>(statement)).rows;
  } catch (error) {
    if (isUndefinedTable(error))
      throw new ConfigError(
        `the quarantine table loader.${QUARANTINE_TABLE} does not exist: ${CREATE_TABLES_HINT}`,
      );
    throw error;
  }
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** `rejects`: the newest quarantined lines matching the filter, and how many match. Reads only. */
export async function listRejects(
  config: LoaderConfig,
  request: RejectsRequest,
  deps: { connect: Connect },
): Promise<RejectsReport> {
  const filter = resolveFilter(config, request);
  const limit = request.limit ?? DEFAULT_REJECTS_LIMIT;
  const client = await deps.connect();
  try {
    const rows = await quarantineQuery<{
      id: string | number;
      stream: string;
      batch_id: string;
      file_key: string | null;
      line_number: string | number | null;
      raw_line: string | null;
      reason: string;
      rejected_at: Date;
      replayed_at: Date | null;
      replay_batch_id: string | null;
      attempts: string | number;
      total: string | number;
    }>(client, buildQuarantineList({ ...filter, pendingOnly: request.pending === true }, limit));
    return {
      total: Number(rows[0]?.total ?? 0),
      limit,
      records: rows.map((r) => ({
        id: Number(r.id),
        stream: r.stream,
        batchId: r.batch_id,
        fileKey: r.file_key,
        lineNumber: r.line_number === null ? null : Number(r.line_number),
        rawLine: r.raw_line,
        reason: r.reason,
        rejectedAt: iso(r.rejected_at) as string,
        replayedAt: iso(r.replayed_at),
        replayBatchId: r.replay_batch_id,
        attempts: Number(r.attempts),
      })),
    };
  } finally {
    await endQuietly(client);
  }
}

export interface ReplayDeps {
  driver: WarehouseDriver;
  connect: Connect;
  now?: () => Date;
}

/**
 * `replay`: loads the selected quarantined lines again, exactly once (see the top of this file).
 * Throws UsageError without --batch or --from, and LoadFailedError (with the report so far) when a batch fails and rolls back.
 */
export async function runReplay(
  config: LoaderConfig,
  request: ReplayRequest,
  deps: ReplayDeps,
): Promise<ReplayReport> {
  if (request.batchId === undefined && !request.from?.trim()) {
    throw new UsageError(
      "replay needs --batch ID (the batch that quarantined the lines) or --from HOUR [--to HOUR] (hours of rejected_at); see `rejects` for both",
    );
  }
  const filter = resolveFilter(config, request);
  const { driver } = deps;
  const now = deps.now ?? (() => new Date());
  const started = now();
  const report: ReplayReport = {
    ok: true,
    dryRun: request.dryRun === true,
    filter: {
      ...(request.batchId !== undefined && { batchId: request.batchId }),
      ...(filter.range && { from: formatHour(filter.range.from), to: formatHour(filter.range.to) }),
      ...(filter.streams && { streams: [...filter.streams] }),
    },
    streams: [],
    durationMs: 0,
  };
  const client = await deps.connect();
  try {
    const counts = await quarantineQuery<{
      stream: string;
      replayable: string | number | null;
      no_raw_line: string | number | null;
    }>(client, buildQuarantineCounts(filter));
    for (const row of counts) {
      const selected = Number(row.replayable ?? 0);
      const withoutRawLine = Number(row.no_raw_line ?? 0);
      if (selected === 0 && withoutRawLine === 0) continue;
      report.streams.push({
        stream: row.stream,
        selected,
        withoutRawLine,
        replayed: 0,
        stillRejected: 0,
        replayedElsewhere: 0,
        inserted: 0,
        replaced: 0,
        batches: 0,
        batchIds: [],
      });
    }
    if (report.dryRun) {
      report.sql = [
        buildQuarantineCounts(filter).text,
        `${buildQuarantineToReplay(filter, 0, REPLAY_BATCH_LINES).text} -- per stream, then a batch per ${REPLAY_BATCH_LINES} lines: stage the lines, lock, re-check they are unreplayed, merge, mark replayed`,
      ];
      return report;
    }
    const stamp = started.toISOString().replace(/[-:.]/g, "").slice(0, 15);
    for (const streamReport of report.streams) {
      if (streamReport.selected === 0) continue;
      await replayStream(config, client, driver, filter, streamReport, stamp, now);
    }
  } finally {
    report.durationMs = now().getTime() - started.getTime();
    await endQuietly(client);
  }
  return report;
}

async function replayStream(
  config: LoaderConfig,
  client: pg.Client,
  driver: WarehouseDriver,
  filter: QuarantineFilter,
  report: ReplayStreamReport,
  stamp: string,
  now: () => Date,
): Promise<void> {
  const { stream } = report;
  const schema = config.warehouse.schema;
  const columns = await readTableColumns(client, schema, stream);
  if (columns.length === 0)
    throw new ConfigError(`table ${schema}.${stream} does not exist: ${CREATE_TABLES_HINT}`);
  const keys = STREAM_TABLES[stream] ?? DEFAULT_KEYS;
  // Walk by id: a line still bad after its batch is not picked again in this run.
  for (let afterId = 0; ; ) {
    const rows = await quarantineQuery<{ id: string | number; raw_line: string; rejected_at: Date }>(
      client,
      buildQuarantineToReplay({ ...filter, streams: [stream] }, afterId, REPLAY_BATCH_LINES),
    );
    if (rows.length === 0) return;
    afterId = Number(rows[rows.length - 1]?.id);
    const times = rows.map((r) => new Date(r.rejected_at).getTime());
    const range = {
      from: floorToHour(new Date(Math.min(...times))),
      to: floorToHour(new Date(Math.max(...times))),
    };
    const batchId = `${stream}-replay-${stamp}-${randomUUID().slice(0, 8)}`.slice(-64);
    let result: BatchResult;
    try {
      result = await runBatch({
        client,
        driver,
        stream,
        schema,
        columns,
        key: keys.key,
        sortKey: keys.sortKey,
        files: [],
        range,
        reimport: false,
        batchId,
        // Lines still bad are the expected outcome of a replay: they stay quarantined, never roll it back.
        maxErrors: rows.length,
        now,
        statementTimeoutMs: config.load.statementTimeoutSeconds * 1000,
        dedupeWindowHours: config.load.dedupeWindowHours,
        workMemMb: config.load.workMemMb,
        replay: rows.map((r) => ({ id: Number(r.id), raw: r.raw_line })),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new LoadFailedError(
        `${stream}: replay batch ${batchId} rolled back (${message}); nothing of it was loaded or marked — run the same replay again`,
        { cause: error },
      );
    }
    report.batches++;
    report.batchIds.push(batchId);
    report.replayed += result.replayed ?? 0;
    report.replayedElsewhere += result.replayedElsewhere ?? 0;
    report.stillRejected += result.rejected;
    report.inserted += result.inserted;
    report.replaced += result.replaced;
  }
}
