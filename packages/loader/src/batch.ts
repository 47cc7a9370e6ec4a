// One batch = one stream's files in one transaction: lock → re-check the ledger → stage → merge →
// record. Either all of it commits or none of it does, so a failure (or a killed loader) leaves the
// warehouse exactly as it was.
import {
  buildBatchRecord,
  buildCreateStaging,
  buildDeleteReplaced,
  buildDropStaging,
  buildInsertFromStaging,
  buildLedgerForget,
  buildLedgerLookup,
  buildLedgerRecord,
  buildLock,
  buildStagingStats,
  type HourRange,
  type MergeTarget,
  stagingTableName,
} from "@kr/copy-builder";
import type pg from "pg";
import type { StageRequest, WarehouseDriver } from "./drivers/types";
import { TooManyRejectedError } from "./errors";
import { type StreamReport, ZERO_COUNTS } from "./report";
import type { PlannedFile } from "./s3-objects";
import type { StageProgress, StagingColumn } from "./staging/index";

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
  batchId: string;
  maxErrors: number;
  now: () => Date;
  onProgress?: (progress: StageProgress) => void;
}

export type BatchResult = Omit<StreamReport, "table" | "skippedFiles" | "durationMs"> & {
  skippedUnderLock: number;
};

export function mergeTarget(
  input: Pick<BatchInput, "stream" | "schema" | "columns" | "key" | "sortKey">,
): MergeTarget {
  return {
    schema: input.schema,
    table: input.stream,
    staging: stagingTableName(input.stream),
    columns: input.columns.map((c) => c.name),
    key: input.key,
    sortKey: input.sortKey,
  };
}

const count = (value: unknown) => Number(value ?? 0);

export async function runBatch(input: BatchInput): Promise<BatchResult> {
  const { client, driver, stream } = input;
  const target = mergeTarget(input);
  const startedAt = input.now();
  await client.query("BEGIN");
  try {
    // LOCK comes first: on Redshift the snapshot then starts after the previous loader committed.
    await client.query(buildLock(driver.dialect, target));

    // A loader that held the lock before us may have loaded some of these files meanwhile.
    let files = input.files;
    let skippedUnderLock = 0;
    if (!input.reimport) {
      const { rows } = await client.query<{ file_key: string }>(buildLedgerLookup(stream, input.range));
      const loaded = new Set(rows.map((r) => r.file_key));
      files = files.filter((f) => !loaded.has(f.key));
      skippedUnderLock = input.files.length - files.length;
    }
    if (files.length === 0) {
      await client.query("COMMIT");
      return { ...emptyResult(stream, input.batchId), status: "up-to-date", skippedUnderLock };
    }

    await client.query(buildCreateStaging(target));
    const request: StageRequest = {
      client,
      stream,
      batchId: input.batchId,
      staging: target.staging,
      columns: input.columns,
      files,
      maxErrors: input.maxErrors,
      ...(input.onProgress && { onProgress: input.onProgress }),
    };
    const staged = await driver.stage(request);

    const { rows } = await client.query<{
      rows_staged: unknown;
      distinct_keys: unknown;
      min_sort: Date | null;
      max_sort: Date | null;
    }>(buildStagingStats(target));
    const stats = rows[0];
    const rowsStaged = count(stats?.rows_staged);
    const distinctKeys = count(stats?.distinct_keys);
    let replaced = 0;
    let written = 0;
    if (rowsStaged > 0 && stats?.min_sort && stats.max_sort) {
      const deleted = await client.query(
        buildDeleteReplaced(target, { min: new Date(stats.min_sort), max: new Date(stats.max_sort) }),
      );
      replaced = deleted.rowCount ?? 0;
      const inserted = await client.query(
        buildInsertFromStaging(target, { dedupe: distinctKeys < rowsStaged }),
      );
      written = inserted.rowCount ?? 0;
    }

    const finishedAt = input.now();
    if (input.reimport) {
      for (const statement of buildLedgerForget(
        stream,
        files.map((f) => f.key),
      ))
        await client.query(statement);
    }
    for (const statement of buildLedgerRecord(stream, input.batchId, files, finishedAt))
      await client.query(statement);
    const bytes = files.reduce((n, f) => n + f.size, 0);
    const result: BatchResult = {
      ...emptyResult(stream, input.batchId),
      status: "loaded",
      files: files.length,
      bytes,
      rowsStaged,
      inserted: written - replaced,
      replaced,
      duplicatesDropped: rowsStaged - distinctKeys,
      rejected: staged.rejectedCount,
      rejectedRecords: staged.rejected,
      stagingMethod: staged.method,
      skippedUnderLock,
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
    await client.query(buildDropStaging(target));
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await rollbackQuietly(client);
    if (
      error instanceof TooManyRejectedError &&
      error.rejected.length === 0 &&
      driver.rejectedAfterRollback
    ) {
      const details = await driver.rejectedAfterRollback(client);
      if (details) {
        error.rejected = details.records;
        error.rejectedCount = details.count;
      }
    }
    throw error;
  }
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
    columns: input.columns,
    files: input.files,
    maxErrors: input.maxErrors,
  });
  const ledgerRecord = buildLedgerRecord(input.stream, input.batchId, input.files, new Date(0));
  return [
    "BEGIN",
    buildLock(input.driver.dialect, target),
    ...(input.reimport ? [] : [buildLedgerLookup(input.stream, input.range).text]),
    buildCreateStaging(target),
    ...stage,
    buildStagingStats(target),
    buildDeleteReplaced(target, "staged"),
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
    buildDropStaging(target),
    "COMMIT",
  ];
}

function emptyResult(stream: string, batchId: string): BatchResult {
  const { durationMs: _, ...zero } = ZERO_COUNTS;
  return { ...zero, stream, status: "up-to-date", batchId, rejectedRecords: [], skippedUnderLock: 0 };
}

async function rollbackQuietly(client: pg.ClientBase): Promise<void> {
  try {
    await client.query("ROLLBACK");
  } catch {
    // The connection is gone; the server rolls the transaction back itself.
  }
}
