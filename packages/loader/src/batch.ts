// One batch = one stream's files. Stage first, in its own transaction and without any table lock,
// so readers never wait while bytes move; then one transaction: lock → re-check the ledger → merge →
// record. Either the merge transaction commits or none of it does, so a failure (or a killed loader)
// leaves the warehouse exactly as it was. The staging table is a session temp table: it survives the
// stage commit, and a dead session takes it along.
import {
  buildAnalyzeStaging,
  buildBatchRecord,
  buildCountUnchanged,
  buildCreateRejects,
  buildCreateStaging,
  buildDeadlockTimeout,
  buildDeleteReplaced,
  buildDeleteStagingRejects,
  buildDropRejects,
  buildDropStaging,
  buildDropUnchanged,
  buildInsertFromStaging,
  buildLedgerForget,
  buildLedgerLookup,
  buildLedgerRecord,
  buildLock,
  buildQuarantineInsert,
  buildQuarantineReplayed,
  buildQuarantineRetry,
  buildQuarantineUnreplayed,
  buildReimportLookup,
  buildRejectsFromStaging,
  buildStagingRejects,
  buildStagingStats,
  buildStatementTimeout,
  buildWorkMem,
  type HourRange,
  type MergeTarget,
  rejectsTableName,
  stagingColumns,
  stagingTableName,
  targetChecks,
} from "@kr/copy-builder";
import type pg from "pg";
import type { ReplayLine, StageOutcome, StageRequest, WarehouseDriver } from "./drivers/types";
import { TooManyRejectedError } from "./errors";
import { LOCK_WAIT_CHECK_MS, prepareLockWait } from "./lock-wait";
import { type StreamReport, ZERO_COUNTS } from "./report";
import { type PlannedFile, totalBytes } from "./s3-objects";
import type { StageProgress, StagingColumn } from "./staging/index";
import { rejectInStaging } from "./staging-rejects";

export interface BatchInput {
  client: pg.ClientBase;
  driver: WarehouseDriver;
  stream: string;
  schema: string;
  columns: readonly StagingColumn[];
  key: string;
  sortKey: string;
  /** Files the plan chose (the ledger is checked again under the lock). */
  files: readonly PlannedFile[];
  range: HourRange;
  reimport: boolean;
  /** Re-import request id, recorded with each file (a continued re-import skips them). */
  requestId?: string;
  batchId: string;
  maxErrors: number;
  now: () => Date;
  onProgress?: (progress: StageProgress) => void;
  /**
   * When the batch must be over (epoch ms): every phase runs under a statement_timeout of the time
   * left, so a statement cannot outlive its run.
   */
  deadline?: number;
  /** statement_timeout when there is no deadline (LOAD_STATEMENT_TIMEOUT_SECONDS); 0 or unset = none. */
  statementTimeoutMs?: number;
  /** LOAD_DEDUPE_WINDOW_HOURS (default 0 here: the config supplies 24). */
  dedupeWindowHours?: number;
  /** PostgreSQL: LOAD_WORK_MEM_MB for the batch's transactions; unset = the server's default. */
  workMemMb?: number;
  /**
   * A replay batch: these quarantined lines instead of files (`files` is empty). Under the lock the
   * batch keeps only those still unreplayed; the merge marks the ones that load as replayed.
   */
  replay?: readonly ReplayLine[];
}

export type BatchResult = Omit<
  StreamReport,
  "table" | "skippedFiles" | "durationMs" | "batches" | "pending"
> & {
  skippedUnderLock: number;
  /** A replay: quarantined lines this batch loaded and marked replayed. */
  replayed?: number;
  /** A replay: lines dropped under the lock because another replay had loaded them meanwhile. */
  replayedElsewhere?: number;
};

export function mergeTarget(
  input: Pick<BatchInput, "stream" | "schema" | "columns" | "key" | "sortKey" | "batchId">,
): MergeTarget {
  return {
    schema: input.schema,
    table: input.stream,
    staging: stagingTableName(input.stream, input.batchId),
    columns: input.columns.map((c) => c.name),
    key: input.key,
    sortKey: input.sortKey,
  };
}

const count = (value: unknown) => Number(value ?? 0);

/** Never below this: a statement with less time than that is better not started (it will be cut). */
const MIN_STATEMENT_TIMEOUT_MS = 1_000;

/**
 * The statement_timeout for the next phase: the time left before the deadline (at least `floorMs`),
 * or the fixed setting.
 */
export function statementTimeoutFor(
  input: Pick<BatchInput, "deadline" | "statementTimeoutMs">,
  nowMs: number,
  floorMs = MIN_STATEMENT_TIMEOUT_MS,
): number | undefined {
  if (input.deadline !== undefined) return Math.max(floorMs, Math.floor(input.deadline - nowMs));
  return input.statementTimeoutMs && input.statementTimeoutMs > 0 ? input.statementTimeoutMs : undefined;
}

interface StagedBatch {
  files: readonly PlannedFile[];
  outcome: StageOutcome;
  rowsStaged: number;
  distinctKeys: number;
  bounds?: { min: Date; max: Date };
}

export async function runBatch(input: BatchInput): Promise<BatchResult> {
  const { client, driver, stream } = input;
  const target = mergeTarget(input);
  const startedAt = input.now();
  let files = input.files;
  let lines = input.replay;
  let skippedUnderLock = 0;
  let replayedElsewhere = 0;
  try {
    // A file that another loader commits while we stage is found under the lock: its rows are in our
    // staging table, which has no file column (Redshift's COPY cannot add one), so the batch drops
    // staging and stages again without it. Each round drops at least one file, so this ends.
    for (;;) {
      const staged = await stage(input, target, files, lines);
      // Room for the lock: autovacuum gives way to it only after the session's deadlock_timeout.
      const lockWaitMs = await prepareLockWait(client, driver.dialect);
      await setStatementTimeout(input, MIN_STATEMENT_TIMEOUT_MS + lockWaitMs);
      await client.query("BEGIN");
      if (input.workMemMb && driver.dialect === "postgres") await client.query(buildWorkMem(input.workMemMb));
      await client.query(buildLock(driver.dialect, target));
      // (A re-import: another run of the same request may have re-imported some of them meanwhile.)
      if (lines) {
        // A replay: another replay of the same lines may have committed while this one staged.
        const open = new Set<number>();
        for (const statement of buildQuarantineUnreplayed(lines.map((l) => l.id))) {
          const { rows } = await client.query<{ id: string | number }>(statement);
          for (const row of rows) open.add(Number(row.id));
        }
        if (open.size < lines.length) {
          await client.query("ROLLBACK");
          await dropStaged(client, target);
          replayedElsewhere += lines.length - open.size;
          lines = lines.filter((l) => open.has(l.id));
          if (lines.length === 0)
            return {
              ...emptyResult(stream, input.batchId),
              status: "up-to-date",
              skippedUnderLock,
              replayed: 0,
              replayedElsewhere,
            };
          continue;
        }
      }
      const recheck = lines
        ? undefined
        : !input.reimport
          ? buildLedgerLookup(stream, input.range)
          : input.requestId !== undefined
            ? buildReimportLookup(stream, input.range, input.requestId)
            : undefined;
      if (recheck) {
        const { rows } = await client.query<{ file_key: string }>(recheck);
        const loaded = new Set(rows.map((r) => r.file_key));
        const fresh = files.filter((f) => !loaded.has(f.key));
        if (fresh.length < files.length) {
          await client.query("ROLLBACK");
          await dropStaged(client, target);
          skippedUnderLock += files.length - fresh.length;
          files = fresh;
          if (files.length === 0)
            return { ...emptyResult(stream, input.batchId), status: "up-to-date", skippedUnderLock };
          continue;
        }
      }
      const result = await merge(input, target, staged, startedAt, lines);
      return { ...result, skippedUnderLock, ...(lines && { replayedElsewhere }) };
    }
  } catch (error) {
    await rollbackQuietly(client);
    await dropQuietly(client, target);
    if (
      error instanceof TooManyRejectedError &&
      error.rejected.length === 0 &&
      driver.rejectedAfterRollback
    ) {
      const details = await driver.rejectedAfterRollback(client);
      if (details && details.count > 0) {
        error.rejected = details.records;
        error.rejectedCount = details.count;
      }
    }
    throw error;
  }
}

async function setStatementTimeout(input: BatchInput, floorMs?: number): Promise<void> {
  const timeout = statementTimeoutFor(input, Date.now(), floorMs);
  if (timeout !== undefined) await input.client.query(buildStatementTimeout(timeout));
}

/** Stage transaction: create the temp table, fill it, read its statistics; no table lock taken. */
async function stage(
  input: BatchInput,
  target: MergeTarget,
  files: readonly PlannedFile[],
  lines: readonly ReplayLine[] | undefined,
): Promise<StagedBatch> {
  const { client, driver } = input;
  await setStatementTimeout(input);
  await client.query("BEGIN");
  if (input.workMemMb && driver.dialect === "postgres") await client.query(buildWorkMem(input.workMemMb));
  await client.query(buildCreateStaging(target, input.columns, driver.dialect));
  // Every rejected line of the stage goes here; the merge moves them into loader.rejected_records.
  await client.query(buildCreateRejects(target, driver.dialect));
  const request: StageRequest = {
    client,
    stream: input.stream,
    batchId: input.batchId,
    staging: target.staging,
    columns: stagingColumns(input.columns, target),
    target,
    targetColumns: input.columns,
    rejectsTable: rejectsTableName(target),
    checks: targetChecks(input.columns, target),
    files,
    maxErrors: input.maxErrors,
    ...(input.onProgress && { onProgress: input.onProgress }),
  };
  const staged = lines ? await driver.stageLines(request, lines) : await driver.stage(request);
  // The statistics as the stage counted them (no row refused: it made the target's checks), or one
  // scan for them and the reject step's count; the reject step itself (and a second read of the
  // statistics) only when staging holds rows the target refuses.
  let stats = staged.stats
    ? { ...staged.stats, refused: 0 }
    : await stagingStats(client, target, driver.dialect, input.columns);
  let outcome = staged;
  if (stats.refused > 0) {
    outcome = await rejectInStaging({
      client,
      stream: input.stream,
      target,
      columns: input.columns,
      maxErrors: input.maxErrors,
      staged,
      replay: lines !== undefined,
    });
    stats = await stagingStats(client, target, driver.dialect);
  }
  // Autovacuum never analyzes temp tables; Redshift's COPY into an empty table analyzes it itself.
  if (driver.dialect === "postgres") await client.query(buildAnalyzeStaging(target));
  await client.query("COMMIT");
  return {
    files,
    outcome,
    rowsStaged: stats.rowsStaged,
    distinctKeys: stats.distinctKeys,
    ...(stats.bounds && { bounds: stats.bounds }),
  };
}

/** The staging statistics (buildStagingStats); with `columns`, also how many rows the target refuses. */
async function stagingStats(
  client: BatchInput["client"],
  target: MergeTarget,
  dialect: BatchInput["driver"]["dialect"],
  columns?: readonly StagingColumn[],
): Promise<{ rowsStaged: number; distinctKeys: number; refused: number; bounds?: { min: Date; max: Date } }> {
  const { rows } = await client.query<{
    rows_staged: unknown;
    distinct_keys: unknown;
    min_sort: Date | null;
    max_sort: Date | null;
    refused?: unknown;
  }>(buildStagingStats(target, dialect, columns));
  const stats = rows[0];
  return {
    rowsStaged: count(stats?.rows_staged),
    distinctKeys: count(stats?.distinct_keys),
    refused: count(stats?.refused ?? 0),
    ...(stats?.min_sort &&
      stats.max_sort && { bounds: { min: new Date(stats.min_sort), max: new Date(stats.max_sort) } }),
  };
}

/** Under the lock: delete what the batch replaces, insert, record, commit. */
async function merge(
  input: BatchInput,
  target: MergeTarget,
  staged: StagedBatch,
  startedAt: Date,
  lines?: readonly ReplayLine[],
): Promise<BatchResult> {
  const { client, driver, stream } = input;
  const { files, rowsStaged } = staged;
  // PostgreSQL's staging statistics count distinct key hashes: exact when every key is distinct,
  // a lower bound otherwise (see buildStagingStats). Below rowsStaged, the exact count comes from the
  // deduping insert (one row per key), or, where the re-import needs it first, from a count.
  let distinctKeys = staged.distinctKeys;
  const distinctExact = driver.dialect !== "postgres" || distinctKeys === rowsStaged;
  const options = { windowHours: input.dedupeWindowHours ?? 0 };
  let replaced = 0;
  let written = 0;
  let unchanged = 0;
  if (rowsStaged > 0 && staged.bounds) {
    if (!distinctExact && input.reimport) {
      // The exact form (COUNT(DISTINCT key)) of the staging statistics.
      const { rows } = await client.query<{ distinct_keys: unknown }>(buildStagingStats(target));
      distinctKeys = count(rows[0]?.distinct_keys);
    }
    // A re-import mostly brings rows the table already has: on PostgreSQL they are left alone instead
    // of deleted and written again (Redshift: see docs/loading.md). First a read-only count: when
    // every staged row is unchanged, nothing is written; when only some are, they leave staging.
    if (input.reimport && driver.dialect === "postgres") {
      let identical = -1;
      if (distinctKeys === rowsStaged) {
        const { rows } = await client.query<{ unchanged: unknown }>(
          buildCountUnchanged(target, staged.bounds, options),
        );
        identical = count(rows[0]?.unchanged);
      }
      if (identical === distinctKeys) unchanged = identical;
      else if (identical !== 0) {
        const { rows } = await client.query<{ unchanged: unknown }>(
          buildDropUnchanged(target, staged.bounds, options),
        );
        unchanged = count(rows[0]?.unchanged);
      }
    }
    if (unchanged < distinctKeys) {
      const deleted = await client.query(buildDeleteReplaced(target, staged.bounds, options));
      replaced = deleted.rowCount ?? 0;
      const inserted = await client.query(
        buildInsertFromStaging(target, { dedupe: distinctKeys < rowsStaged }),
      );
      written = inserted.rowCount ?? 0;
      // Not a re-import (which counted above): the deduping insert wrote one row per staged key.
      if (!distinctExact && !input.reimport) distinctKeys = written;
    }
  }

  const finishedAt = input.now();
  if (input.reimport) {
    for (const statement of buildLedgerForget(
      stream,
      files.map((f) => f.key),
    ))
      await client.query(statement);
  }
  for (const statement of buildLedgerRecord(
    stream,
    input.batchId,
    files,
    finishedAt,
    undefined,
    input.reimport ? input.requestId : undefined,
  ))
    await client.query(statement);
  const bytes = totalBytes(files);
  const result: BatchResult = {
    ...emptyResult(stream, input.batchId),
    status: "loaded",
    files: files.length,
    bytes,
    rowsStaged,
    inserted: written - replaced,
    replaced,
    unchanged,
    duplicatesDropped: rowsStaged - distinctKeys,
    rejected: staged.outcome.rejectedCount,
    rejectedRecords: staged.outcome.rejected,
    stagingMethod: staged.outcome.method,
    skippedUnderLock: 0,
  };
  await client.query(
    buildBatchRecord({
      batchId: input.batchId,
      stream,
      range: input.range,
      reimport: input.reimport,
      driver: driver.name,
      files: result.files,
      bytes,
      rowsStaged,
      rowsInserted: result.inserted,
      rowsReplaced: replaced,
      duplicatesDropped: result.duplicatesDropped,
      rejected: result.rejected,
      startedAt,
      finishedAt,
    }),
  );
  // The quarantine, in the same transaction: new rejects in; for a replay, the lines that loaded are
  // marked replayed (only while still unreplayed) and the lines still bad count another attempt.
  if (staged.outcome.rejectedCount > 0)
    await client.query(
      buildQuarantineInsert(target, { stream, batchId: input.batchId, rejectedAt: finishedAt }),
    );
  if (lines) {
    if (staged.outcome.rejectedCount > 0) await client.query(buildQuarantineRetry(target));
    let replayed = 0;
    for (const statement of buildQuarantineReplayed(
      target,
      lines.map((l) => l.id),
      { batchId: input.batchId, replayedAt: finishedAt },
    ))
      replayed += (await client.query(statement)).rowCount ?? 0;
    result.replayed = replayed;
  }
  await dropStaged(client, target);
  await client.query("COMMIT");
  return result;
}

/** The statements a batch would run, for --dry-run (ledger values stay parameters). */
export async function describeBatch(input: Omit<BatchInput, "onProgress" | "now">): Promise<string[]> {
  const target = mergeTarget(input);
  const keys = input.files.map((f) => f.key);
  const stage = await input.driver.describeStage({
    client: input.client,
    stream: input.stream,
    batchId: input.batchId,
    staging: target.staging,
    columns: stagingColumns(input.columns, target),
    target,
    targetColumns: input.columns,
    rejectsTable: rejectsTableName(target),
    checks: targetChecks(input.columns, target),
    files: input.files,
    maxErrors: input.maxErrors,
  });
  const ledgerRecord = buildLedgerRecord(input.stream, input.batchId, input.files, new Date(0));
  const postgres = input.driver.dialect === "postgres";
  const workMem = input.workMemMb && postgres ? [buildWorkMem(input.workMemMb)] : [];
  const timeout = statementTimeoutFor(input, Date.now());
  const setTimeout = timeout === undefined ? [] : [buildStatementTimeout(timeout)];
  const options = { windowHours: input.dedupeWindowHours ?? 0 };
  return [
    "-- stage: no table lock, readers go on",
    ...setTimeout,
    "BEGIN",
    ...workMem,
    buildCreateStaging(target, input.columns, input.driver.dialect),
    buildCreateRejects(target, input.driver.dialect),
    ...stage,
    `${buildStagingStats(target, input.driver.dialect, input.columns)}${postgres ? " -- only when the stage could not count them (see docs/loading.md)" : ""}`,
    `${buildStagingRejects(target, input.columns, 100)} -- this and the next three only when refused > 0`,
    buildRejectsFromStaging(target, input.columns),
    buildDeleteStagingRejects(target, input.columns),
    buildStagingStats(target, input.driver.dialect),
    ...(postgres ? [buildAnalyzeStaging(target)] : []),
    "COMMIT",
    "-- merge: under the lock, in one transaction",
    ...(postgres
      ? [
          `${buildDeadlockTimeout(LOCK_WAIT_CHECK_MS)} -- where permitted: autovacuum yields to the lock sooner`,
        ]
      : []),
    ...setTimeout,
    "BEGIN",
    ...workMem,
    buildLock(input.driver.dialect, target),
    ...(input.reimport ? [] : [buildLedgerLookup(input.stream, input.range).text]),
    ...(input.reimport && postgres ? [buildDropUnchanged(target, "staged", options)] : []),
    buildDeleteReplaced(target, "staged", options),
    buildInsertFromStaging(target, { dedupe: true }),
    ...(input.reimport ? buildLedgerForget(input.stream, keys).map((s) => s.text) : []),
    ...ledgerRecord.map(
      (s) =>
        `${s.text.replace(/VALUES \(.*/, "VALUES ($1, $2, $3, $4, $5, $6), ...")} -- ${s.values.length / 6} files`,
    ),
    buildBatchRecord({
      batchId: input.batchId,
      stream: input.stream,
      range: input.range,
      reimport: input.reimport,
      driver: input.driver.name,
      files: 0,
      bytes: 0,
      rowsStaged: 0,
      rowsInserted: 0,
      rowsReplaced: 0,
      duplicatesDropped: 0,
      rejected: 0,
      startedAt: new Date(0),
      finishedAt: new Date(0),
    }).text,
    `${buildQuarantineInsert(target, { stream: input.stream, batchId: input.batchId, rejectedAt: new Date(0) }).text} -- only when there are rejects`,
    buildDropStaging(target),
    buildDropRejects(target),
    "COMMIT",
  ];
}

function emptyResult(stream: string, batchId: string): BatchResult {
  const { durationMs: _, ...zero } = ZERO_COUNTS;
  return { ...zero, stream, status: "up-to-date", batchId, rejectedRecords: [], skippedUnderLock: 0 };
}

/** Staging and its rejects table go together. */
async function dropStaged(client: pg.ClientBase, target: MergeTarget): Promise<void> {
  await client.query(buildDropStaging(target));
  await client.query(buildDropRejects(target));
}

/** After a failure: the staging table may exist (stage committed) or not; it must not outlive the batch. */
async function dropQuietly(client: pg.ClientBase, target: MergeTarget): Promise<void> {
  try {
    await client.query(buildDropStaging(target, { ifExists: true }));
    await client.query(buildDropRejects(target, { ifExists: true }));
  } catch {
    // The connection is gone, and its temp tables with it.
  }
}

async function rollbackQuietly(client: pg.ClientBase): Promise<void> {
  try {
    await client.query("ROLLBACK");
  } catch {
    // The connection is gone; the server rolls the transaction back itself.
  }
}
