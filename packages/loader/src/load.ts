// The loader core: request → plan → one batch per stream → report. The CLI (local and --direct) and
// the Lambda both call runLoad; only their deps differ.
import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  formatHour,
  type HourRange,
  HourRangeError,
  hourCount,
  lookbackRange,
  parseHourRange,
} from "@kr/copy-builder";
import type pg from "pg";
import { describeBatch, runBatch } from "./batch";
import type { LoaderConfig } from "./config";
import type { WarehouseDriver } from "./drivers/types";
import { errorInfo, LoaderError, LoadFailedError, TooManyRejectedError, UsageError } from "./errors";
import { mapLimit } from "./map-limit";
import { planLoad, type StreamPlan } from "./plan";
import { type LoadReport, type StreamReport, totalsOf, ZERO_COUNTS } from "./report";
import { terminateStaleSessions } from "./sessions";
import { type Connect, endQuietly } from "./warehouse";

export interface LoadRequest {
  /** First hour (inclusive), as typed: 2026-11-23T05, a date, … Without from/to: the look-back window. */
  from?: string;
  /** Last hour (inclusive). */
  to?: string;
  /** Subset of the configured streams; default all. */
  streams?: readonly string[];
  /** Load files again even if the ledger has them (the merge keeps every event once). */
  reimport?: boolean;
  /** Plan and print the SQL; write nothing. */
  dryRun?: boolean;
}

export interface LoadProgress {
  phase: "planned" | "staging" | "stream-done";
  stream?: string;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface LoadDeps {
  driver: WarehouseDriver;
  /** Client for the events bucket. */
  s3: S3Client;
  connect: Connect;
  now?: () => Date;
  onProgress?: (progress: LoadProgress) => void;
}

export interface ResolvedRequest {
  range: HourRange;
  trigger: "range" | "lookback";
  streams: readonly string[];
  reimport: boolean;
  dryRun: boolean;
}

/** Validates a request against the config; every problem is a UsageError that says what to type. */
export function resolveRequest(config: LoaderConfig, request: LoadRequest, now: Date): ResolvedRequest {
  const streams =
    request.streams && request.streams.length > 0 ? [...new Set(request.streams)] : config.streams;
  const unknown = streams.filter((s) => !config.streams.includes(s));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown stream ${unknown.map((s) => JSON.stringify(s)).join(", ")}: the streams are ${config.streams.join(", ")} (KR_STREAMS)`,
    );
  }
  const hasRange = Boolean(request.from?.trim() || request.to?.trim());
  let range: HourRange;
  try {
    range = hasRange
      ? parseHourRange(
          {
            ...(request.from !== undefined && { from: request.from }),
            ...(request.to !== undefined && { to: request.to }),
          },
          { maxHours: config.load.maxRangeHours, maxHoursSetting: "LOAD_MAX_RANGE_HOURS" },
        )
      : lookbackRange(now, config.load.lookbackHours);
  } catch (error) {
    if (error instanceof HourRangeError) throw new UsageError(error.message);
    throw error;
  }
  return {
    range,
    trigger: hasRange ? "range" : "lookback",
    streams,
    reimport: request.reimport ?? false,
    dryRun: request.dryRun ?? false,
  };
}

/**
 * Loads the request's range. Each stream is one batch (one transaction); a stream whose batch fails
 * is rolled back and reported while the other streams still load. Throws LoadFailedError, carrying
 * the report, when any stream failed; UsageError/ConfigError before anything ran.
 */
export async function runLoad(
  config: LoaderConfig,
  request: LoadRequest,
  deps: LoadDeps,
): Promise<LoadReport> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const resolved = resolveRequest(config, request, started);
  const { driver } = deps;

  let planner: pg.Client | undefined = await deps.connect();
  let streams: StreamReport[];
  let terminatedSessions: number[] = [];
  try {
    // Before anything waits on a lock: end loader sessions no healthy run can have left open.
    if (!resolved.dryRun) {
      terminatedSessions = await terminateStaleSessions(planner, {
        dialect: driver.dialect,
        applicationName: config.warehouse.applicationName,
        olderThanSeconds: config.load.staleSessionSeconds,
      });
    }
    const plans = await planLoad({
      client: planner,
      s3: deps.s3,
      bucket: config.source.bucket,
      schema: config.warehouse.schema,
      streams: resolved.streams,
      range: resolved.range,
      reimport: resolved.reimport,
      listConcurrency: config.load.listConcurrency,
    });
    const stamp = started.toISOString().replace(/[-:.]/g, "").slice(0, 15);
    const batchId = (stream: string) => `${stream}-${stamp}-${randomUUID().slice(0, 8)}`;
    if (resolved.dryRun) {
      streams = await describePlans(planner, config, resolved, plans, driver, batchId);
    } else {
      // Each stream's batch gets its own connection; the planner is not needed any more.
      await endQuietly(planner);
      planner = undefined;
      streams = await loadStreams(config, resolved, plans, deps, batchId, now);
    }
  } finally {
    await endQuietly(planner);
  }

  const finished = now();
  const durationMs = finished.getTime() - started.getTime();
  const report: LoadReport = {
    ok: streams.every((s) => s.status !== "failed"),
    dryRun: resolved.dryRun,
    mode: config.mode,
    runner: driver.name,
    trigger: resolved.trigger,
    reimport: resolved.reimport,
    range: {
      from: formatHour(resolved.range.from),
      to: formatHour(resolved.range.to),
      hours: hourCount(resolved.range),
    },
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs,
    streams,
    totals: totalsOf(streams, durationMs),
    ...(terminatedSessions.length > 0 && { terminatedSessions }),
  };
  if (!report.ok) {
    const failed = streams.filter((s) => s.status === "failed");
    throw new LoadFailedError(failed.map((s) => s.error).join("; "), { report });
  }
  return report;
}

async function loadStreams(
  config: LoaderConfig,
  resolved: ResolvedRequest,
  plans: StreamPlan[],
  deps: LoadDeps,
  batchId: (stream: string) => string,
  now: () => Date,
): Promise<StreamReport[]> {
  const bytesTotal = plans.reduce((n, p) => n + p.bytes, 0);
  const filesTotal = plans.reduce((n, p) => n + p.files.length, 0);
  const done = new Map<string, { files: number; bytes: number }>();
  const emit = (phase: LoadProgress["phase"], stream?: string) => {
    if (!deps.onProgress) return;
    let filesDone = 0;
    let bytesDone = 0;
    for (const d of done.values()) {
      filesDone += d.files;
      bytesDone += d.bytes;
    }
    deps.onProgress({ phase, ...(stream && { stream }), filesDone, filesTotal, bytesDone, bytesTotal });
  };
  emit("planned");

  return mapLimit(plans, deps.driver.streamConcurrency, async (plan) => {
    const base = streamBase(plan);
    if (plan.files.length === 0) return { ...base, status: "up-to-date" as const };
    const started = now();
    let client: pg.Client | undefined;
    try {
      client = await deps.connect();
      const result = await runBatch({
        client,
        driver: deps.driver,
        ...plan,
        range: resolved.range,
        reimport: resolved.reimport,
        batchId: batchId(plan.stream),
        ...mergeSettings(config),
        now,
        onProgress: (p) => {
          done.set(plan.stream, { files: p.filesDone, bytes: p.bytesRead });
          emit("staging", plan.stream);
        },
      });
      done.set(plan.stream, { files: plan.files.length, bytes: plan.bytes });
      emit("stream-done", plan.stream);
      const { skippedUnderLock, ...counts } = result;
      return {
        ...base,
        ...counts,
        skippedFiles: plan.skippedFiles + skippedUnderLock,
        durationMs: now().getTime() - started.getTime(),
      };
    } catch (error) {
      done.set(plan.stream, { files: plan.files.length, bytes: plan.bytes });
      emit("stream-done", plan.stream);
      return failedStream(base, plan, error, now().getTime() - started.getTime());
    } finally {
      await endQuietly(client);
    }
  });
}

/** --dry-run: the plan and the statements each batch would run; reads only. */
async function describePlans(
  client: pg.Client,
  config: LoaderConfig,
  resolved: ResolvedRequest,
  plans: StreamPlan[],
  driver: WarehouseDriver,
  batchId: (stream: string) => string,
): Promise<StreamReport[]> {
  const streams: StreamReport[] = [];
  for (const plan of plans) {
    const sql =
      plan.files.length === 0
        ? []
        : await describeBatch({
            client,
            driver,
            ...plan,
            range: resolved.range,
            reimport: resolved.reimport,
            batchId: batchId(plan.stream),
            ...mergeSettings(config),
          });
    streams.push({
      ...streamBase(plan),
      status: plan.files.length === 0 ? "up-to-date" : "planned",
      files: plan.files.length,
      bytes: plan.bytes,
      sql,
    });
  }
  return streams;
}

/** The batch settings that come from the config (the deadline comes from the run's budget). */
function mergeSettings(config: LoaderConfig) {
  return {
    maxErrors: config.load.maxErrors,
    statementTimeoutMs: config.load.statementTimeoutSeconds * 1000,
    dedupeWindowHours: config.load.dedupeWindowHours,
    workMemMb: config.load.workMemMb,
  };
}

function streamBase(plan: StreamPlan): StreamReport {
  return {
    ...ZERO_COUNTS,
    stream: plan.stream,
    table: `${plan.schema}.${plan.stream}`,
    status: "up-to-date",
    skippedFiles: plan.skippedFiles,
    rejectedRecords: [],
  };
}

function failedStream(
  base: StreamReport,
  plan: StreamPlan,
  error: unknown,
  durationMs: number,
): StreamReport {
  const rejected = error instanceof TooManyRejectedError ? error : undefined;
  const message =
    error instanceof LoaderError
      ? error.message
      : `${plan.stream}: ${errorInfo(error).message}; the batch rolled back`;
  return {
    ...base,
    status: "failed",
    files: plan.files.length,
    bytes: plan.bytes,
    rejected: rejected?.rejectedCount ?? 0,
    rejectedRecords: rejected?.rejected ?? [],
    error: message,
    durationMs,
  };
}
