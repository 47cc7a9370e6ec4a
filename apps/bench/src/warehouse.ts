import { execFile } from "node:child_process";
import { openTestWarehouse } from "@kr/test-utils";
import pg from "pg";
import type { BenchConfig } from "./config";
import type { StandIns } from "./stand-ins";

/** A fresh, empty database the bench may fill and drop. */
export interface BenchWarehouse {
  url: string;
  kind: "postgres" | "pglite";
  /** e.g. "PostgreSQL 15.18 server (PG_URL)". */
  describe: string;
  close(): Promise<void>;
}

/**
 * A new database on the PG_URL server (created and dropped by @kr/test-utils), or else a fresh
 * in-memory PGlite served from the stand-ins process (so its WASM PostgreSQL does not share the
 * bench's thread with the loader being measured).
 */
export async function openBenchWarehouse(config: BenchConfig, standIns: StandIns): Promise<BenchWarehouse> {
  if (config.pgUrl) {
    const warehouse = await openTestWarehouse({ serverUrl: config.pgUrl });
    const client = new pg.Client(warehouse.url);
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>("SHOW server_version");
    await client.end();
    const version = rows[0]?.server_version.split(" ")[0] ?? "?";
    return {
      url: warehouse.url,
      kind: "postgres",
      describe: `PostgreSQL ${version} server (PG_URL)`,
      close: () => warehouse.close(),
    };
  }
  const pglite = await standIns.startPglite();
  const version = /PostgreSQL (\S+)/.exec(pglite.version)?.[1] ?? "?";
  return {
    url: pglite.url,
    kind: "pglite",
    describe: `PGlite (embedded PostgreSQL ${version}, socket server in a separate process; PG_URL unset)`,
    close: () => standIns.stopPglite(),
  };
}

/** The loader's settings for a warehouse URL and the local S3 (what a .env would say). */
export function loaderEnv(url: string, s3Endpoint: string, bucket: string, streams = "events") {
  const parsed = new URL(url);
  return {
    KR_MODE: "local",
    KR_STREAMS: streams,
    S3_ENDPOINT: s3Endpoint,
    S3_BUCKET: bucket,
    RS_HOST: parsed.hostname,
    RS_PORT: parsed.port || "5432",
    RS_DATABASE: decodeURIComponent(parsed.pathname.slice(1)) || "postgres",
    RS_USER: decodeURIComponent(parsed.username) || "postgres",
    RS_PASSWORD: decodeURIComponent(parsed.password),
  };
}

/**
 * Before each timed contender, outside its time, on a PostgreSQL server:
 * - `VACUUM (ANALYZE)` of the bench database, so autovacuum has nothing left to do from the previous
 *   contender's writes. Otherwise it started at a random point (its launcher naps 60 s) and ran
 *   beside the next contender on the two cores: in 2 of 3 repetitions it vacuumed the freshly loaded
 *   target during the re-import (3.4–4.2 s instead of 3.0 s). A re-import in production comes hours
 *   after the load it repeats, long after autovacuum; the drain's runs follow each other without it.
 * - A CHECKPOINT, so no contender pays for the checkpoint that the previous one's large write
 *   started (500k rows write ~0.5 GB of WAL, past the default max_wal_size's trigger).
 * PGlite keeps everything in memory and runs no autovacuum: nothing to settle.
 */
export async function settle(admin: pg.Client, warehouse: BenchWarehouse): Promise<void> {
  if (warehouse.kind !== "postgres") return;
  await admin.query("VACUUM (ANALYZE)");
  await admin.query("CHECKPOINT");
  // The checkpoint's writes (and, on a server with fsync off, everything) may still sit in the page
  // cache; the kernel writes them back ~30 s later, in the middle of a later contender. `sync`
  // writes them now. A server on another machine is not affected by it, nor needs it.
  await new Promise<void>((resolve) => execFile("sync", () => resolve()));
}
