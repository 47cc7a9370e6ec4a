// The one seam between the dialects: how rows get into the batch's staging table. Everything else in
// a batch (lock, ledger, merge, record) is the same statement sequence for both (see ../batch.ts).
import type { Dialect, MergeTarget, TargetColumn } from "@kr/copy-builder";
import type pg from "pg";
import type { PlannedFile } from "../s3-objects";
import type { RejectedRecord, StageProgress, StagingColumn } from "../staging/index";

export interface StageRequest {
  client: pg.ClientBase;
  stream: string;
  batchId: string;
  /** Unqualified name of the temp staging table (already created). */
  staging: string;
  columns: readonly StagingColumn[];
  /** The batch's target (table, staging name, key, sort key) and the target's own columns. */
  target: MergeTarget;
  targetColumns: readonly TargetColumn[];
  files: readonly PlannedFile[];
  maxErrors: number;
  onProgress?: (progress: StageProgress) => void;
}

export interface StageOutcome {
  method: string;
  rejectedCount: number;
  /** First rejected records (at most 100). */
  rejected: RejectedRecord[];
}

export interface WarehouseDriver {
  readonly name: "redshift" | "postgres";
  readonly dialect: Dialect;
  /** Streams loaded at the same time. */
  readonly streamConcurrency: number;
  /** Fills the staging table; throws TooManyRejectedError above maxErrors. */
  stage(request: StageRequest): Promise<StageOutcome>;
  /** The stage step as SQL (or SQL-like text) for --dry-run; writes nothing. */
  describeStage(request: Omit<StageRequest, "onProgress">): Promise<string[]>;
  /** After a failed batch rolled back: the rejected records the warehouse kept, if any. */
  rejectedAfterRollback?(
    client: pg.ClientBase,
  ): Promise<{ count: number; records: RejectedRecord[] } | undefined>;
}
