import type { GeneratedRecord } from "./generate";
import { PUT_RECORD_BATCH_LIMITS } from "./limits";

/** One Firehose record: newline-terminated events of one stream, concatenated (Firehose adds no delimiter). */
export interface FirehoseRecord {
  stream: string;
  events: GeneratedRecord[];
  data: Buffer;
}

/**
 * Firehose bills each record as at least 5 KB, so a ~540-byte event alone in a record is billed
 * ~9.5× its size. Default just under 5 KB: a full record is billed as exactly one 5 KB unit whether
 * the price sheet's KB is 1,000 or 1,024 bytes.
 */
export const DEFAULT_RECORD_MAX_BYTES = 5_000;

/** Firehose's billing unit: every record is rounded up to the next 5 KB (pricing page, "Direct PUT"). */
export const BILLING_INCREMENT_BYTES = 5 * 1024;

/** Bytes Firehose bills for a record of `bytes` data bytes. */
export const billedBytes = (bytes: number): number =>
  Math.max(1, Math.ceil(bytes / BILLING_INCREMENT_BYTES)) * BILLING_INCREMENT_BYTES;

/**
 * Packs events into Firehose records of at most `maxBytes`, one open record per stream, in order.
 * An event larger than `maxBytes` travels alone; one over the 1,000 KiB record limit can never be
 * sent and goes to `onOversize`. Each event ends in "\n", so a bad one spoils only its own line.
 */
export function* packRecords(
  events: Iterable<GeneratedRecord>,
  maxBytes: number,
  onOversize: (event: GeneratedRecord) => void,
  recordLimit: number = PUT_RECORD_BATCH_LIMITS.recordBytes,
): Generator<FirehoseRecord> {
  if (!(Number.isInteger(maxBytes) && maxBytes >= 1 && maxBytes <= recordLimit))
    throw new RangeError(`record size must be 1..${recordLimit} bytes (got ${maxBytes})`);
  const open = new Map<string, { events: GeneratedRecord[]; bytes: number }>();
  const close = (stream: string, record: { events: GeneratedRecord[]; bytes: number }): FirehoseRecord => ({
    stream,
    events: record.events,
    data:
      record.events.length === 1
        ? (record.events[0] as GeneratedRecord).data
        : Buffer.concat(
            record.events.map((event) => event.data),
            record.bytes,
          ),
  });
  for (const event of events) {
    const size = event.data.length;
    if (size > recordLimit) {
      onOversize(event);
      continue;
    }
    if (size > maxBytes) {
      yield { stream: event.stream, events: [event], data: event.data };
      continue;
    }
    const current = open.get(event.stream);
    if (current && current.bytes + size <= maxBytes) {
      current.events.push(event);
      current.bytes += size;
      continue;
    }
    if (current) yield close(event.stream, current);
    open.set(event.stream, { events: [event], bytes: size });
  }
  for (const [stream, record] of open) yield close(stream, record);
}
