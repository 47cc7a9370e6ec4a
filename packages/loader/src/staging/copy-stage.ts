import { once } from "node:events";
import { from as copyFrom } from "pg-copy-streams";
import { type CompiledColumn, quoteIdentifier } from "./column-types";
import type { RowSink } from "./row-sink";
import type { StagingClient } from "./types";

/** Bytes gathered before a CopyData write: large writes keep per-message overhead negligible. */
const FLUSH_BYTES = 512 * 1024;
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * Streams rows into `COPY <table> (<cols>) FROM STDIN` in PostgreSQL's text format (tab-separated,
 * `\N` for NULL, backslash escapes), encoded straight into large buffers.
 */
export class CopySink implements RowSink {
  private readonly stream: ReturnType<typeof copyFrom>;
  private failure: Error | null = null;
  private buf = Buffer.allocUnsafe(FLUSH_BYTES * 2);
  private used = 0;

  constructor(client: StagingClient, table: string, columns: CompiledColumn[]) {
    const names = columns.map((c) => quoteIdentifier(c.name)).join(", ");
    this.stream = client.query(copyFrom(`COPY ${table} (${names}) FROM STDIN (FORMAT text)`));
    this.stream.on("error", (error: Error) => {
      this.failure ??= error;
    });
  }

  add(values: readonly (string | null)[]): void {
    for (let i = 0; i < values.length; i++) {
      const value = values[i] ?? null;
      const text =
        value === null
          ? "\\N"
          : NEEDS_ESCAPE.test(value)
            ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string)
            : value;
      this.reserve(text.length * 3 + 1);
      this.used += this.buf.write(text, this.used, "utf8");
      this.buf[this.used++] = i === values.length - 1 ? 10 : 9;
    }
  }

  async maybeFlush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.used >= FLUSH_BYTES) await this.write();
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

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buf.length) return;
    this.pushOut();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
  }

  /** Hands the filled part to the stream and starts a fresh buffer (the stream keeps the old one). */
  private pushOut(): boolean {
    if (this.used === 0) return true;
    const ok = this.stream.write(this.buf.subarray(0, this.used));
    this.buf = Buffer.allocUnsafe(Math.max(FLUSH_BYTES * 2, this.buf.length));
    this.used = 0;
    return ok;
  }

  private async write(): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.pushOut()) await once(this.stream, "drain");
    if (this.failure) throw this.failure;
  }
}
