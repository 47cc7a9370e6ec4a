// PostgreSQL (PGlite locally, a server in CI): the loader itself streams the S3 objects into the
// staging table, with the method the server supports (see ../staging).

import { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  buildInsertRejects,
  MULTI_LINE_REASON,
  QUARANTINE_CHUNK,
  quoteIdent,
  RAW_LINE_MAX_BYTES,
} from "@kr/copy-builder";
import type pg from "pg";
import { TooManyRejectedError } from "../errors";
import {
  copyFromStdin,
  detectStagingMethod,
  type RejectedRecord,
  type StageSource,
  type StagingMethod,
  s3StageSource,
  stageObjects,
  TableRejectWriter,
  TooManyRejectedRecordsError,
} from "../staging/index";
import type { ReplayLine, StageOutcome, StageRequest, WarehouseDriver } from "./types";

/** The source key of replayed lines (a line's number is its place in the replayed set). */
const REPLAY_SOURCE = "loader.rejected_records";

export interface PostgresDriverOptions {
  s3: S3Client;
  bucket: string;
  /** Objects downloaded and gunzipped ahead of the one being staged. */
  concurrency: number;
  /** Forces a staging method; by default it is detected from the server. */
  method?: StagingMethod;
}

/** runBatch creates the staging table in the stage's own transaction (see StageRequest): COPY FREEZE. */
const STAGING_IS_NEW = true;

export function createPostgresDriver(options: PostgresDriverOptions): WarehouseDriver {
  const methods = new WeakMap<pg.ClientBase, StagingMethod>();
  const methodFor = async (client: pg.ClientBase): Promise<StagingMethod> => {
    if (options.method) return options.method;
    let method = methods.get(client);
    if (!method) {
      method = await detectStagingMethod(client);
      methods.set(client, method);
    }
    return method;
  };

  /** The one stage path: files and replayed lines go through the same encoder and checks. */
  const run = async (
    request: StageRequest,
    sources: StageSource[],
    rejects: TableRejectWriter | undefined,
    maxErrors: number,
  ): Promise<StageOutcome & { rejected: RejectedRecord[] }> => {
    const method = await methodFor(request.client);
    try {
      const result = await stageObjects(
        request.client,
        {
          table: quoteIdent(request.staging, "staging table"),
          columns: [...request.columns],
          createdInTransaction: STAGING_IS_NEW,
        },
        sources,
        {
          maxErrors,
          method,
          concurrency: options.concurrency,
          // Redshift stages each line as raw text in a VARCHAR(65535): a longer line is one reject on both.
          maxLineBytes: RAW_LINE_MAX_BYTES,
          ...(rejects && { rejects }),
          // With the target's checks made here, every staged row is one the target takes, so the
          // staging statistics can be counted on the way instead of read back (see ../batch.ts).
          ...(request.checks && {
            checks: request.checks,
            keyStats: { key: request.target.key, sortKey: request.target.sortKey },
          }),
          ...(request.onProgress && { onProgress: request.onProgress }),
        },
      );
      return {
        method,
        rejectedCount: result.rejectedCount,
        rejected: result.rejected,
        ...(result.keyStats && { stats: { rowsStaged: result.rowsStaged, ...result.keyStats } }),
      };
    } catch (error) {
      if (error instanceof TooManyRejectedRecordsError) {
        throw new TooManyRejectedError(
          request.stream,
          error.result.rejectedCount,
          request.maxErrors,
          error.result.rejected,
          error,
        );
      }
      throw error;
    }
  };

  return {
    name: "postgres",
    dialect: "postgres",
    streamConcurrency: 4,

    async stage(request: StageRequest): Promise<StageOutcome> {
      const sources = request.files.map((file) => s3StageSource(options.s3, options.bucket, file));
      const rejects =
        request.rejectsTable === undefined
          ? undefined
          : new TableRejectWriter(request.client, request.rejectsTable);
      return run(request, sources, rejects, request.maxErrors);
    },

    async stageLines(request: StageRequest, lines: readonly ReplayLine[]): Promise<StageOutcome> {
      // One raw_line is one line: a value someone edited into several lines is still bad.
      const multi = lines.filter((l) => l.raw.includes("\n"));
      const single = lines.filter((l) => !l.raw.includes("\n"));
      const idOf = (line: number) => (single[line - 1] as ReplayLine).id;
      const table = request.rejectsTable;
      if (table === undefined) throw new Error("a replay needs the batch's rejects table");
      const rejects = new TableRejectWriter(request.client, table, (rejected) => ({
        fileKey: null,
        line: null,
        raw: rejected.raw,
        reason: rejected.reason,
        quarantineId: idOf(rejected.line),
      }));
      const source: StageSource = {
        key: REPLAY_SOURCE,
        size: single.reduce((n, l) => n + Buffer.byteLength(l.raw) + 1, 0),
        async open() {
          return Readable.from(single.map((l) => Buffer.from(`${l.raw}\n`)));
        },
      };
      const outcome = await run(request, [source], rejects, request.maxErrors);
      for (let i = 0; i < multi.length; i += QUARANTINE_CHUNK) {
        const part = multi.slice(i, i + QUARANTINE_CHUNK).map((l) => ({
          fileKey: null,
          line: null,
          raw: l.raw,
          reason: MULTI_LINE_REASON,
          quarantineId: l.id,
        }));
        await request.client.query(buildInsertRejects(table, part));
      }
      const rejected = [
        ...outcome.rejected.map((r) => ({ ...r, key: `${REPLAY_SOURCE} id ${idOf(r.line)}`, line: 0 })),
        ...multi.map((l) => ({
          key: `${REPLAY_SOURCE} id ${l.id}`,
          line: 0,
          reason: MULTI_LINE_REASON,
          raw: l.raw.slice(0, 256),
        })),
      ].slice(0, 100);
      return { method: outcome.method, rejectedCount: outcome.rejectedCount + multi.length, rejected };
    },

    async describeStage(request) {
      const method = await methodFor(request.client);
      const columns = request.columns.map((c) => quoteIdent(c.name, "column")).join(", ");
      const table = quoteIdent(request.staging, "staging table");
      const how =
        method === "copy-from-stdin"
          ? copyFromStdin(table, request.columns, STAGING_IS_NEW)
          : `INSERT INTO ${table} (${columns}) SELECT ... FROM jsonb_populate_recordset(NULL::${table}, $1) -- batches of rows`;
      return [
        `-- ${method}: ${request.files.length} objects from s3://${options.bucket}, gunzipped and validated by the loader\n${how}`,
      ];
    },
  };
}
