// Redshift: write a manifest of the batch's files to the manifest bucket, then one COPY per batch
// (two if a batch mixes GZIP and plain objects) of every line as raw text; then SQL parses each line
// into a staging row or a reject (copy-builder raw-lines.ts). Lines the COPY itself refuses (too
// long, invalid UTF-8) are read back from sys_load_error_detail; the others are rejected in SQL with
// their raw line. Both spend one LOAD_MAX_ERRORS budget.
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  buildCopy,
  buildCreateParsedLines,
  buildCreateRawLines,
  buildDropRawLines,
  buildInsertParsed,
  buildInsertRawLines,
  buildInsertRejects,
  buildLoadErrorsQuery,
  buildLoadErrorsSinceQuery,
  buildManifest,
  buildParsedRejects,
  buildParseRawLines,
  buildRejectsFromLoadErrors,
  buildRejectsFromParsed,
  buildStageMark,
  MULTI_LINE_REASON,
  manifestKey,
  QUARANTINE_CHUNK,
  rawLinesTableName,
  s3Url,
} from "@kr/copy-builder";
import type pg from "pg";
import { TooManyRejectedError } from "../errors";
import type { PlannedFile } from "../s3-objects";
import type { RejectedRecord } from "../staging/index";
import type { StageOutcome, StageRequest, WarehouseDriver } from "./types";

export interface RedshiftDriverOptions {
  /** Client for the manifest bucket (account B). */
  manifestS3: S3Client;
  manifestBucket: string;
  /** The events bucket the manifest entries point at (account A). */
  sourceBucket: string;
  iamRoles: "default" | readonly string[];
  /** Region of the buckets, when it differs from the cluster's. */
  region?: string;
  /**
   * Runs instead of one COPY statement: fills `linesTable` with the lines of `request.files` and
   * records what it refused where sys_load_error_detail would. Tests use it to run the rest of the
   * Redshift statement sequence on PostgreSQL, the error read-back and the SQL parse included.
   */
  copyStep?: (request: StageRequest & { linesTable: string }, copySql: string) => Promise<void>;
}

const REJECTED_SAMPLE = 100;

/** Rows per INSERT of replayed lines, and at most about 1 MiB of them (Redshift's statement limit is 16 MB). */
function* chunked<T>(items: readonly T[], bytes: (item: T) => number): Generator<T[]> {
  let chunk: T[] = [];
  let size = 0;
  for (const item of items) {
    if (chunk.length > 0 && (chunk.length >= QUARANTINE_CHUNK || size + bytes(item) > 1_048_576)) {
      yield chunk;
      chunk = [];
      size = 0;
    }
    chunk.push(item);
    size += bytes(item);
  }
  if (chunk.length > 0) yield chunk;
}

interface CopyPart {
  files: PlannedFile[];
  gzip: boolean;
  manifestKey: string;
}

function copyParts(request: Pick<StageRequest, "files" | "stream" | "batchId">): CopyPart[] {
  const gzipped = request.files.filter((f) => f.key.endsWith(".gz"));
  const plain = request.files.filter((f) => !f.key.endsWith(".gz"));
  const parts: CopyPart[] = [];
  if (gzipped.length > 0)
    parts.push({ files: gzipped, gzip: true, manifestKey: manifestKey(request.stream, request.batchId) });
  if (plain.length > 0) {
    parts.push({
      files: plain,
      gzip: false,
      manifestKey: manifestKey(request.stream, `${request.batchId}-plain`),
    });
  }
  return parts;
}

/** Redshift's message when MAXERROR is exceeded names the error tables. */
function isLoadErrorLimit(error: unknown): boolean {
  return /load into table .* failed|stl_load_errors|sys_load_error_detail/i.test(
    (error as Error)?.message ?? "",
  );
}

async function readLoadErrors(
  client: pg.ClientBase,
  since?: string,
): Promise<{ count: number; records: RejectedRecord[] }> {
  const query =
    since === undefined
      ? buildLoadErrorsQuery(REJECTED_SAMPLE)
      : buildLoadErrorsSinceQuery(REJECTED_SAMPLE, since);
  const { rows } = await client.query<{
    file_name: string;
    line_number: string | number;
    column_name: string | null;
    error_message: string;
    total: string | number;
  }>(query);
  return {
    count: Number(rows[0]?.total ?? 0),
    records: rows.map((row) => ({
      key: row.file_name.replace(/^s3:\/\/[^/]+\//, ""),
      line: Number(row.line_number),
      reason: row.column_name ? `${row.column_name}: ${row.error_message}` : row.error_message,
      raw: "",
    })),
  };
}

export function createRedshiftDriver(options: RedshiftDriverOptions): WarehouseDriver {
  // The start of each connection's current stage transaction: after a rolled-back COPY its errors are
  // found by session and start time (see buildLoadErrorsSinceQuery).
  const stageMarks = new WeakMap<pg.ClientBase, string>();
  const copySql = (request: Pick<StageRequest, "staging" | "maxErrors">, part: CopyPart, maxErrors: number) =>
    buildCopy({
      table: rawLinesTableName(request.staging),
      manifest: { bucket: options.manifestBucket, key: part.manifestKey },
      iamRoles: options.iamRoles,
      region: options.region,
      maxErrors,
      gzip: part.gzip,
    });

  /** Marks the stage's start (for rejects after a rollback) and creates its raw-lines table. */
  async function startStage(request: StageRequest): Promise<void> {
    const { rows } = await request.client.query<{ mark: string }>(buildStageMark());
    if (rows[0]?.mark) stageMarks.set(request.client, rows[0].mark);
    await request.client.query(buildCreateRawLines(request.target));
  }

  /** Parses every line of the raw-lines table once: a reason rejects it, the rest goes to staging. */
  async function parseAndStage(
    request: StageRequest,
    rejectedBefore: number,
    rejectedSoFar: RejectedRecord[],
  ): Promise<StageOutcome> {
    const { client } = request;
    let rejectedCount = rejectedBefore;
    const rejected = [...rejectedSoFar];
    // Every raw line (the COPY's, or a replay's) is parsed once: a reason rejects it, raw line kept.
    await client.query(buildCreateParsedLines(request.target, request.targetColumns));
    await client.query(buildParseRawLines(request.target, request.targetColumns));
    const { rows } = await client.query<{
      raw_line: string | null;
      reason: string;
      total: string | number;
    }>(buildParsedRejects(request.target, REJECTED_SAMPLE));
    rejectedCount += Number(rows[0]?.total ?? 0);
    rejected.push(
      ...rows.map((row) => ({ key: "(line)", line: 0, reason: row.reason, raw: row.raw_line ?? "" })),
    );
    if (rejectedCount > request.maxErrors) {
      throw new TooManyRejectedError(
        request.stream,
        rejectedCount,
        request.maxErrors,
        rejected.slice(0, REJECTED_SAMPLE),
      );
    }
    if (rows.length > 0 && request.rejectsTable)
      await client.query(buildRejectsFromParsed(request.target, request.rejectsTable));
    await client.query(buildInsertParsed(request.target, request.targetColumns));
    for (const drop of buildDropRawLines(request.target)) await client.query(drop);
    return { method: "copy", rejectedCount, rejected: rejected.slice(0, REJECTED_SAMPLE) };
  }

  return {
    name: "redshift",
    dialect: "redshift",
    // One COPY already spreads over every slice; one stream at a time also keeps the ledger locks short.
    streamConcurrency: 1,

    async stage(request) {
      const { client } = request;
      await startStage(request);
      let rejectedCount = 0;
      const rejected: RejectedRecord[] = [];
      for (const part of copyParts(request)) {
        const manifest = buildManifest(options.sourceBucket, part.files);
        await options.manifestS3.send(
          new PutObjectCommand({
            Bucket: options.manifestBucket,
            Key: part.manifestKey,
            Body: JSON.stringify(manifest),
            ContentType: "application/json",
          }),
        );
        const sql = copySql(request, part, request.maxErrors - rejectedCount);
        let errors: { count: number; records: RejectedRecord[] };
        try {
          if (options.copyStep) {
            const linesTable = rawLinesTableName(request.staging);
            await options.copyStep({ ...request, files: part.files, linesTable }, sql);
          } else {
            await client.query(sql);
          }
          errors = await readLoadErrors(client);
          if (errors.count > 0 && request.rejectsTable)
            await client.query(buildRejectsFromLoadErrors(request.rejectsTable, options.sourceBucket));
        } catch (error) {
          // Details are read after the rollback (rejectedAfterRollback): this transaction is aborted.
          if (isLoadErrorLimit(error))
            throw new TooManyRejectedError(request.stream, 0, request.maxErrors, [], error);
          throw error;
        }
        rejectedCount += errors.count;
        rejected.push(...errors.records);
      }

      return parseAndStage(request, rejectedCount, rejected);
    },

    async stageLines(request, lines) {
      const { client } = request;
      await startStage(request);
      // One raw_line is one line, as in the PostgreSQL driver: an edit that added a newline is bad.
      const multi = lines.filter((l) => l.raw.includes("\n"));
      const single = lines.filter((l) => !l.raw.includes("\n"));
      for (const chunk of chunked(single, (l) => Buffer.byteLength(l.raw)))
        await client.query(buildInsertRawLines(request.target, chunk));
      if (multi.length > 0 && request.rejectsTable) {
        for (const chunk of chunked(multi, (l) => Buffer.byteLength(l.raw))) {
          await client.query(
            buildInsertRejects(
              request.rejectsTable,
              chunk.map((l) => ({
                fileKey: null,
                line: null,
                raw: l.raw,
                reason: MULTI_LINE_REASON,
                quarantineId: l.id,
              })),
            ),
          );
        }
      }
      const rejected = multi.map((l) => ({
        key: "(replay)",
        line: 0,
        reason: MULTI_LINE_REASON,
        raw: l.raw.slice(0, 256),
      }));
      return parseAndStage(request, multi.length, rejected);
    },

    async describeStage(request) {
      return [
        buildStageMark(),
        buildCreateRawLines(request.target),
        ...copyParts(request).flatMap((part) => [
          `-- manifest of ${part.files.length} objects written to ${s3Url(options.manifestBucket, part.manifestKey)}`,
          copySql(request, part, request.maxErrors),
          buildLoadErrorsQuery(REJECTED_SAMPLE),
          ...(request.rejectsTable
            ? [
                `${buildRejectsFromLoadErrors(request.rejectsTable, options.sourceBucket)} -- when it rejected any`,
              ]
            : []),
        ]),
        buildCreateParsedLines(request.target, request.targetColumns),
        buildParseRawLines(request.target, request.targetColumns),
        buildParsedRejects(request.target, REJECTED_SAMPLE),
        ...(request.rejectsTable
          ? [`${buildRejectsFromParsed(request.target, request.rejectsTable)} -- when it rejected any`]
          : []),
        buildInsertParsed(request.target, request.targetColumns),
        ...buildDropRawLines(request.target),
      ];
    },

    async rejectedAfterRollback(client) {
      const mark = stageMarks.get(client);
      if (mark === undefined) return undefined;
      try {
        return await readLoadErrors(client, mark);
      } catch {
        return undefined;
      }
    },
  };
}
