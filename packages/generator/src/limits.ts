/** PutRecordBatch limits (Firehose API reference; they "cannot be changed"). */
export const PUT_RECORD_BATCH_LIMITS = {
  records: 500,
  /** Decoded Data bytes per call: 4 MiB. */
  bytes: 4 * 1024 * 1024,
  /** Decoded Data bytes per record: 1,000 KiB. */
  recordBytes: 1000 * 1024,
} as const;

export type PackLimits = { records: number; bytes: number; recordBytes: number };
