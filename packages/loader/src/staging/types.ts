import type pg from "pg";

export type StagingClient = pg.ClientBase;

export interface StagingColumn {
  name: string;
  type:
    | "text"
    | "varchar"
    | "timestamptz"
    | "timestamp"
    | "jsonb"
    | "super"
    | "bigint"
    | "integer"
    | "double precision"
    | "boolean"
    | string;
  nullable: boolean;
}

/** One S3 object: raw bytes, gunzipped when the key ends with .gz or the bytes start with 1f 8b. */
export interface StageSource {
  key: string;
  size: number;
  open(): Promise<NodeJS.ReadableStream>;
}

export interface RejectedRecord {
  key: string;
  /** 1-based physical line number within the (decompressed) object. */
  line: number;
  reason: string;
  /** The line as read, truncated to 256 characters. */
  raw: string;
}

export interface StageResult {
  rowsStaged: number;
  /** Object bytes read from the sources (compressed size for gzip objects). */
  bytesRead: number;
  rejectedCount: number;
  /** The first 100 rejected records, in staging order. */
  rejected: RejectedRecord[];
  files: { key: string; rows: number; rejected: number }[];
}

export type StagingMethod = "copy-from-stdin" | "bulk-insert";

export interface StageProgress {
  filesDone: number;
  bytesRead: number;
  rowsStaged: number;
}

export interface StageOptions {
  /** Up to this many rejected records are reported and skipped; one more aborts the stage. */
  maxErrors: number;
  /** Default: detected from the server (see detectStagingMethod). */
  method?: StagingMethod;
  /** Objects downloaded and gunzipped ahead of the one being staged. Default 4. */
  concurrency?: number;
  onProgress?: (progress: StageProgress) => void;
  /** Rows per INSERT on the bulk-insert path (default tuned on PGlite, see apps/bench/scripts/stage-profile.ts). */
  bulkBatchRows?: number;
}

export interface StageTarget {
  /** Already-quoted staging table name. */
  table: string;
  columns: StagingColumn[];
}
