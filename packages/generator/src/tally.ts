import type { GeneratedRecord } from "./generate";
import { PUT_RECORD_BATCH_LIMITS } from "./limits";
import type { Batch } from "./pack";
import { billedBytes, type FirehoseRecord } from "./records";

export interface SendProgress {
  /** Records taken from the source so far. */
  seen: number;
  delivered: number;
  undelivered: number;
  retried: number;
  bytes: number;
}

export interface StreamSummary {
  /** Records handed in for this stream (duplicates and malformed included). */
  records: number;
  delivered: number;
  undelivered: number;
  /** Delivered records that are not valid JSON: the loader should reject exactly these. */
  malformedDelivered: number;
  /** Delivered second copies of an event. */
  duplicatesDelivered: number;
  /** Distinct event_ids of valid records that reached Firehose: what the warehouse must hold, once each. */
  distinctValidEventIds: number;
  bytes: number;
}

export interface SendSummary {
  /** Events handed in (duplicates and malformed lines included). */
  records: number;
  /** Events delivered. */
  delivered: number;
  /** Events given up on; each is listed in `undeliveredRecords`. */
  undelivered: number;
  /** Event re-sends (an event retried twice counts twice). */
  retried: number;
  /** Firehose records delivered (each holds one or more events). */
  firehoseRecords: number;
  /** Data bytes of the delivered records as Firehose bills them: each rounded up to 5 KB. */
  billedBytes: number;
  /** PutRecordBatch calls, retries included. */
  calls: number;
  /** Calls refused as a whole with a retryable error (throttling, 5xx, network). */
  throttledCalls: number;
  /** Packed batches (first attempts). */
  batches: number;
  /** Data bytes delivered. */
  bytes: number;
  elapsedMs: number;
  eventsPerSecond: number;
  /** Delivered data, 10^6 bytes per second. */
  megabytesPerSecond: number;
  /** Mean Firehose records and bytes per packed batch, as fractions of the PutRecordBatch limits. */
  batchFill: { records: number; bytes: number };
  streams: Record<string, StreamSummary>;
  undeliveredRecords: { stream: string; eventId: string; reason: string }[];
  /** With trackEventIds: the distinct valid event_ids delivered, per stream. */
  eventIds?: Record<string, Set<string>>;
}

interface StreamCounters extends StreamSummary {
  validOriginalsDelivered: number;
  duplicateIdsDelivered: Set<string>;
  originalIdsUndelivered: Set<string>;
}

/** Counts what happened to every record, so the summary can say exactly what was and was not sent. */
export class SendTally {
  private readonly started = performance.now();
  private readonly streams = new Map<string, StreamCounters>();
  private readonly lost: SendSummary["undeliveredRecords"] = [];
  private readonly eventIds = new Map<string, Set<string>>();
  private readonly totals = { seen: 0, delivered: 0, undelivered: 0, retried: 0, bytes: 0 };
  private calls = 0;
  private throttledCalls = 0;
  private batches = 0;
  private batchedRecords = 0;
  private batchedBytes = 0;
  private firehoseRecords = 0;
  private billedBytes = 0;

  constructor(private readonly trackEventIds: boolean) {}

  private stream(name: string): StreamCounters {
    let counters = this.streams.get(name);
    if (!counters) {
      counters = {
        records: 0,
        delivered: 0,
        undelivered: 0,
        malformedDelivered: 0,
        duplicatesDelivered: 0,
        distinctValidEventIds: 0,
        bytes: 0,
        validOriginalsDelivered: 0,
        duplicateIdsDelivered: new Set(),
        originalIdsUndelivered: new Set(),
      };
      this.streams.set(name, counters);
      if (this.trackEventIds) this.eventIds.set(name, new Set());
    }
    return counters;
  }

  seen(record: GeneratedRecord): void {
    this.totals.seen++;
    this.stream(record.stream).records++;
  }

  call(batch: Batch<FirehoseRecord>): void {
    this.batches++;
    this.batchedRecords += batch.records.length;
    this.batchedBytes += batch.bytes;
  }

  /** One PutRecordBatch request made, whatever its outcome. */
  attempted(): void {
    this.calls++;
  }

  delivered(firehoseRecords: FirehoseRecord[]): void {
    for (const { data } of firehoseRecords) this.billedBytes += billedBytes(data.length);
    this.firehoseRecords += firehoseRecords.length;
    const records = firehoseRecords.flatMap((record) => record.events);
    for (const record of records) {
      const s = this.stream(record.stream);
      s.delivered++;
      s.bytes += record.data.length;
      this.totals.bytes += record.data.length;
      if (record.malformed) s.malformedDelivered++;
      else if (record.duplicateOf !== undefined) {
        s.duplicatesDelivered++;
        s.duplicateIdsDelivered.add(record.duplicateOf);
      } else s.validOriginalsDelivered++;
      if (this.trackEventIds && !record.malformed) this.eventIds.get(record.stream)?.add(record.eventId);
    }
    this.totals.delivered += records.length;
  }

  throttled(): void {
    this.throttledCalls++;
  }

  retried(records: FirehoseRecord[]): void {
    for (const record of records) this.totals.retried += record.events.length;
  }

  /** Events given up on, alone or with the Firehose records that carried them. */
  undelivered(items: (GeneratedRecord | FirehoseRecord)[], reason: string): void {
    const records = items.flatMap((item) => ("events" in item ? item.events : [item]));
    for (const record of records) {
      const s = this.stream(record.stream);
      s.undelivered++;
      if (!record.malformed && record.duplicateOf === undefined) s.originalIdsUndelivered.add(record.eventId);
      this.lost.push({ stream: record.stream, eventId: record.eventId, reason });
    }
    this.totals.undelivered += records.length;
  }

  progress(): SendProgress {
    return { ...this.totals };
  }

  summary(): SendSummary {
    const elapsedMs = performance.now() - this.started;
    const seconds = Math.max(elapsedMs, 1) / 1000;
    const streams: Record<string, StreamSummary> = {};
    for (const [name, s] of this.streams) {
      // A valid event is present if its original got through, or a duplicate did in its place.
      let rescued = 0;
      for (const id of s.duplicateIdsDelivered) if (s.originalIdsUndelivered.has(id)) rescued++;
      streams[name] = {
        records: s.records,
        delivered: s.delivered,
        undelivered: s.undelivered,
        malformedDelivered: s.malformedDelivered,
        duplicatesDelivered: s.duplicatesDelivered,
        distinctValidEventIds: s.validOriginalsDelivered + rescued,
        bytes: s.bytes,
      };
    }
    return {
      records: this.totals.seen,
      delivered: this.totals.delivered,
      undelivered: this.totals.undelivered,
      retried: this.totals.retried,
      firehoseRecords: this.firehoseRecords,
      billedBytes: this.billedBytes,
      calls: this.calls,
      throttledCalls: this.throttledCalls,
      batches: this.batches,
      bytes: this.totals.bytes,
      elapsedMs,
      eventsPerSecond: this.totals.delivered / seconds,
      megabytesPerSecond: this.totals.bytes / 1e6 / seconds,
      batchFill: {
        records: this.batches ? this.batchedRecords / this.batches / PUT_RECORD_BATCH_LIMITS.records : 0,
        bytes: this.batches ? this.batchedBytes / this.batches / PUT_RECORD_BATCH_LIMITS.bytes : 0,
      },
      streams,
      undeliveredRecords: this.lost,
      ...(this.trackEventIds ? { eventIds: Object.fromEntries(this.eventIds) } : {}),
    };
  }
}
