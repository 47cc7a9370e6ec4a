// Producers pack several newline-terminated events into one Firehose record (Firehose bills each
// record as at least 5 KB). Through the local Firehose's real API into S3, then loaded: every event
// is a row, and a malformed event inside a record of good ones is one reject — never its neighbours.
import { LOCAL_S3_CREDENTIALS, type LocalFirehose, startLocalFirehose } from "@kr/local-aws";
import { makeRecords, type TestRecord } from "@kr/test-utils";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runLoad } from "../src/index";
import { hourAt, jsonLines } from "./helpers/data";
import { BUCKET, startStack, type TestStack } from "./helpers/stack";

const HOUR = hourAt("2026-11-26T09");
let stack: TestStack;
let firehose: LocalFirehose;

beforeAll(async () => {
  stack = await startStack();
  firehose = await startLocalFirehose({
    s3: { endpoint: stack.s3.endpoint, credentials: LOCAL_S3_CREDENTIALS },
    bucket: BUCKET,
    streams: [
      { name: "kr-events", prefix: "events/" },
      { name: "kr-utm", prefix: "utm/" },
    ],
    buffering: { sizeBytes: 64 * 1024 * 1024, intervalMs: 300_000 },
    clock: new Date(HOUR.getTime() + 10 * 60_000),
  });
});
afterAll(async () => {
  await firehose.close();
  await stack.close();
});

/** PutRecordBatch over the wire, as any producer speaks the Firehose JSON 1.1 API. */
async function putRecordBatch(stream: string, records: string[]): Promise<{ FailedPutCount: number }> {
  const response = await fetch(firehose.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "Firehose_20150804.PutRecordBatch",
    },
    body: JSON.stringify({
      DeliveryStreamName: stream,
      Records: records.map((data) => ({ Data: Buffer.from(data).toString("base64") })),
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { FailedPutCount: number };
}

it("loads every event of multi-event records and rejects only the malformed line inside one", async () => {
  const good = makeRecords("events", HOUR, 24, 31);
  const bad = '{"event_id":"cut-short","occurred_at":"2026-11-26T09:01';
  const records = [
    jsonLines(good.slice(0, 8)), // 8 events in one record
    jsonLines([...good.slice(8, 12), bad, ...good.slice(12, 16)]), // a bad line between good ones
    jsonLines(good.slice(16, 24)),
  ];
  expect((await putRecordBatch("kr-events", records)).FailedPutCount).toBe(0);
  await firehose.flush();

  const config = stack.config({ LOAD_MAX_ERRORS: "5" });
  const deps = stack.deps(config);
  const report = await runLoad(config, { from: "2026-11-26T09" }, deps).finally(() => deps.close());
  const events = report.streams.find((s) => s.stream === "events");
  expect(events).toMatchObject({ status: "loaded", files: 1, rowsStaged: 24, inserted: 24, rejected: 1 });
  // The 13th line of the object: 8 + 4 good lines before it.
  expect(events?.rejectedRecords.map((r) => [r.line, r.raw])).toEqual([[13, bad]]);
  const rows = await stack.query<{ event_id: string }>(
    "SELECT event_id FROM public.events WHERE occurred_at >= $1 AND occurred_at < $2",
    [new Date(HOUR.getTime() - 3_600_000), new Date(HOUR.getTime() + 3_600_000)],
  );
  expect(rows.map((r) => r.event_id).sort()).toEqual(good.map((r: TestRecord) => r.event_id).sort());
});
