// Seeded test data and fixtures for the staging tests: records and table shapes come from
// @kr/test-utils (the generator and STREAM_TABLES); nothing is committed as a blob.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from "@kr/local-aws";
import {
  makeRecords,
  openTestWarehouse,
  streamColumns,
  type TestRecord,
  type TestWarehouse,
  tempTableDdl,
} from "@kr/test-utils";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import type { StageSource, StagingColumn } from "../../src/staging/index";
import { s3StageSource } from "../../src/staging/index";

/** The `events` table's columns as PostgreSQL declares them (from STREAM_TABLES). */
export const EVENT_COLUMNS: StagingColumn[] = streamColumns("events");

/** A temp table of the `events` columns; `notNull` makes nullable ones required (what only the server checks). */
export const EVENTS_DDL = (table: string, notNull: readonly string[] = []) =>
  tempTableDdl(
    table,
    EVENT_COLUMNS.map((c) => (notNull.includes(c.name) ? { ...c, nullable: false } : c)),
  );

/** Events of the `events` stream (the generator's, seeded) that arrived during 2026-11-23T05. */
export const makeEvents = (count: number, seed: number): TestRecord[] =>
  makeRecords("events", new Date("2026-11-23T05:00:00.000Z"), count, seed);

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

/**
 * A table's pages and how many of them the visibility map says are all-visible, after ANALYZE (which
 * refreshes both in pg_class). Inside the caller's transaction. `table` as SQL (quoted if need be).
 */
export async function pageVisibility(
  client: { query<R>(text: string, values?: unknown[]): Promise<{ rows: R[] }> },
  table: string,
): Promise<{ pages: number; allVisible: number }> {
  await client.query(`ANALYZE ${table}`);
  const { rows } = await client.query<{ pages: number; all_visible: number }>(
    "SELECT relpages AS pages, relallvisible AS all_visible FROM pg_class WHERE oid = $1::regclass",
    [table],
  );
  return { pages: Number(rows[0]?.pages), allVisible: Number(rows[0]?.all_visible) };
}

/**
 * The file's warehouse (PGlite, or the server PG_URL names) and one connected client, opened before
 * its tests and closed after: `db.client` and `db.warehouse` are set once the tests run.
 */
export function useWarehouseClient(): { client: pg.Client; warehouse: TestWarehouse } {
  const db = {} as { client: pg.Client; warehouse: TestWarehouse };
  beforeAll(async () => {
    db.warehouse = await openTestWarehouse({ serverUrl: process.env.PG_URL });
    db.client = new pg.Client(db.warehouse.url);
    await db.client.connect();
  });
  afterAll(async () => {
    await db.client?.end();
    await db.warehouse?.close();
  });
  return db;
}
