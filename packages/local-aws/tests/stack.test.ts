import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FirehoseClient, PutRecordBatchCommand } from "@aws-sdk/client-firehose";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LocalStack, localS3Client, readDeliveredObjects, startLocalStack } from "../src/index";

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "kr-stack-"));
});
afterAll(() => rm(stateDir, { recursive: true, force: true }));

const start = () =>
  startLocalStack({
    stateDir,
    project: "demo",
    streams: ["events", "utm"],
    bucket: "demo-events",
    s3: { port: 0 },
    firehose: { port: 0, clock: new Date("2026-11-23T05:00:00Z") },
    warehouse: { port: 0 },
  });

it("runs S3, Firehose and the warehouse together, and keeps their state across a restart", async () => {
  let stack: LocalStack = await start();
  expect(stack.deliveryStreams).toEqual({ events: "demo-events", utm: "demo-utm" });
  const client = new FirehoseClient({
    endpoint: stack.firehose.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "y" },
  });
  await client.send(
    new PutRecordBatchCommand({
      DeliveryStreamName: "demo-utm",
      Records: [{ Data: Buffer.from('{"event_id":"1"}\n') }],
    }),
  );
  client.destroy();
  const db = new pg.Client(stack.warehouse.url);
  await db.connect();
  await db.query("CREATE TABLE kept (id int)");
  await db.end();
  await stack.close(); // delivers the open Firehose buffer before S3 stops

  stack = await start();
  try {
    const s3 = localS3Client(stack.s3.endpoint);
    const objects = await readDeliveredObjects(s3, "demo-events");
    s3.destroy();
    expect(objects.map((o) => [o.key.slice(0, 18), o.content.toString()])).toEqual([
      ["utm/2026/11/23/05/", '{"event_id":"1"}\n'],
    ]);
    const again = new pg.Client(stack.warehouse.url);
    await again.connect();
    const { rows } = await again.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'kept'");
    await again.end();
    expect(rows[0].n).toBe(1);
  } finally {
    await stack.close();
  }
});
