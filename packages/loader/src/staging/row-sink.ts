import type { RowBuffer } from "./row-buffer";

/** Where encoded rows go: a COPY stream or batched INSERTs. Rows are encoded into `rows` and written out in bulk. */
export interface RowSink {
  /** Rows in COPY text format, appended by the encoder. */
  readonly rows: RowBuffer;
  /** Writes buffered rows out when enough have gathered, waiting for the server when it is behind. */
  maybeFlush(): Promise<void>;
  /** Writes the rest and completes; resolves once every row is in the staging table. */
  finish(): Promise<void>;
  /** Cancels what was not completed; the caller's transaction is left for it to roll back. */
  abort(reason: Error): Promise<void>;
}
