import { BulkInsertSink } from "./bulk-insert-stage";
import { compileColumn } from "./column-types";
import { CopySink } from "./copy-stage";
import { detectStagingMethod } from "./detect";
import { RecordEncoder } from "./record-encoder";
import { runStage } from "./stage-loop";
import { statsColumns } from "./staged-stats";
import type { StageOptions, StageResult, StageSource, StageTarget, StagingClient } from "./types";

export { copyFromStdin } from "./copy-stage";
export { detectStagingMethod } from "./detect";
export { TooManyRejectedRecordsError } from "./errors";
export { TableRejectWriter } from "./reject-writer";
export { s3StageSource } from "./s3-source";
export { lineTooLongReason } from "./stage-loop";
export type { StagedKeyStats } from "./staged-stats";
export type {
  RejectedLine,
  RejectedRecord,
  RejectWriter,
  StageOptions,
  StageProgress,
  StageResult,
  StageSource,
  StageTarget,
  StagingColumn,
  StagingMethod,
} from "./types";

/**
 * Moves JSON-lines objects into the (temp) staging table over the caller's connection, inside the
 * caller's transaction: COPY FROM STDIN on a PostgreSQL server, batched INSERTs on PGlite. Bad
 * records are validated out in Node (a value the server would refuse never reaches it), counted and
 * skipped; one more than `maxErrors` throws TooManyRejectedRecordsError.
 */
export async function stageObjects(
  client: StagingClient,
  target: StageTarget,
  sources: StageSource[],
  options: StageOptions,
): Promise<StageResult> {
  const columns = target.columns.map(compileColumn);
  if (columns.length === 0) throw new Error("staging target has no columns");
  const method = options.method ?? (await detectStagingMethod(client));
  const openSink = () =>
    method === "copy-from-stdin"
      ? CopySink.open(client, target.table, columns, target.createdInTransaction)
      : new BulkInsertSink(client, target.table, columns, options.bulkBatchRows);
  const counted =
    options.keyStats && options.checks ? statsColumns(target.columns, options.keyStats) : undefined;
  return runStage(sources, new RecordEncoder(columns, options.checks, counted), openSink, options);
}
