import {
  FirehoseClient,
  InvalidArgumentException,
  PutRecordBatchCommand,
  PutRecordCommand,
  ResourceNotFoundException,
  ServiceUnavailableException,
} from "@aws-sdk/client-firehose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FIREHOSE_LIMITS } from "../src/index";
import { type FirehoseFixture, record, startFirehoseFixture } from "./helpers/firehose-fixture";

let fixture: FirehoseFixture;
beforeAll(async () => {
  fixture = await startFirehoseFixture({ seed: 7 });
});
afterAll(() => fixture.close());
beforeEach(() => {
  fixture.firehose.setFaults({
    throttleNextCalls: 0,
    throttleRate: 0,
    partialFailureRate: 0,
    duplicateRate: 0,
  });
});

// Firehose's own numbers as literals (PutRecordBatch API reference: "These limits cannot be changed"),
// so a drift in FIREHOSE_LIMITS fails here instead of moving the expectations with it.
const AWS = { recordsPerBatch: 500, bytesPerBatch: 4_194_304, bytesPerRecord: 1_024_000 };
it("enforces Firehose's published limits", () => {
  expect(FIREHOSE_LIMITS).toEqual(AWS);
});

const blob = (bytes: number) => ({ Data: Buffer.alloc(bytes, 0x61) });
const batch = (Records: { Data: Uint8Array }[], DeliveryStreamName = "kr-events") =>
  fixture.client.send(new PutRecordBatchCommand({ DeliveryStreamName, Records }));

describe("local Firehose error shapes, as the SDK parses them", () => {
  it("answers an unknown delivery stream with ResourceNotFoundException (400)", async () => {
    const error = await batch([record("x")], "nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400);
    expect((error as Error).message).toContain("nope");
  });

  it("accepts exactly 500 records and refuses 501 with InvalidArgumentException", async () => {
    const ok = await batch(Array.from({ length: AWS.recordsPerBatch }, () => record("r\n")));
    expect(ok.FailedPutCount).toBe(0);
    expect(ok.RequestResponses).toHaveLength(500);
    const error = await batch(Array.from({ length: 501 }, () => record("r\n"))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentException);
  });

  it("accepts a record of exactly 1,000 KiB and refuses one byte more", async () => {
    const ok = await fixture.client.send(
      new PutRecordCommand({ DeliveryStreamName: "kr-events", Record: blob(AWS.bytesPerRecord) }),
    );
    expect(ok.RecordId).toBeTruthy();
    const error = await batch([blob(AWS.bytesPerRecord + 1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentException);
    expect((error as Error).message).toContain("1,000 KiB");
  });

  it("accepts exactly 4 MiB in one call and refuses one byte more", async () => {
    const full = [1, 2, 3, 4].map(() => blob(AWS.bytesPerRecord));
    const rest = AWS.bytesPerBatch - 4 * AWS.bytesPerRecord;
    expect((await batch([...full, blob(rest)])).FailedPutCount).toBe(0);
    const error = await batch([...full, blob(rest + 1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentException);
    expect((error as Error).message).toContain("4 MiB");
  });

  it("throttles the next N calls with ServiceUnavailableException (503), which the SDK retries", async () => {
    fixture.firehose.setFaults({ throttleNextCalls: 2 });
    const error = await batch([record("x")]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableException);
    expect((error as ServiceUnavailableException).$metadata.httpStatusCode).toBe(503);
    expect((error as ServiceUnavailableException).$retryable).toBeUndefined();

    // The SDK's own standard retry treats the 503 as transient: the second throttled call is retried.
    const retrying = new FirehoseClient({
      endpoint: fixture.firehose.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      maxAttempts: 3,
    });
    const out = await retrying.send(
      new PutRecordBatchCommand({ DeliveryStreamName: "kr-events", Records: [record("y")] }),
    );
    retrying.destroy();
    expect(out.FailedPutCount).toBe(0);
    expect(out.$metadata.attempts).toBe(2);
  });

  it("sends __type and x-amzn-ErrorType on the wire, and refuses unknown operations", async () => {
    fixture.firehose.setFaults({ throttleRate: 1 });
    const response = await fetch(fixture.firehose.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "Firehose_20150804.PutRecord",
      },
      body: JSON.stringify({ DeliveryStreamName: "kr-events", Record: { Data: "eA==" } }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(response.headers.get("x-amzn-errortype")).toBe("ServiceUnavailableException");
    expect(await response.json()).toEqual({ __type: "ServiceUnavailableException", message: "Slow down." });

    const unknown = await fetch(fixture.firehose.endpoint, {
      method: "POST",
      headers: { "x-amz-target": "Firehose_20150804.CreateDeliveryStream" },
      body: "{}",
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { __type: string }).__type).toBe("UnknownOperationException");
  });

  it("fails a fraction of a batch's records with per-record ServiceUnavailableException and keeps only the rest", async () => {
    const before = fixture.firehose.stats().recordsAccepted;
    fixture.firehose.setFaults({ partialFailureRate: 0.3 });
    const lines = Array.from({ length: 400 }, (_, i) => `${i}\n`);
    const out = await batch(lines.map(record));
    const failed = out.RequestResponses?.filter((entry) => entry.ErrorCode) ?? [];
    expect(out.FailedPutCount).toBe(failed.length);
    expect(failed.length).toBeGreaterThan(60);
    expect(failed.length).toBeLessThan(180);
    expect(failed.every((e) => e.ErrorCode === "ServiceUnavailableException" && !e.RecordId)).toBe(true);
    expect(fixture.firehose.stats().recordsAccepted - before).toBe(400 - failed.length);
  });

  it("refuses fault settings out of range", () => {
    expect(() => fixture.firehose.setFaults({ throttleRate: 1.5 })).toThrow(RangeError);
    expect(() => fixture.firehose.setFaults({ throttleNextCalls: -1 })).toThrow(/throttleNextCalls/);
  });
});
