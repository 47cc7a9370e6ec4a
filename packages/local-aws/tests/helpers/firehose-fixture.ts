import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FirehoseClient } from "@aws-sdk/client-firehose";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  type LocalFirehose,
  type LocalFirehoseOptions,
  type LocalS3,
  localS3Client,
  readDeliveredObjects,
  startLocalFirehose,
  startLocalS3,
} from "../../src/index";

export const BUCKET = "kr-test";

export interface FirehoseFixture {
  firehose: LocalFirehose;
  s3: LocalS3;
  s3Client: S3Client;
  /** A real SDK client; maxAttempts 1 so each call is one HTTP request the test can reason about. */
  client: FirehoseClient;
  objects(prefix?: string): ReturnType<typeof readDeliveredObjects>;
  close(): Promise<void>;
}

/** A local S3 server in a temp dir and a local Firehose delivering to it, both on free ports. */
export async function startFirehoseFixture(
  options: Partial<Omit<LocalFirehoseOptions, "s3" | "bucket">> = {},
): Promise<FirehoseFixture> {
  const directory = await mkdtemp(join(tmpdir(), "kr-firehose-"));
  const s3 = await startLocalS3({ directory, buckets: [BUCKET], port: 0 });
  const firehose = await startLocalFirehose({
    s3: { endpoint: s3.endpoint, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } },
    bucket: BUCKET,
    streams: [
      { name: "kr-events", prefix: "events/" },
      { name: "kr-utm", prefix: "utm/" },
    ],
    buffering: { sizeBytes: 64 * 1024 * 1024, intervalMs: 300_000 },
    ...options,
  });
  const s3Client = localS3Client(s3.endpoint);
  const client = new FirehoseClient({
    endpoint: firehose.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "any", secretAccessKey: "any" },
    maxAttempts: 1,
  });
  return {
    firehose,
    s3,
    s3Client,
    client,
    objects: (prefix) => readDeliveredObjects(s3Client, BUCKET, prefix),
    async close() {
      client.destroy();
      await firehose.close();
      s3Client.destroy();
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Waits for a condition that a background timer makes true; fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const record = (text: string) => ({ Data: Buffer.from(text) });
