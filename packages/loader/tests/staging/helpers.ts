// Seeded test data and fixtures for the staging tests: nothing is committed as a blob.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from "@kr/local-aws";
import type { StageSource, StagingColumn } from "../../src/staging/index";
import { s3StageSource } from "../../src/staging/index";
import { seededRandom } from "../helpers/data";

// One seeded generator for all loader test data.
export { seededRandom };

export const EVENT_COLUMNS: StagingColumn[] = [
  { name: "event_id", type: "text", nullable: false },
  { name: "event_type", type: "text", nullable: false },
  { name: "occurred_at", type: "timestamptz", nullable: false },
  { name: "user_id", type: "text", nullable: true },
  { name: "anonymous_id", type: "text", nullable: true },
  { name: "session_id", type: "text", nullable: true },
  { name: "page_url", type: "text", nullable: true },
  { name: "referrer", type: "text", nullable: true },
  { name: "user_agent", type: "text", nullable: true },
  { name: "properties", type: "jsonb", nullable: true },
];

export const EVENTS_DDL = (table: string) => `CREATE TEMP TABLE ${table} (
  event_id text NOT NULL, event_type text NOT NULL, occurred_at timestamptz NOT NULL,
  user_id text, anonymous_id text, session_id text, page_url text, referrer text, user_agent text,
  properties jsonb)`;

const TYPES = ["page_view", "click", "signup", "purchase", "scroll"];
const AGENTS = [
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
];

function hex(random: () => number, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}

function uuid(random: () => number): string {
  return `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
}

/** Events shaped like the data contract's `events` stream. */
export function makeEvents(count: number, seed: number): Record<string, unknown>[] {
  const random = seededRandom(seed);
  const base = Date.UTC(2026, 10, 23, 5);
  return Array.from({ length: count }, (_, i) => ({
    event_id: uuid(random),
    event_type: TYPES[Math.floor(random() * TYPES.length)],
    occurred_at: new Date(base + Math.floor(random() * 3_600_000)).toISOString(),
    user_id: random() < 0.3 ? null : `user-${Math.floor(random() * 100_000)}`,
    anonymous_id: uuid(random),
    session_id: `s-${hex(random, 16)}`,
    page_url: `https://shop.example.com/products/${Math.floor(random() * 5000)}?ref=home&i=${i}`,
    referrer: random() < 0.5 ? "https://www.google.com/" : "",
    user_agent: AGENTS[Math.floor(random() * AGENTS.length)],
    properties: {
      plan: random() < 0.5 ? "pro" : "free",
      price: Math.round(random() * 10_000) / 100,
      tags: ["a", "b"].slice(0, Math.floor(random() * 3)),
      nested: { depth: 2, ok: random() < 0.5, note: null },
    },
  }));
}

export function jsonLines(records: unknown[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join("");
}

export const gzip = (text: string | Buffer): Buffer => gzipSync(text);

/** A source that hands out `bytes` in chunks of `chunkSize`, to pin how lines spanning chunks are joined. */
export function memorySource(key: string, bytes: Buffer | string, chunkSize = 64 * 1024): StageSource {
  const data = Buffer.from(bytes);
  return {
    key,
    size: data.length,
    async open() {
      const chunks: Buffer[] = [];
      for (let i = 0; i < data.length; i += chunkSize) chunks.push(data.subarray(i, i + chunkSize));
      return Readable.from(chunks);
    },
  };
}

export interface TestS3 {
  put(key: string, body: Buffer | string): Promise<StageSource>;
  close(): Promise<void>;
}

/** A real local S3 server (port 0, temp dir) and a bucket to put objects into. */
export async function openTestS3(): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), "kr-stage-s3-"));
  const server: LocalS3 = await startLocalS3({ directory, buckets: ["stage-test"], port: 0 });
  const client = new S3Client({
    endpoint: server.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: LOCAL_S3_CREDENTIALS,
  });
  return {
    async put(key, body) {
      const bytes = Buffer.from(body);
      await client.send(new PutObjectCommand({ Bucket: "stage-test", Key: key, Body: bytes }));
      return s3StageSource(client, "stage-test", { key, size: bytes.length });
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
