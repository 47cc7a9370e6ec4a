// A real local stack per test file: an S3-compatible server on port 0 and a fresh warehouse (PGlite,
// or a database on the PostgreSQL server at PG_URL), with the tables created by the loader itself.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from "@kr/local-aws";
import { openTestWarehouse, type TestWarehouse } from "@kr/test-utils";
import pg from "pg";
import {
  createRuntimeDeps,
  createTables,
  type LoaderConfig,
  loadConfig,
  type RuntimeDeps,
} from "../../src/index";

export const BUCKET = "kr-events";
export const MANIFEST_BUCKET = "kr-manifests";

export interface TestStack {
  s3: LocalS3;
  s3Client: S3Client;
  warehouse: TestWarehouse;
  /** Settings that point the loader at this stack (what a .env would hold). */
  env: Record<string, string>;
  config(overrides?: Record<string, string>): LoaderConfig;
  deps(config?: LoaderConfig): RuntimeDeps;
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  /** Object keys in a bucket. */
  listKeys(bucket?: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * `serverUrl`: the PostgreSQL server to create the database on; default PG_URL, `null` for PGlite
 * even when PG_URL is set.
 */
export async function startStack(
  options: { createTables?: boolean; serverUrl?: string | null } = {},
): Promise<TestStack> {
  const directory = await mkdtemp(join(tmpdir(), "kr-loader-"));
  const s3 = await startLocalS3({ directory, buckets: [BUCKET, MANIFEST_BUCKET], port: 0 });
  const serverUrl = options.serverUrl === undefined ? process.env.PG_URL : (options.serverUrl ?? undefined);
  const warehouse = await openTestWarehouse({ serverUrl });
  const url = new URL(warehouse.url);
  const env: Record<string, string> = {
    KR_MODE: "local",
    KR_STREAMS: "events,utm",
    S3_BUCKET: BUCKET,
    S3_ENDPOINT: s3.endpoint,
    RS_HOST: url.hostname,
    RS_PORT: url.port,
    RS_DATABASE: url.pathname.slice(1),
    RS_USER: decodeURIComponent(url.username),
    RS_PASSWORD: decodeURIComponent(url.password),
    RS_SCHEMA: "public",
    LOAD_MAX_ERRORS: "5",
  };
  const s3Client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: LOCAL_S3_CREDENTIALS,
  });
  const pool = new pg.Pool({ connectionString: warehouse.url, max: 1 });
  const stack: TestStack = {
    s3,
    s3Client,
    warehouse,
    env,
    config: (overrides = {}) => loadConfig({ ...env, ...overrides }),
    deps: (config = stack.config()) => createRuntimeDeps(config),
    async query(sql, values) {
      return (await pool.query(sql, values)).rows;
    },
    async listKeys(bucket = BUCKET) {
      const listed = await s3Client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (listed.Contents ?? []).map((o) => o.Key ?? "");
    },
    async close() {
      s3Client.destroy();
      await pool.end();
      await warehouse.close();
      await s3.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
  if (options.createTables !== false) {
    const deps = stack.deps();
    await createTables(stack.config(), {}, deps);
    deps.close();
  }
  return stack;
}

/** Row counts and ledger state that the exactly-once assertions compare. */
export async function warehouseState(stack: TestStack) {
  const count = async (sql: string) => Number((await stack.query<{ n: string }>(sql))[0]?.n);
  return {
    events: await count("SELECT COUNT(*) AS n FROM public.events"),
    eventsDistinct: await count("SELECT COUNT(DISTINCT event_id) AS n FROM public.events"),
    utm: await count("SELECT COUNT(*) AS n FROM public.utm"),
    utmDistinct: await count("SELECT COUNT(DISTINCT event_id) AS n FROM public.utm"),
    ledgerFiles: await count("SELECT COUNT(*) AS n FROM loader.loaded_files"),
    ledgerDistinct: await count(
      "SELECT COUNT(DISTINCT stream || '/' || file_key) AS n FROM loader.loaded_files",
    ),
    batches: await count("SELECT COUNT(*) AS n FROM loader.batches"),
  };
}
