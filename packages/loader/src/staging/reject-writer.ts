// Every rejected line into the batch's rejects table (<staging>_rejects), in multi-row INSERTs of at
// most QUARANTINE_CHUNK rows or ~1 MiB, so a batch with many bad lines never holds them all in memory.
import { buildInsertRejects, QUARANTINE_CHUNK, REASON_MAX_BYTES, type RejectRow } from "@kr/copy-builder";
import { truncateUtf8 } from "./record-encoder";
import type { RejectedLine, RejectWriter, StagingClient } from "./types";

const FLUSH_BYTES = 1024 * 1024;

export class TableRejectWriter implements RejectWriter {
  private pending: RejectRow[] = [];
  private pendingBytes = 0;
  /** Lines written (or buffered) so far. */
  count = 0;

  /**
   * `toRow` maps a rejected line to its row (a replay maps the line back to its quarantine id);
   * by default file key and line number as read.
   */
  constructor(
    private readonly client: StagingClient,
    /** Unqualified name of the rejects temp table. */
    private readonly table: string,
    private readonly toRow: (line: RejectedLine) => RejectRow = (line) => ({
      fileKey: line.key,
      line: line.line,
      raw: line.raw,
      reason: line.reason,
    }),
  ) {}

  add(line: RejectedLine): void {
    const row = this.toRow(line);
    // reason is VARCHAR(512), bytes on Redshift.
    this.pending.push({ ...row, reason: truncateUtf8(row.reason, REASON_MAX_BYTES) });
    this.pendingBytes += (row.raw?.length ?? 0) + row.reason.length + (row.fileKey?.length ?? 0) + 32;
    this.count++;
  }

  get full(): boolean {
    return this.pending.length >= QUARANTINE_CHUNK || this.pendingBytes >= FLUSH_BYTES;
  }

  async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const part = this.pending.splice(0, QUARANTINE_CHUNK);
      await this.client.query(buildInsertRejects(this.table, part));
    }
    this.pendingBytes = 0;
  }
}
