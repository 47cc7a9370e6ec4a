import { once } from "node:events";
import type { Writable } from "node:stream";
import { from as copyFrom } from "pg-copy-streams";
import { type CompiledColumn, quoteIdentifier } from "./column-types";
import { RowBuffer } from "./row-buffer";
import type { RowSink } from "./row-sink";
import type { StagingClient } from "./types";

/** Bytes gathered before a CopyData write: large writes keep per-message overhead negligible. */
const FLUSH_BYTES = 512 * 1024;

/** Streams encoded rows into `COPY <table> (<cols>) FROM STDIN` in PostgreSQL's text format. */
export class CopySink implements RowSink {
  readonly rows = new RowBuffer(FLUSH_BYTES + 64 * 1024);
  private failure: Error | null = null;

  /** Starts `COPY <table> (<cols>) FROM STDIN` on the client and returns the sink feeding it. */
  static open(client: StagingClient, table: string, columns: CompiledColumn[]): CopySink {
    const names = columns.map((c) => quoteIdentifier(c.name)).join(", ");
    return new CopySink(client.query(copyFrom(`COPY ${table} (${names}) FROM STDIN (FORMAT text)`)));
  }

  /** `stream` receives the COPY text-format bytes (a pg-copy-streams stream, or any Writable). */
  constructor(private readonly stream: Writable) {
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
    if (this.rows.used > 0 && !this.stream.write(this.rows.take())) await once(this.stream, "drain");
    if (this.failure) throw this.failure;
  }
}
