/** Firehose API limits (PutRecordBatch reference: "These limits cannot be changed"). */
export const FIREHOSE_LIMITS = {
  /** Records per PutRecordBatch call. */
  recordsPerBatch: 500,
  /** Sum of the decoded record Data per PutRecordBatch call: 4 MiB. */
  bytesPerBatch: 4 * 1024 * 1024,
  /** Decoded Data of one record, before base64: 1,000 KiB. */
  bytesPerRecord: 1000 * 1024,
} as const;

/** Buffering hint bounds of an S3 destination. */
export const BUFFERING_BOUNDS = { minSizeMb: 1, maxSizeMb: 128, maxIntervalSeconds: 900 } as const;
