// `status --verify`: reads every object of the range (gunzip and line splitting as the loader stages
// them), counts each hour's records and keys, asks the stream table how many rows hold those keys and
// the ledger what its batches rejected, then reconciles each hour (status/reconcile.ts). Its cost is
// the range's bytes read once, plus one indexed/zone-mapped COUNT per 1,000 keys; reads only.
import type { S3Client } from "@aws-sdk/client-s3";
import {
  buildVerifyLedgerQuery,
  buildVerifyRowsQuery,
  DEFAULT_KEYS,
  formatHour,
  hoursOf,
  mergeBounds,
  STREAM_TABLES,
  streamPrefix,
  VERIFY_KEYS_CHUNK,
} from "@kr/copy-builder";
import type pg from "pg";
import type { LoaderConfig } from "../config";
import { resolveRequest } from "../load";
import { listHourObjects, type PlannedFile, totalBytes } from "../s3-objects";
// Single modules, not staging/index: the Lambda runs verify, and must not carry the staging engine.
import { isBlank, LineSplitter } from "../staging/line-splitter";
import { s3StageSource } from "../staging/s3-source";
import { openAhead } from "../staging/sources";
import { type Connect, endQuietly } from "../warehouse";
import {
  type HourReconciliation,
  type HourScan,
  reconcileHour,
  unreconciledByStream,
  type VerifyLedgerFile,
  type VerifyReport,
} from "./reconcile";

export interface VerifyRequest {
  from?: string;
  to?: string;
  streams?: readonly string[];
}

export interface VerifyProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface VerifyDeps {
  s3: S3Client;
  connect: Connect;
  now?: () => Date;
  onProgress?: (progress: VerifyProgress) => void;
  /** Epoch ms: past it, verify stops with VerifyDeadlineError (the scheduled Lambda's time). */
  deadline?: number;
}

export class VerifyDeadlineError extends Error {
  constructor(done: VerifyProgress) {
    super(`verify ran out of time after ${done.filesDone} of ${done.filesTotal} objects`);
    this.name = "VerifyDeadlineError";
  }
}

/** Objects downloaded and gunzipped ahead of the one being counted. */
const READ_AHEAD = 4;
const PREFETCH_BYTES = 4 * 1024 * 1024;

export async function runVerify(
  config: LoaderConfig,
  request: VerifyRequest,
  deps: VerifyDeps,
): Promise<VerifyReport> {
  const started = Date.now();
  const now = (deps.now ?? (() => new Date()))();
  const { range, streams } = resolveRequest(config, request, now);
  const hours = hoursOf(range);
  const listed = await Promise.all(
    streams.map((stream) =>
      listHourObjects(
        deps.s3,
        config.source.bucket,
        streamPrefix(stream),
        hours,
        config.load.listConcurrency,
      ),
    ),
  );
  const bytesTotal = totalBytes(listed.flat());
  const filesTotal = listed.flat().length;
  const progress = { filesDone: 0, filesTotal, bytesDone: 0, bytesTotal };
  deps.onProgress?.({ ...progress });
  const results: HourReconciliation[] = [];
  const checkDeadline = () => {
    if (deps.deadline !== undefined && Date.now() > deps.deadline) throw new VerifyDeadlineError(progress);
  };
  const client = await deps.connect();
  try {
    for (const [index, stream] of streams.entries()) {
      const objects = listed[index] ?? [];
      const ledger = await readVerifyLedger(client, stream, range);
      const keys = STREAM_TABLES[stream] ?? DEFAULT_KEYS;
      const target = { schema: config.warehouse.schema, table: stream, key: keys.key, sortKey: keys.sortKey };
      const rejectsLeft = new Map<string, number>();
      for (const hour of hours) {
        const name = formatHour(hour);
        const hourObjects = objects.filter((o) => formatHour(o.hour) === name);
        const hourLedger = ledger.filter((f) => formatHour(f.hour) === name);
        const counted = await countHour(
          deps.s3,
          config.source.bucket,
          stream,
          hour,
          hourObjects,
          target,
          (f) => {
            progress.filesDone++;
            progress.bytesDone += f.size;
            deps.onProgress?.({ ...progress });
          },
        );
        let rows = 0;
        if (counted.keys.size > 0 && counted.bounds) {
          const bounds = mergeBounds(counted.bounds, { windowHours: config.load.dedupeWindowHours });
          const all = [...counted.keys];
          for (let i = 0; i < all.length; i += VERIFY_KEYS_CHUNK) {
            const { rows: found } = await client.query<{ rows: unknown }>(
              buildVerifyRowsQuery(target, all.slice(i, i + VERIFY_KEYS_CHUNK), bounds),
            );
            rows += Number(found[0]?.rows ?? 0);
            checkDeadline();
          }
        }
        results.push(
          reconcileHour(
            counted.scan,
            hourLedger,
            hourObjects.map((o) => o.key),
            rows,
            rejectsLeft,
          ),
        );
      }
    }
  } finally {
    await endQuietly(client);
  }
  return {
    range: { from: formatHour(range.from), to: formatHour(range.to), hours: hours.length },
    hours: results,
    unreconciled: unreconciledByStream(streams, results),
    files: filesTotal,
    bytes: bytesTotal,
    lines: results.reduce((n, h) => n + h.lines, 0),
    durationMs: Date.now() - started,
  };
}

async function readVerifyLedger(
  client: pg.ClientBase,
  stream: string,
  range: { from: Date; to: Date },
): Promise<VerifyLedgerFile[]> {
  const { rows } = await client.query<{
    file_key: string;
    file_hour: Date;
    batch_id: string;
    rejected: unknown;
    batch_hour_from: Date | null;
    batch_hour_to: Date | null;
  }>(buildVerifyLedgerQuery(stream, range));
  return rows.map((r) => ({
    key: r.file_key,
    hour: new Date(r.file_hour),
    batchId: r.batch_id,
    batchRejected: r.rejected === null || r.rejected === undefined ? null : Number(r.rejected),
    batchHourFrom: r.batch_hour_from ? new Date(r.batch_hour_from) : null,
    batchHourTo: r.batch_hour_to ? new Date(r.batch_hour_to) : null,
  }));
}

interface CountedHour {
  scan: HourScan;
  keys: Set<string>;
  bounds?: { min: Date; max: Date };
}

/** Reads the hour's objects: records, records with a key, distinct keys, the sort key's range. */
async function countHour(
  s3: S3Client,
  bucket: string,
  stream: string,
  hour: Date,
  objects: readonly PlannedFile[],
  target: { key: string; sortKey: string },
  onFile: (file: PlannedFile) => void,
): Promise<CountedHour> {
  const keys = new Set<string>();
  let lines = 0;
  let keyedLines = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const onLine = (buf: Buffer, start: number, end: number) => {
    if (isBlank(buf, start, end)) return;
    lines++;
    let record: unknown;
    try {
      record = JSON.parse(buf.toString("utf8", start, end));
    } catch {
      return;
    }
    if (typeof record !== "object" || record === null) return;
    const fields = record as Record<string, unknown>;
    const key = fields[target.key];
    if (typeof key !== "string") return;
    keyedLines++;
    keys.add(key);
    const sort = fields[target.sortKey];
    const at = typeof sort === "string" || typeof sort === "number" ? new Date(sort).getTime() : Number.NaN;
    if (Number.isFinite(at)) {
      if (at < min) min = at;
      if (at > max) max = at;
    }
  };
  const sources = objects.map((o) => s3StageSource(s3, bucket, o));
  for await (const opened of openAhead(sources, READ_AHEAD, PREFETCH_BYTES)) {
    const splitter = new LineSplitter(onLine);
    for (let chunk = await opened.next(); chunk !== null; chunk = await opened.next()) splitter.push(chunk);
    splitter.end();
    onFile(objects.find((o) => o.key === opened.source.key) as PlannedFile);
  }
  return {
    scan: {
      stream,
      hour,
      files: objects.length,
      bytes: objects.reduce((n, o) => n + o.size, 0),
      lines,
      keyedLines,
      distinctKeys: keys.size,
    },
    keys,
    ...(Number.isFinite(min) && { bounds: { min: new Date(min), max: new Date(max) } }),
  };
}
