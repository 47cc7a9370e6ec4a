import { type PackLimits, PUT_RECORD_BATCH_LIMITS } from "./limits";

/** What a PutRecordBatch entry needs: the stream it goes to and its data bytes. */
export interface Sendable {
  stream: string;
  data: Uint8Array;
}

export interface Batch<R extends Sendable = Sendable> {
  stream: string;
  records: R[];
  bytes: number;
}

/**
 * Packs records into PutRecordBatch calls, one open batch per stream, each as full as the limits
 * allow. A record larger than the per-record limit can never be sent: it goes to `onOversize`.
 */
export function* packBatches<R extends Sendable>(
  records: Iterable<R>,
  onOversize: (record: R) => void,
  limits: PackLimits = PUT_RECORD_BATCH_LIMITS,
): Generator<Batch<R>> {
  const open = new Map<string, Batch<R>>();
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
