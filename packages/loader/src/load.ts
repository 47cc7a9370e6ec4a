// The loader core: request → plan → bounded batches per stream, while they fit the time budget →
// report (with what is pending). The CLI (local and --direct) and the Lambda both call runLoad; only
// their deps (and the Lambda's budget) differ.
import { createHash, randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  formatHour,
  type HourRange,
  HourRangeError,
  hourCount,
  lookbackRange,
  parseHourRange,
  SLICE_COUNT_QUERY,
} from "@kr/copy-builder";
import type pg from "pg";
import { describeBatch, runBatch } from "./batch";
import { isStatementCancelled, statementCancelledMessage, type TimeoutLimits } from "./batch-timeout";
import {
  type BatchLimits,
  calibrationBatch,
  defaultThroughput,
  estimateBatchMs,
  HISTORY_WINDOW,
  isTailBatch,
  limitsAfterTimeout,
  NOTHING_PENDING,
  nextBatch,
  pendingOf,
  throughputFromHistory,
} from "./budget";
import type { LoaderConfig } from "./config";
import type { WarehouseDriver } from "./drivers/types";
import { errorInfo, LoaderError, LoadFailedError, TooManyRejectedError, UsageError } from "./errors";
import { mapLimit } from "./map-limit";
import { planLoad, type StreamPlan } from "./plan";
import {
  addCounts,
  type LoadReport,
  type PlannedBatch,
  pendingTotal,
  type StreamReport,
  totalsOf,
  ZERO_COUNTS,
} from "./report";
import { type PlannedFile, totalBytes } from "./s3-objects";
import { terminateStaleSessions } from "./sessions";
import { recordFailedBatch } from "./status/failed-batches";
import { type Connect, endQuietly, isUndefinedTable } from "./warehouse";

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
  /**
   * A re-import's id (default: derived from its streams and range, so the same command continues an
   * interrupted re-import). Give a new one to re-import a range again that was re-imported before.
   */
  requestId?: string;
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
  /** The run's time budget in ms, over LOAD_TIME_BUDGET_SECONDS (the Lambda: its remaining time less a margin). */
  budgetMs?: number;
}

export interface ResolvedRequest {
  range: HourRange;
  trigger: "range" | "lookback";
  streams: readonly string[];
  reimport: boolean;
  requestId?: string;
  /** The request had its own --stream list (the continue command repeats it). */
  streamsGiven: boolean;
  dryRun: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A re-import's id, derived from what it re-imports: running the same command again finds the files
 * this request already re-imported in the ledger and continues with the rest.
 */
export function reimportRequestId(streams: readonly string[], range: HourRange): string {
  const what = `${[...streams].sort().join(",")}|${formatHour(range.from)}|${formatHour(range.to)}`;
  return `ri-${createHash("sha256").update(what).digest("hex").slice(0, 16)}`;
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
  const reimport = request.reimport ?? false;
  if (request.requestId !== undefined && !reimport) {
    throw new UsageError("--request-id belongs to a re-import: add --reimport (and --from/--to)");
  }
  if (request.requestId !== undefined && !REQUEST_ID.test(request.requestId)) {
    throw new UsageError(
      `--request-id ${JSON.stringify(request.requestId)} must be 1-64 letters, digits, - or _`,
    );
  }
  return {
    range,
    trigger: hasRange ? "range" : "lookback",
    streams,
    reimport,
    ...(reimport && { requestId: request.requestId ?? reimportRequestId(streams, range) }),
    streamsGiven: Boolean(request.streams && request.streams.length > 0),
    dryRun: request.dryRun ?? false,
  };
}

/** The command that continues a run that left work pending (the same request again). */
export function continueCommand(resolved: ResolvedRequest, request: LoadRequest): string {
  const args: string[] = [];
  if (resolved.trigger === "range")
    args.push("--from", formatHour(resolved.range.from), "--to", formatHour(resolved.range.to));
  if (resolved.streamsGiven) for (const stream of resolved.streams) args.push("--stream", stream);
  if (resolved.reimport) args.push("--reimport");
  if (request.requestId !== undefined) args.push("--request-id", request.requestId);
  return args.length === 0 ? "pnpm run load" : `pnpm run load -- ${args.join(" ")}`;
}

/**
 * Loads the request's range. Each stream's pending files, oldest first, go in bounded batches (one
 * transaction each); a batch starts only if its estimate fits the time budget, and what does not fit
 * is reported as pending (the next run continues it). A stream whose batch fails is rolled back and
 * stops there, while the other streams still load. Throws LoadFailedError, carrying the report, when
 * any stream failed; UsageError/ConfigError before anything ran.
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
  const budgetMs =
    deps.budgetMs ?? (config.load.timeBudgetSeconds > 0 ? config.load.timeBudgetSeconds * 1000 : undefined);
  const deadline = budgetMs === undefined ? undefined : started.getTime() + budgetMs;

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
      ...(resolved.requestId !== undefined && { requestId: resolved.requestId }),
      driver: driver.name,
      listConcurrency: config.load.listConcurrency,
    });
    // Redshift: each GZIP file loads on one slice, so batches take whole rounds of slices.
    const slices = driver.dialect === "redshift" ? await readSlices(planner) : undefined;
    const limits: BatchLimits = {
      maxBytes: config.load.batchMaxBytes,
      maxFiles: config.load.batchMaxFiles,
      ...(slices !== undefined && { slices }),
    };
    const stamp = started.toISOString().replace(/[-:.]/g, "").slice(0, 15);
    const batchId = (stream: string) => `${stream}-${stamp}-${randomUUID().slice(0, 8)}`;
    if (resolved.dryRun) {
      streams = await describePlans(planner, config, resolved, plans, driver, batchId, limits);
    } else {
      // Each stream's batch gets its own connection; the planner is not needed any more.
      await endQuietly(planner);
      planner = undefined;
      streams = await loadStreams(config, resolved, plans, deps, batchId, now, {
        limits,
        deadline,
        budgetMs,
        budgetFromLambda: deps.budgetMs !== undefined,
        slices,
      });
    }
  } finally {
    await endQuietly(planner);
  }

  const finished = now();
  const durationMs = finished.getTime() - started.getTime();
  const pending = pendingTotal(streams);
  const report: LoadReport = {
    ok: streams.every((s) => s.status !== "failed"),
    dryRun: resolved.dryRun,
    mode: config.mode,
    runner: driver.name,
    trigger: resolved.trigger,
    reimport: resolved.reimport,
    ...(resolved.requestId !== undefined && { requestId: resolved.requestId }),
    range: {
      from: formatHour(resolved.range.from),
      to: formatHour(resolved.range.to),
      hours: hourCount(resolved.range),
    },
    budgetMs: budgetMs ?? null,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs,
    streams,
    totals: totalsOf(streams, durationMs),
    ...(terminatedSessions.length > 0 && { terminatedSessions }),
    pending,
    ...(pending.files > 0 && !resolved.dryRun && { continueWith: continueCommand(resolved, request) }),
  };
  if (!report.ok) {
    const failed = streams.filter((s) => s.status === "failed");
    throw new LoadFailedError(failed.map((s) => s.error).join("; "), { report });
  }
  return report;
}

interface RunLimits {
  limits: BatchLimits;
  /** Epoch ms by which every batch must be done, or undefined for no budget. */
  deadline: number | undefined;
  /** The run's whole budget (ms), or undefined for none. */
  budgetMs: number | undefined;
  /** The budget is the Lambda's remaining time (deps.budgetMs), not LOAD_TIME_BUDGET_SECONDS. */
  budgetFromLambda: boolean;
  slices: number | undefined;
}

async function loadStreams(
  config: LoaderConfig,
  resolved: ResolvedRequest,
  plans: StreamPlan[],
  deps: LoadDeps,
  batchId: (stream: string) => string,
  now: () => Date,
  run: RunLimits,
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
    if (plan.files.length === 0) return base;
    const started = now();
    // Recent batches first; each batch of this run joins the history, so the estimate follows the run.
    const history = [...plan.history];
    const fallback = defaultThroughput(deps.driver.dialect, run.slices);
    let report: StreamReport = { ...base, status: "pending" };
    let queue = plan.files;
    let loaded = { files: 0, bytes: 0 };
    let client: pg.Client | undefined;
    try {
      while (queue.length > 0) {
        const remaining = run.deadline === undefined ? undefined : run.deadline - now().getTime();
        const throughput = throughputFromHistory(history, fallback);
        const limits = limitsAfterTimeout(run.limits, history);
        let files = nextBatch(queue, limits, throughput, remaining);
        if (isTailBatch(files, nextBatch(queue, limits, throughput), queue.length, report.batches)) break;
        if (files.length === 0)
          files = calibrationBatch(queue, throughput, report.batches, {
            remainingMs: remaining,
            budgetMs: run.budgetMs,
          });
        if (files.length === 0) {
          const bytes = queue[0]?.size ?? 0;
          // Only worth saying when the whole budget could not take it, not when this run's time is used up.
          if (run.budgetMs !== undefined && estimateBatchMs(bytes, throughput) > run.budgetMs)
            report = {
              ...report,
              tooBigForBudget: { bytes, estimateMs: estimateBatchMs(bytes, throughput) },
            };
          break;
        }
        const batchBytes = totalBytes(files);
        const batchStarted = now();
        const attemptId = batchId(plan.stream);
        try {
          client ??= await deps.connect();
          const result = await runBatch({
            client,
            driver: deps.driver,
            ...plan,
            files,
            range: resolved.range,
            reimport: resolved.reimport,
            ...(resolved.requestId !== undefined && { requestId: resolved.requestId }),
            batchId: attemptId,
            ...mergeSettings(config),
            ...(run.deadline !== undefined && { deadline: run.deadline }),
            now,
            onProgress: (p) => {
              done.set(plan.stream, { files: loaded.files + p.filesDone, bytes: loaded.bytes + p.bytesRead });
              emit("staging", plan.stream);
            },
          });
          const { skippedUnderLock, stream: _s, status, batchId: id, rejectedRecords, ...counts } = result;
          report = {
            ...report,
            ...addCounts(report, { ...counts, durationMs: 0 }),
            ...(id !== undefined && { batchId: id }),
            ...(counts.stagingMethod !== undefined && { stagingMethod: counts.stagingMethod }),
            status: status === "loaded" || report.status === "loaded" ? "loaded" : "up-to-date",
            batches: report.batches + 1,
            skippedFiles: report.skippedFiles + skippedUnderLock,
            rejectedRecords: [...report.rejectedRecords, ...rejectedRecords].slice(0, 100),
          };
          history.unshift({ bytes: batchBytes, durationMs: now().getTime() - batchStarted.getTime() });
          history.length = Math.min(history.length, HISTORY_WINDOW);
        } catch (error) {
          await endQuietly(client);
          client = undefined;
          report = failedStream(report, plan, error, {
            files: files.length,
            bytes: batchBytes,
            limits: {
              ...(run.budgetMs !== undefined && { budgetMs: run.budgetMs }),
              fromLambda: run.budgetFromLambda,
              statementTimeoutSeconds: config.load.statementTimeoutSeconds,
            },
          });
          // After the rollback, so the status grid can show these hours as `failed`.
          await recordFailedBatch(deps.connect, {
            stream: plan.stream,
            files,
            batchId: attemptId,
            error: report.error ?? "",
            failedAt: now(),
            driver: deps.driver.name,
            timedOut: isStatementCancelled(error),
          });
          break;
        }
        queue = queue.slice(files.length);
        loaded = { files: loaded.files + files.length, bytes: loaded.bytes + batchBytes };
        done.set(plan.stream, loaded);
        emit("staging", plan.stream);
      }
    } finally {
      await endQuietly(client);
    }
    done.set(plan.stream, { files: plan.files.length, bytes: plan.bytes });
    emit("stream-done", plan.stream);
    const pending = pendingOf(queue);
    const status =
      report.status === "failed"
        ? "failed"
        : report.batches > 0
          ? report.status
          : pending.files > 0
            ? "pending"
            : "up-to-date";
    return { ...report, status, pending, durationMs: now().getTime() - started.getTime() };
  });
}

/** The cluster's slices; undefined (no rounding) where there is no stv_slices (a stand-in, not Redshift). */
async function readSlices(client: pg.ClientBase): Promise<number | undefined> {
  try {
    const { rows } = await client.query<{ n: unknown }>(SLICE_COUNT_QUERY);
    return Math.max(1, Number(rows[0]?.n ?? 1));
  } catch (error) {
    if (isUndefinedTable(error)) return undefined;
    throw error;
  }
}

/** --dry-run: the plan and the statements each batch would run; reads only. */
async function describePlans(
  client: pg.Client,
  config: LoaderConfig,
  resolved: ResolvedRequest,
  plans: StreamPlan[],
  driver: WarehouseDriver,
  batchId: (stream: string) => string,
  limits: BatchLimits,
): Promise<StreamReport[]> {
  const streams: StreamReport[] = [];
  const throughput = defaultThroughput(driver.dialect, limits.slices);
  for (const plan of plans) {
    // The batches without a budget (a budget only stops earlier), each joining the history as the
    // run's own would (so a recent cut halves the first ones); the SQL is the first batch's.
    const batches: (typeof plan.files)[] = [];
    const history = [...plan.history];
    for (let rest = plan.files; rest.length > 0; ) {
      const files = nextBatch(rest, limitsAfterTimeout(limits, history), throughput);
      batches.push(files);
      history.unshift({ bytes: totalBytes(files), durationMs: 0 });
      rest = rest.slice(files.length);
    }
    const [first] = batches;
    const sql = !first
      ? []
      : await describeBatch({
          client,
          driver,
          ...plan,
          files: first,
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
      batches: batches.length,
      sql,
      plannedBatches: batches.map(plannedBatch),
    });
  }
  return streams;
}

function plannedBatch(files: readonly PlannedFile[]): PlannedBatch {
  const hours = files.map((f) => f.hour.getTime());
  return {
    files: files.length,
    bytes: totalBytes(files),
    fromHour: formatHour(new Date(Math.min(...hours))),
    toHour: formatHour(new Date(Math.max(...hours))),
  };
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
    batches: 0,
    pending: { ...NOTHING_PENDING },
    rejectedRecords: [],
  };
}

/** A failed batch rolled back: the stream keeps what earlier batches loaded and stops. */
function failedStream(
  report: StreamReport,
  plan: StreamPlan,
  error: unknown,
  batch: { files: number; bytes: number; limits: TimeoutLimits },
): StreamReport {
  const rejected = error instanceof TooManyRejectedError ? error : undefined;
  const message =
    error instanceof LoaderError
      ? error.message
      : isStatementCancelled(error)
        ? statementCancelledMessage(plan.stream, batch, batch.limits, errorInfo(error).message)
        : `${plan.stream}: ${errorInfo(error).message}; the batch rolled back`;
  return {
    ...report,
    status: "failed",
    rejected: report.rejected + (rejected?.rejectedCount ?? 0),
    rejectedRecords: [...report.rejectedRecords, ...(rejected?.rejected ?? [])].slice(0, 100),
    error: message,
  };
}
