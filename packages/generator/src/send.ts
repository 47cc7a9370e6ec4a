import { Agent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { FirehoseClient, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import { backoffDelay, DEFAULT_RETRY, isRetryable, type RetryPolicy } from "./backoff";
import type { GeneratedRecord } from "./generate";
import { PUT_RECORD_BATCH_LIMITS } from "./limits";
import { type Batch, packBatches } from "./pack";
import { Random } from "./random";
import { DEFAULT_RECORD_MAX_BYTES, type FirehoseRecord, packRecords } from "./records";
import { type SendProgress, type SendSummary, SendTally } from "./tally";

export interface SendOptions {
  /** A configured client; its own SDK retries then add to ours, so prefer maxAttempts: 1. */
  client?: FirehoseClient;
  /** Without `client`: the Firehose endpoint (local stand-in), signed with placeholder credentials. */
  endpoint?: string;
  region?: string;
  /** Stream → delivery stream name, e.g. { events: "kr-events", utm: "kr-utm" }. */
  deliveryStreams: Record<string, string>;
  /** Events, one JSON line each; packed into Firehose records of up to `recordMaxBytes`. */
  records: Iterable<GeneratedRecord>;
  /** Data bytes per Firehose record (1..1,000 KiB); default 5,000, just under the 5 KB billing unit. */
  recordMaxBytes?: number;
  /** PutRecordBatch calls in flight at once. Default 8. */
  concurrency?: number;
  /** Events per second; 0 or undefined for as fast as possible. */
  rate?: number;
  retry?: Partial<RetryPolicy>;
  /** Seed of the backoff jitter. */
  seed?: number;
  /** Collect the distinct valid event_ids delivered per stream (memory grows with the count). */
  trackEventIds?: boolean;
  onProgress?: (progress: SendProgress) => void;
}

export const DEFAULT_CONCURRENCY = 8;

/** Paces events to a rate shared by all workers. */
class Pacer {
  private nextAt = performance.now();
  constructor(private readonly rate: number) {}
  async take(events: number): Promise<void> {
    if (!this.rate) return;
    const now = performance.now();
    const at = Math.max(this.nextAt, now);
    this.nextAt = at + (events * 1000) / this.rate;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function localClient(endpoint: string, region: string, concurrency: number): FirehoseClient {
  return new FirehoseClient({
    endpoint,
    region,
    // The local Firehose accepts any signature; real AWS is reached through `client`.
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    // Retries are ours (per record, bounded, counted); the SDK's would hide them.
    maxAttempts: 1,
    requestHandler: {
      httpAgent: new Agent({ keepAlive: true, maxSockets: concurrency }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: concurrency }),
    },
  });
}

/**
 * Sends events with PutRecordBatch: several newline-terminated events per Firehose record (up to
 * `recordMaxBytes`), records packed to the API limits, `concurrency` calls at a time.
 * Retries only what failed — the failed records of a partially failed batch, or the whole call
 * when it was throttled or the network failed — with exponential backoff and full jitter, up to
 * `retry.maxAttempts`; the events of what is still not delivered are counted and listed, never
 * dropped silently.
 */
export async function sendRecords(options: SendOptions): Promise<SendSummary> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError("concurrency must be >= 1");
  if (!options.client && !options.endpoint) throw new TypeError("sendRecords needs a client or an endpoint");
  const client =
    options.client ?? localClient(options.endpoint as string, options.region ?? "us-east-1", concurrency);
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const jitter = new Random(options.seed ?? 1);
  const pacer = new Pacer(options.rate ?? 0);
  const tally = new SendTally(options.trackEventIds ?? false);
  // At a low rate, small batches keep the flow steady instead of one burst every few minutes.
  const perBatch = options.rate
    ? Math.min(PUT_RECORD_BATCH_LIMITS.records, Math.max(1, Math.ceil(options.rate / 5)))
    : PUT_RECORD_BATCH_LIMITS.records;
  const counted = (function* () {
    for (const record of options.records) {
      tally.seen(record);
      yield record;
    }
  })();
  const oversize = (event: GeneratedRecord) => tally.undelivered([event], "event larger than 1,000 KiB");
  const records = packRecords(counted, options.recordMaxBytes ?? DEFAULT_RECORD_MAX_BYTES, oversize);
  const batches = packBatches(records, (record) => record.events.forEach(oversize), {
    ...PUT_RECORD_BATCH_LIMITS,
    records: perBatch,
  });

  const sendBatch = async (batch: Batch<FirehoseRecord>): Promise<void> => {
    const name = options.deliveryStreams[batch.stream];
    if (!name) {
      tally.undelivered(batch.records, `no delivery stream configured for stream ${batch.stream}`);
      return;
    }
    tally.call(batch);
    let pending = batch.records;
    for (let attempt = 1; ; attempt++) {
      let failed: FirehoseRecord[];
      let reason: string;
      tally.attempted();
      try {
        const out = await client.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: name,
            Records: pending.map((r) => ({ Data: r.data })),
          }),
        );
        const responses = out.RequestResponses ?? [];
        if (!out.FailedPutCount) {
          tally.delivered(pending);
          return;
        }
        if (responses.length !== pending.length) {
          failed = pending; // no per-record answer to trust: resend all (duplicates are the loader's job)
        } else {
          failed = [];
          const ok: FirehoseRecord[] = [];
          responses.forEach((entry, i) => {
            (entry.ErrorCode ? failed : ok).push(pending[i] as FirehoseRecord);
          });
          tally.delivered(ok);
        }
        reason = responses.find((entry) => entry.ErrorCode)?.ErrorCode ?? "FailedPutCount without details";
      } catch (error) {
        reason = `${(error as Error).name}: ${(error as Error).message}`;
        if (!isRetryable(error)) {
          tally.undelivered(pending, reason);
          return;
        }
        tally.throttled();
        failed = pending;
      }
      if (attempt >= policy.maxAttempts) {
        tally.undelivered(failed, `${reason} (gave up after ${attempt} attempts)`);
        return;
      }
      tally.retried(failed);
      options.onProgress?.(tally.progress());
      pending = failed;
      await sleep(backoffDelay(attempt, policy, jitter));
    }
  };

  const worker = async () => {
    for (;;) {
      const next = batches.next();
      if (next.done) return;
      await pacer.take(next.value.records.reduce((events, record) => events + record.events.length, 0));
      await sendBatch(next.value);
      options.onProgress?.(tally.progress());
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    if (!options.client) client.destroy();
  }
  return tally.summary();
}
