import { once } from "node:events";
import type { Writable } from "node:stream";
import { quoteIdent } from "@kr/contract";
import { from as copyFrom } from "pg-copy-streams";
import type { CompiledColumn } from "./column-types";
import { RowBuffer } from "./row-buffer";
import type { RowSink } from "./row-sink";
import type { StagingClient } from "./types";

/** Bytes gathered before a CopyData write: large writes keep per-message overhead negligible. */
const FLUSH_BYTES = 1024 * 1024;
/**
 * Rows are flushed between decoded chunks (up to 1 MiB, whose rows take at most twice that once
 * escaped), so the buffer holds a flush's worth plus a chunk's without growing (growing copies it).
 */
const ROW_BUFFER_BYTES = 4 * 1024 * 1024;

/** The sink's statement (also what --dry-run prints): `table` quoted by the caller, columns here. */
export function copyFromStdin(table: string, columns: readonly { name: string }[], freeze: boolean): string {
  const names = columns.map((c) => quoteIdent(c.name, "column")).join(", ");
  return `COPY ${table} (${names}) FROM STDIN (${freeze ? "FORMAT text, FREEZE" : "FORMAT text"})`;
}

/** Streams encoded rows into `COPY <table> (<cols>) FROM STDIN` in PostgreSQL's text format. */
export class CopySink implements RowSink {
  readonly rows = new RowBuffer(ROW_BUFFER_BYTES);
  private failure: Error | null = null;
  /** Buffers handed to the stream and not yet known to be sent. */
  private inFlight: Buffer[] = [];
  private spare: Buffer[] = [];

  /**
   * Starts `COPY <table> (<cols>) FROM STDIN` on the client and returns the sink feeding it. `table`
   * comes quoted by the driver; columns are quoted here by the contract (validated, never escaped).
   * `freeze`: the table is new in this transaction (StageTarget.createdInTransaction).
   */
  static open(client: StagingClient, table: string, columns: CompiledColumn[], freeze = false): CopySink {
    const stream = client.query(copyFrom(copyFromStdin(table, columns, freeze)));
    const socket = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
    return new CopySink(stream, socket ?? null);
  }

  /**
   * `stream` receives the COPY text-format bytes (a pg-copy-streams stream, or any Writable).
   * `socket`, when known, is what finally sends them: once it has nothing pending, every buffer
   * written so far has been handed to the kernel and can be reused. Reusing them, rather than
   * allocating ~0.5 KB of fresh off-heap memory per row, avoids most of the garbage collections
   * that external-memory growth would trigger.
   */
  constructor(
    private readonly stream: Writable,
    private readonly socket: Pick<Writable, "writableLength"> | null,
  ) {
    this.stream.on("error", (error: Error) => {
      this.failure ??= error;
    });
  }

  async maybeFlush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.rows.used >= FLUSH_BYTES) await this.write();
  }

  async finish(): Promise<void> {
    await this.write();
    this.stream.end();
    await once(this.stream, "finish");
  }

  async abort(reason: Error): Promise<void> {
    if (this.stream.destroyed) return;
    // Sends CopyFail: the server discards the COPY and the transaction is left aborted for the caller.
    const closed = once(this.stream, "close").catch(() => {});
    this.stream.destroy(reason);
    await closed;
  }

  private async write(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.rows.used === 0) return;
    const filled = this.rows.take(this.spare.pop());
    const ok = this.stream.write(filled);
    this.inFlight.push(filled);
    if (!ok) await once(this.stream, "drain");
    if (this.failure) throw this.failure;
    if (this.socket?.writableLength === 0 && this.stream.writableLength === 0) {
      for (const sent of this.inFlight)
        this.spare.push(Buffer.from(sent.buffer, sent.byteOffset, this.rows.capacity));
      this.inFlight = [];
    }
  }
}
