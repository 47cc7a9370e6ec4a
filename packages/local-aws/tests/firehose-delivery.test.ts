import {
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
} from "@aws-sdk/client-firehose";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, type FirehoseFixture, record, startFirehoseFixture } from "./helpers/firehose-fixture";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

let fixture: FirehoseFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe("local Firehose delivery to S3", () => {
  it("writes a batch as one GZIP object under the arrival hour, records concatenated as they came", async () => {
    fixture = await startFirehoseFixture({ clock: new Date("2026-11-23T05:17:42.250Z") });
    const lines = ['{"event_id":"a"}\n', '{"event_id":"b"}\n', "no delimiter added->"];
    const out = await fixture.client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: "kr-events", Records: lines.map(record) }),
    );
    expect(out.FailedPutCount).toBe(0);
    expect(out.RequestResponses?.every((entry) => entry.RecordId && !entry.ErrorCode)).toBe(true);
    await fixture.firehose.flush();

    const objects = await fixture.objects();
    expect(objects).toHaveLength(1);
    expect(objects[0]?.key).toMatch(
      new RegExp(`^events/2026/11/23/05/kr-events-1-2026-11-23-05-17-42-${UUID}\\.gz$`),
    );
    expect(objects[0]?.content.toString()).toBe(lines.join(""));
  });

  it("delivers multi-event records byte for byte: records of several lines, exactly 1,000 KiB included", async () => {
    fixture = await startFirehoseFixture({ clock: new Date("2026-11-23T05:17:42Z") });
    const packed = [
      '{"event_id":"a"}\n{"event_id":"b"}\n{"event_id":"c"}\n',
      '{"event_id":"d"}\nnot json\n{"event_id":"e"}\n',
    ];
    const big = `${"x".repeat(1_024_000 - 1)}\n`; // a record of exactly 1,000 KiB
    const out = await fixture.client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: "kr-events", Records: [...packed, big].map(record) }),
    );
    expect(out.FailedPutCount).toBe(0);
    expect(fixture.firehose.stats()).toMatchObject({
      recordsAccepted: 3,
      bytesAccepted: packed.join("").length + 1_024_000,
    });
    await fixture.firehose.flush();
    const objects = await fixture.objects("events/");
    const content = objects.map((o) => o.content.toString()).join("");
    expect(content).toBe(packed.join("") + big);
    expect(content.split("\n").slice(0, 7)).toEqual([
      '{"event_id":"a"}',
      '{"event_id":"b"}',
      '{"event_id":"c"}',
      '{"event_id":"d"}',
      "not json",
      '{"event_id":"e"}',
      "x".repeat(1_023_999),
    ]);
  });

  it("never lets a buffer span two arrival hours, so a backfill lands in each past hour", async () => {
    fixture = await startFirehoseFixture();
    const send = (text: string) =>
      fixture?.client.send(new PutRecordCommand({ DeliveryStreamName: "kr-events", Record: record(text) }));
    fixture.firehose.setClock(new Date("2026-11-23T05:59:59Z"));
    await send("five\n");
    let now = Date.parse("2026-11-23T06:00:00Z");
    fixture.firehose.setClock(() => new Date(now));
    await send("six\n");
    now += 3_600_000;
    await send("seven\n");
    await fixture.firehose.flush();

    const objects = await fixture.objects("events/");
    expect(objects.map((o) => [o.key.slice(0, 21), o.content.toString()])).toEqual([
      ["events/2026/11/23/05/", "five\n"],
      ["events/2026/11/23/06/", "six\n"],
      ["events/2026/11/23/07/", "seven\n"],
    ]);
  });

  it("delivers when the buffer reaches its size, and keeps the rest until it is flushed", async () => {
    fixture = await startFirehoseFixture({ buffering: { sizeBytes: 1000, intervalMs: 300_000 } });
    const records = Array.from({ length: 7 }, (_, i) => `${String(i).repeat(299)}\n`);
    await fixture.client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: "kr-events", Records: records.map(record) }),
    );
    const first = await eventually(async () => {
      const objects = await fixture?.objects();
      return objects?.length === 1 ? objects : undefined;
    });
    expect(first[0]?.content.toString()).toBe(records.slice(0, 4).join(""));
    expect(fixture.firehose.stats().streams["kr-events"]?.bufferedRecords).toBe(3);

    await fixture.firehose.flush();
    const all = await fixture.objects();
    expect(all).toHaveLength(2);
    expect(all.map((o) => o.content.toString()).sort()).toEqual(
      [records.slice(0, 4).join(""), records.slice(4).join("")].sort(),
    );
  });

  it("delivers when the buffering interval has passed, without a flush", async () => {
    fixture = await startFirehoseFixture({ buffering: { sizeBytes: 1024 * 1024, intervalMs: 50 } });
    await fixture.client.send(
      new PutRecordCommand({ DeliveryStreamName: "kr-utm", Record: record('{"utm_source":"x"}\n') }),
    );
    const objects = await eventually(async () => {
      const found = await fixture?.objects("utm/");
      return found?.length ? found : undefined;
    });
    expect(objects[0]?.key).toMatch(/^utm\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/kr-utm-1-/);
    expect(objects[0]?.content.toString()).toBe('{"utm_source":"x"}\n');
  });

  it("delivers what it holds when it is closed", async () => {
    fixture = await startFirehoseFixture();
    await fixture.client.send(
      new PutRecordCommand({ DeliveryStreamName: "kr-events", Record: record("last words\n") }),
    );
    await fixture.firehose.close();
    const objects = await fixture.objects();
    expect(objects.map((o) => o.content.toString())).toEqual(["last words\n"]);
  });

  it("writes a fraction of buffers twice as separate objects when duplicate delivery is injected", async () => {
    fixture = await startFirehoseFixture({ faults: { duplicateRate: 1 } });
    await fixture.client.send(
      new PutRecordCommand({ DeliveryStreamName: "kr-events", Record: record("twice\n") }),
    );
    await fixture.firehose.flush();
    const objects = await fixture.objects();
    expect(objects).toHaveLength(2);
    expect(objects[0]?.key).not.toBe(objects[1]?.key);
    expect(objects.map((o) => o.content.toString())).toEqual(["twice\n", "twice\n"]);
    expect(fixture.firehose.stats()).toMatchObject({
      objectsWritten: 2,
      duplicateObjects: 1,
      recordsDelivered: 1,
    });
  });
});

describe("local Firehose control plane", () => {
  it("describes and lists its delivery streams as the SDK expects", async () => {
    fixture = await startFirehoseFixture({ buffering: { sizeBytes: 5 * 1024 * 1024, intervalMs: 60_000 } });
    const { DeliveryStreamDescription: description } = await fixture.client.send(
      new DescribeDeliveryStreamCommand({ DeliveryStreamName: "kr-utm" }),
    );
    expect(description).toMatchObject({
      DeliveryStreamName: "kr-utm",
      DeliveryStreamStatus: "ACTIVE",
      DeliveryStreamType: "DirectPut",
      VersionId: "1",
      HasMoreDestinations: false,
    });
    expect(description?.DeliveryStreamARN).toMatch(
      /^arn:aws:firehose:[a-z0-9-]+:\d{12}:deliverystream\/kr-utm$/,
    );
    expect(description?.CreateTimestamp).toBeInstanceOf(Date);
    expect(description?.Destinations?.[0]?.ExtendedS3DestinationDescription).toMatchObject({
      BucketARN: "arn:aws:s3:::kr-test",
      Prefix: "utm/",
      CompressionFormat: "GZIP",
      BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 60 },
    });

    const listed = await fixture.client.send(new ListDeliveryStreamsCommand({ Limit: 1 }));
    expect(listed).toMatchObject({ DeliveryStreamNames: ["kr-events"], HasMoreDeliveryStreams: true });
    const rest = await fixture.client.send(
      new ListDeliveryStreamsCommand({ ExclusiveStartDeliveryStreamName: "kr-events" }),
    );
    expect(rest).toMatchObject({ DeliveryStreamNames: ["kr-utm"], HasMoreDeliveryStreams: false });
  });
});
