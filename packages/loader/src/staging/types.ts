import type { TargetCheck } from "@kr/copy-builder";
import type pg from "pg";
import type { StagedKeyStats } from "./staged-stats";

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

/** Every rejected line, as the quarantine keeps it. */
export interface RejectedLine {
  /** The source's key (the S3 object key). */
  key: string;
  /** 1-based physical line number within the (decompressed) source. */
  line: number;
  /** The line exactly as read (without its `\n`), or null when it cannot be kept as text exactly. */
  raw: string | null;
  reason: string;
}

/**
 * Receives every rejected line (not only the first 100 the report keeps). `add` only buffers; the
 * stage calls `flush` when `full` says so, at a point where the connection is free (between COPYs).
 */
export interface RejectWriter {
  add(line: RejectedLine): void;
  readonly full: boolean;
  flush(): Promise<void>;
}

export interface StageResult {
  rowsStaged: number;
  /** Object bytes read from the sources (compressed size for gzip objects). */
  bytesRead: number;
  rejectedCount: number;
  /** The first 100 rejected records, in staging order. */
  rejected: RejectedRecord[];
  files: { key: string; rows: number; rejected: number }[];
  /** The staging statistics counted on the way (StageOptions.keyStats), unless the stage could not. */
  keyStats?: StagedKeyStats;
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
  /**
   * The target's own checks (a missing required field, a key longer than its column), made here so
   * the rejected line keeps its file, line and text; in the SQL reject step's order and words.
   */
  checks?: readonly TargetCheck[];
  /** A longer line is rejected ("line longer than N bytes"); unset = no limit. */
  maxLineBytes?: number;
  /** Where every rejected line goes (the batch's rejects table). */
  rejects?: RejectWriter;
  /**
   * Count the staging statistics (distinct keys, the sort key's range) while encoding, so the batch
   * need not read them back with SQL (staged-stats.ts). Only with `checks`: every row counted must be
   * one the target takes.
   */
  keyStats?: { key: string; sortKey: string };
  /** Rows per INSERT on the bulk-insert path (default tuned on PGlite, see apps/bench/scripts/stage-profile.ts). */
  bulkBatchRows?: number;
}

export interface StageTarget {
  /** Already-quoted staging table name. */
  table: string;
  columns: StagingColumn[];
  /**
   * The table was created (or truncated) in the caller's current transaction, so the COPY may write
   * its rows already frozen (`COPY … FREEZE`): the first read after the commit then has no hint bits
   * to set, instead of dirtying — and, past temp_buffers, writing out — every page of a temp table.
   * COPY FREEZE refuses any other table, so leave it unset unless that holds.
   */
  createdInTransaction?: boolean;
}
