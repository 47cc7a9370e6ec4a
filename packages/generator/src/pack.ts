import type { GeneratedRecord } from "./generate";
import { type PackLimits, PUT_RECORD_BATCH_LIMITS } from "./limits";

export interface Batch {
  stream: string;
  records: GeneratedRecord[];
  bytes: number;
}

/**
 * Packs records into PutRecordBatch calls, one open batch per stream, each as full as the limits
 * allow. A record larger than the per-record limit can never be sent: it goes to `onOversize`.
 */
export function* packBatches(
  records: Iterable<GeneratedRecord>,
  onOversize: (record: GeneratedRecord) => void,
  limits: PackLimits = PUT_RECORD_BATCH_LIMITS,
): Generator<Batch> {
  const open = new Map<string, Batch>();
  for (const record of records) {
    const size = record.data.length;
    if (size > limits.recordBytes) {
      onOversize(record);
      continue;
    }
    let batch = open.get(record.stream);
    if (batch && (batch.records.length >= limits.records || batch.bytes + size > limits.bytes)) {
      open.delete(record.stream);
      yield batch;
      batch = undefined;
    }
    if (!batch) {
      batch = { stream: record.stream, records: [], bytes: 0 };
      open.set(record.stream, batch);
    }
    batch.records.push(record);
    batch.bytes += size;
    if (batch.records.length >= limits.records) {
      open.delete(record.stream);
      yield batch;
    }
  }
  yield* open.values();
}
