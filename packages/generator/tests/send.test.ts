import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  LOCAL_S3_CREDENTIALS,
  type LocalFirehose,
  type LocalS3,
  localS3Client,
  readDeliveredObjects,
  startLocalFirehose,
  startLocalS3,
} from "@kr/local-aws";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type GeneratedRecord, generateRecords, sendRecords } from "../src/index";

const BUCKET = "kr-gen-test";
const DELIVERY_STREAMS = { events: "kr-events", utm: "kr-utm" };
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 20 };
let directory: string;
let s3: LocalS3;
let firehose: LocalFirehose;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "kr-gen-"));
  s3 = await startLocalS3({ directory, buckets: [BUCKET], port: 0 });
  firehose = await startLocalFirehose({
    s3: { endpoint: s3.endpoint, credentials: LOCAL_S3_CREDENTIALS },
    bucket: BUCKET,
    streams: [
      { name: "kr-events", prefix: "events/" },
      { name: "kr-utm", prefix: "utm/" },
    ],
    buffering: { sizeBytes: 1024 * 1024, intervalMs: 300_000 },
    seed: 3,
  });
});
afterAll(async () => {
  await firehose.close();
  await s3.close();
  await rm(directory, { recursive: true, force: true });
});
beforeEach(async () => {
  firehose.setFaults({ throttleNextCalls: 0, throttleRate: 0, partialFailureRate: 0, duplicateRate: 0 });
  // What an earlier test left in S3 (one that failed before reading its objects) is not this test's.
  await newLines();
});

const records = (
  count: number,
  seed: number,
  extra: { duplicateRate?: number; malformedRate?: number } = {},
) => [
  ...generateRecords({
    count,
    streams: ["events", "utm"],
    seed,
    start: new Date("2026-11-23T05:00:00Z"),
    end: new Date("2026-11-23T06:00:00Z"),
    ...extra,
  }),
];

const seenKeys = new Set<string>();

/** Every line that reached S3 since the last call, per stream prefix (earlier tests' objects are skipped). */
async function newLines(): Promise<{ events: string[]; utm: string[] }> {
  await firehose.flush();
  const client = localS3Client(s3.endpoint);
  const objects = await readDeliveredObjects(client, BUCKET);
  client.destroy();
  const lines = { events: [] as string[], utm: [] as string[] };
  for (const object of objects) {
    if (seenKeys.has(object.key)) continue;
    seenKeys.add(object.key);
    const stream = object.key.startsWith("utm/") ? "utm" : "events";
    lines[stream].push(...object.content.toString().split("\n").filter(Boolean));
  }
  return lines;
}

const idsOf = (lines: string[]) => lines.map((line) => JSON.parse(line).event_id as string).sort();
const expectedIds = (sent: GeneratedRecord[], stream: string) =>
  sent
    .filter((r) => r.stream === stream)
    .map((r) => r.eventId)
    .sort();

describe("sendRecords into the local Firehose", () => {
  it("retries partial batch failures and throttled calls until every record is in S3, once", async () => {
    // Packed records make this only a handful of calls, and the two streams' calls draw from one
    // random sequence in whatever order they arrive: the first two are throttled for certain.
    firehose.setFaults({ partialFailureRate: 0.2, throttleRate: 0.2, throttleNextCalls: 2 });
    const sent = records(3000, 11);
    const summary = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: sent,
      retry: { ...FAST_RETRY, maxAttempts: 30 },
    });
    expect(summary).toMatchObject({ records: 3000, delivered: 3000, undelivered: 0 });
    expect(summary.retried).toBeGreaterThan(0);
    expect(summary.throttledCalls).toBeGreaterThan(0);
    expect(firehose.stats().recordsFailed).toBeGreaterThan(0);

    const lines = await newLines();
    expect(lines.events.length + lines.utm.length).toBe(3000);
    expect(idsOf(lines.events)).toEqual(expectedIds(sent, "events"));
    expect(idsOf(lines.utm)).toEqual(expectedIds(sent, "utm"));
  });

  it("gives up after the attempt bound and counts every undelivered event, none silently", async () => {
    firehose.setFaults({ throttleRate: 1 });
    const sent = records(700, 12);
    const summary = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: sent,
      retry: { ...FAST_RETRY, maxAttempts: 3 },
    });
    expect(summary).toMatchObject({ records: 700, delivered: 0, undelivered: 700 });
    expect(summary.undeliveredRecords.map((r) => r.eventId).sort()).toEqual(
      sent.map((r) => r.eventId).sort(),
    );
    expect(summary.undeliveredRecords[0]?.reason).toMatch(
      /ServiceUnavailableException.*gave up after 3 attempts/,
    );
    const lines = await newLines();
    expect(lines.events.length + lines.utm.length).toBe(0);
  });

  it("accounts exactly for a partial give-up: what S3 holds is what the summary says was delivered", async () => {
    firehose.setFaults({ partialFailureRate: 0.5 });
    const sent = records(2000, 13);
    const summary = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: sent,
      concurrency: 3,
      retry: { ...FAST_RETRY, maxAttempts: 2 },
    });
    expect(summary.undelivered).toBeGreaterThan(0);
    expect(summary.delivered + summary.undelivered).toBe(2000);
    const lines = await newLines();
    expect(lines.events.length + lines.utm.length).toBe(summary.delivered);
    const lost = new Set(summary.undeliveredRecords.map((r) => r.eventId));
    expect(idsOf(lines.events)).toEqual(
      expectedIds(
        sent.filter((r) => !lost.has(r.eventId)),
        "events",
      ),
    );
  });

  it("tells the distinct valid event_ids per stream, with duplicates and malformed lines in the mix", async () => {
    const sent = records(3000, 14, { duplicateRate: 0.1, malformedRate: 0.05 });
    const summary = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: sent,
      trackEventIds: true,
    });
    const lines = await newLines();
    for (const stream of ["events", "utm"] as const) {
      const valid = new Set<string>();
      let malformed = 0;
      for (const line of lines[stream]) {
        try {
          valid.add(JSON.parse(line).event_id);
        } catch {
          malformed++;
        }
      }
      expect(summary.streams[stream]?.distinctValidEventIds).toBe(valid.size);
      expect(summary.eventIds?.[stream]).toEqual(valid);
      expect(summary.streams[stream]?.malformedDelivered).toBe(malformed);
      expect(lines[stream].length).toBe(summary.streams[stream]?.delivered);
    }
    expect(summary.streams.events?.duplicatesDelivered).toBeGreaterThan(0);
  });

  it("packs ~9 events per Firehose record and 500 records per call: the server counts what the summary says", async () => {
    const before = firehose.stats();
    const sent = records(26_000, 15).filter((r) => r.stream === "events");
    const summary = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: sent,
    });
    const after = firehose.stats();
    expect(summary.delivered).toBe(sent.length);
    expect(after.recordsAccepted - before.recordsAccepted).toBe(summary.firehoseRecords);
    expect(sent.length / summary.firehoseRecords).toBeGreaterThan(8);
    expect(after.calls - before.calls).toBe(summary.calls);
    expect(summary.calls).toBe(Math.ceil(summary.firehoseRecords / 500));
    // Every record ≤ 5,000 bytes is billed as one 5 KB unit.
    expect(summary.billedBytes).toBe(summary.firehoseRecords * 5_120);
    expect(summary.billedBytes / summary.delivered).toBeLessThan(600);
    const lines = (await newLines()).events;
    expect(lines).toHaveLength(sent.length);
    expect(idsOf(lines)).toEqual(expectedIds(sent, "events"));
  });

  it("sends one event per record when asked to (recordMaxBytes 1): 500 events per call", async () => {
    const before = firehose.stats().calls;
    const sent = records(1_100, 16).filter((r) => r.stream === "events");
    const summary = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: sent,
      recordMaxBytes: 1,
    });
    expect(summary.firehoseRecords).toBe(sent.length);
    expect(firehose.stats().calls - before).toBe(Math.ceil(sent.length / 500));
    expect(summary.batchFill.records).toBeCloseTo(sent.length / summary.calls / 500, 5);
    expect((await newLines()).events).toHaveLength(sent.length);
  });

  it("keeps a malformed event inside a record of good ones on its own line", async () => {
    const sent = records(400, 17, { malformedRate: 0.05 }).filter((r) => r.stream === "events");
    const summary = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: sent,
    });
    expect(summary.firehoseRecords).toBeLessThan(sent.length / 8);
    const lines = (await newLines()).events;
    expect(lines).toEqual(sent.map((r) => r.data.toString().slice(0, -1)));
    const bad = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(bad.length).toBe(sent.filter((r) => r.malformed).length);
    expect(bad.length).toBeGreaterThan(0);
  });

  it("sends records of exactly Firehose's limits: 1,000 KiB per record, 4 MiB per call", async () => {
    // The AWS numbers as literals, not the constants the code uses.
    const blob = (bytes: number, id: string): GeneratedRecord => ({
      stream: "events",
      eventId: id,
      data: Buffer.concat([Buffer.alloc(bytes - 1, 0x61), Buffer.from("\n")]),
      malformed: true,
    });
    const rest = 4_194_304 - 4 * 1_024_000;
    let before = firehose.stats();
    const full = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: [1, 2, 3, 4].map((i) => blob(1_024_000, `max-${i}`)).concat(blob(rest, "rest")),
    });
    let after = firehose.stats();
    expect(full).toMatchObject({ delivered: 5, undelivered: 0, calls: 1, firehoseRecords: 5 });
    expect(after.calls - before.calls).toBe(1);
    expect(after.bytesAccepted - before.bytesAccepted).toBe(4_194_304);

    before = after;
    const over = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: [1, 2, 3, 4].map((i) => blob(1_024_000, `again-${i}`)).concat(blob(rest + 1, "rest+1")),
    });
    after = firehose.stats();
    expect(over).toMatchObject({ delivered: 5, undelivered: 0, calls: 2 });
    expect(after.calls - before.calls).toBe(2);

    const tooBig = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: [blob(1_024_001, "too-big"), blob(10, "small")],
    });
    expect(tooBig).toMatchObject({ delivered: 1, undelivered: 1 });
    expect(tooBig.undeliveredRecords).toEqual([
      { stream: "events", eventId: "too-big", reason: "event larger than 1,000 KiB" },
    ]);
    const lines = (await newLines()).events;
    expect(lines.map((line) => line.length).sort((a, b) => a - b)).toEqual(
      [...[1, 2, 3, 4].map(() => 1_023_999), rest - 1, ...[1, 2, 3, 4].map(() => 1_023_999), rest, 9].sort(
        (a, b) => a - b,
      ),
    );
  });

  it("waits between attempts: retries of a throttled call are spread out, not instant", async () => {
    firehose.setFaults({ throttleRate: 1 });
    const summary = await sendRecords({
      endpoint: firehose.endpoint,
      deliveryStreams: DELIVERY_STREAMS,
      records: records(5, 18).filter((r) => r.stream === "events"),
      retry: { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 200 },
      seed: 4,
    });
    expect(summary.calls).toBe(6);
    // Five waits, each uniform in [0, 200) ms: ~500 ms expected; a zero delay would take a few ms.
    expect(summary.elapsedMs).toBeGreaterThan(250);
  });
});
