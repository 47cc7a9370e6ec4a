/** Where mapped rows go: a COPY stream or batched INSERTs. Rows are appended synchronously and written out in bulk. */
export interface RowSink {
  /** Appends one row (canonical text per column, null for NULL); the array is reused by the caller. */
  add(values: readonly (string | null)[]): void;
  /** Writes buffered rows out when enough have gathered, waiting for the server when it is behind. */
  maybeFlush(): Promise<void>;
  /** Writes the rest and completes; resolves once every row is in the staging table. */
  finish(): Promise<void>;
  /** Cancels what was not completed; the caller's transaction is left for it to roll back. */
  abort(reason: Error): Promise<void>;
}
