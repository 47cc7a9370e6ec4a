// `load status`: gathers the grid's inputs — the S3 listing of every hour prefix and the ledger rows,
// batch counts and failed attempts of the range — then builds the grid (status/grid.ts). Reads only;
// the stream tables are never scanned.
import type { S3Client } from "@aws-sdk/client-s3";
import {
  buildFailedBatchesQuery,
  buildStatusLedgerQuery,
  type HourRange,
  hoursOf,
  LEDGER_SCHEMA,
  streamPrefix,
} from "@kr/copy-builder";
import type pg from "pg";
import type { LoaderConfig } from "../config";
import { ConfigError } from "../errors";
import { resolveRequest } from "../load";
import { mapLimit } from "../map-limit";
import { listHourObjects } from "../s3-objects";
import { type Connect, CREATE_TABLES_HINT, endQuietly, isUndefinedTable } from "../warehouse";
import {
  buildStatus,
  type FailedAttempt,
  type LedgerEntry,
  type StatusReport,
  type StreamInput,
} from "./grid";
import { runVerify, type VerifyProgress } from "./verify";

export interface StatusRequest {
  from?: string;
  to?: string;
  streams?: readonly string[];
  /** Also read every object of the range and reconcile each hour (status/verify.ts). */
  verify?: boolean;
}

export interface StatusDeps {
  s3: S3Client;
  connect: Connect;
  now?: () => Date;
  onVerifyProgress?: (progress: VerifyProgress) => void;
}

const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

export async function runStatus(
  config: LoaderConfig,
  request: StatusRequest,
  deps: StatusDeps,
): Promise<StatusReport> {
  const now = (deps.now ?? (() => new Date()))();
  const { range, streams } = resolveRequest(config, request, now);
  const hours = hoursOf(range);
  const client = await deps.connect();
  let inputs: StreamInput[];
  try {
    const warehouse = [];
    for (const stream of streams) {
      warehouse.push({ stream, ...(await readLedger(client, stream, range)) });
    }
    inputs = await mapLimit(warehouse, warehouse.length, async (w) => ({
      ...w,
      objects: await listHourObjects(
        deps.s3,
        config.source.bucket,
        streamPrefix(w.stream),
        hours,
        config.load.listConcurrency,
      ),
    }));
  } finally {
    await endQuietly(client);
  }
  const status = buildStatus({ range, now, streams: inputs, allStreams: config.streams });
  if (!request.verify) return status;
  const { verify: _verify, ...scope } = request;
  const verify = await runVerify(config, scope, {
    s3: deps.s3,
    connect: deps.connect,
    now: () => now,
    ...(deps.onVerifyProgress && { onProgress: deps.onVerifyProgress }),
  });
  return { ...status, verify };
}

async function readLedger(
  client: pg.ClientBase,
  stream: string,
  range: HourRange,
): Promise<{ ledger: LedgerEntry[]; failed: FailedAttempt[] }> {
  let ledger: LedgerEntry[];
  try {
    const { rows } = await client.query<{
      file_key: string;
      file_hour: Date;
      size_bytes: unknown;
      batch_id: string;
      loaded_at: Date;
      batch_bytes: unknown;
      batch_rows: unknown;
    }>(buildStatusLedgerQuery(stream, range));
    ledger = rows.map((r) => ({
      key: r.file_key,
      hour: new Date(r.file_hour),
      size: Number(r.size_bytes),
      batchId: r.batch_id,
      loadedAt: new Date(r.loaded_at),
      batchBytes: num(r.batch_bytes),
      batchRows: num(r.batch_rows),
    }));
  } catch (error) {
    if (isUndefinedTable(error))
      throw new ConfigError(
        `the loader ledger (${LEDGER_SCHEMA}.loaded_files) does not exist: ${CREATE_TABLES_HINT}`,
      );
    throw error;
  }
  try {
    const { rows } = await client.query<{
      batch_id: string;
      file_hour_from: Date;
      file_hour_to: Date;
      error: string;
      failed_at: Date;
    }>(buildFailedBatchesQuery(stream, range));
    const failed = rows.map((r) => ({
      batchId: r.batch_id,
      hourFrom: new Date(r.file_hour_from),
      hourTo: new Date(r.file_hour_to),
      error: r.error,
      failedAt: new Date(r.failed_at),
    }));
    return { ledger, failed };
  } catch (error) {
    if (isUndefinedTable(error))
      throw new ConfigError(
        `${LEDGER_SCHEMA}.failed_batches does not exist (added with the status grid): ${CREATE_TABLES_HINT}`,
      );
    throw error;
  }
}
