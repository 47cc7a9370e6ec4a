// The one seam between the dialects: how rows get into the batch's staging table. Everything else in
// a batch (lock, ledger, merge, record) is the same statement sequence for both (see ../batch.ts).
import type { Dialect, MergeTarget, TargetCheck, TargetColumn } from "@kr/copy-builder";
import type pg from "pg";
import type { PlannedFile } from "../s3-objects";
import type { RejectedRecord, StagedKeyStats, StageProgress, StagingColumn } from "../staging/index";

export interface StageRequest {
  client: pg.ClientBase;
  stream: string;
  batchId: string;
  /**
   * Unqualified name of the temp staging table, created in the client's current transaction (the
   * PostgreSQL driver's COPY relies on that: COPY FREEZE takes no other table).
   */
  staging: string;
  columns: readonly StagingColumn[];
  /** The batch's target (table, staging name, key, sort key) and the target's own columns. */
  target: MergeTarget;
  targetColumns: readonly TargetColumn[];
  /**
   * Unqualified name of the batch's temp rejects table (already created; rejectsTableName in
   * copy-builder). When set, the stage writes EVERY rejected line into it — file key, line number, the raw line,
   * the reason (buildInsertRejects) — and the merge moves them into loader.rejected_records.
   */
  rejectsTable?: string;
  /**
   * The target's checks (required fields, the key's length), for a stage that can make them with the
   * line at hand; what it leaves to the SQL reject step is quarantined without its line.
   */
  checks?: readonly TargetCheck[];
  files: readonly PlannedFile[];
  maxErrors: number;
  onProgress?: (progress: StageProgress) => void;
}

/** A quarantined line to load again: its loader.rejected_records id and its (maybe corrected) text. */
export interface ReplayLine {
  id: number;
  raw: string;
}

export interface StageOutcome {
  method: string;
  rejectedCount: number;
  /** First rejected records (at most 100). */
  rejected: RejectedRecord[];
  /**
   * The staging statistics, when the stage counted them on the way (PostgreSQL: staging/staged-stats.ts):
   * every staged row passed the target's checks, so none is refused. Absent: the batch reads them with
   * SQL (buildStagingStats).
   */
  stats?: { rowsStaged: number } & StagedKeyStats;
}

export interface WarehouseDriver {
  readonly name: "redshift" | "postgres";
  readonly dialect: Dialect;
  /** Streams loaded at the same time. */
  readonly streamConcurrency: number;
  /** Fills the staging table; throws TooManyRejectedError above maxErrors. */
  stage(request: StageRequest): Promise<StageOutcome>;
  /**
   * Replay: fills the staging table from quarantined lines instead of files (`request.files` is
   * empty). Every line still rejected goes into the rejects table with `quarantine_id` = its id.
   */
  stageLines(request: StageRequest, lines: readonly ReplayLine[]): Promise<StageOutcome>;
  /** The stage step as SQL (or SQL-like text) for --dry-run; writes nothing. */
  describeStage(request: Omit<StageRequest, "onProgress">): Promise<string[]>;
  /** After a failed batch rolled back: the rejected records the warehouse kept, if any. */
  rejectedAfterRollback?(
    client: pg.ClientBase,
  ): Promise<{ count: number; records: RejectedRecord[] } | undefined>;
}
