import { randomBytes } from "node:crypto";
import { startLocalWarehouse } from "@kr/local-aws";
import pg from "pg";

export interface TestWarehouse {
  /** Connection URL of a database that belongs to this test file alone. */
  url: string;
  /** Which real PostgreSQL answers: embedded PGlite, or a PostgreSQL server. */
  kind: "pglite" | "postgres";
  close(): Promise<void>;
}

/**
 * A fresh, isolated warehouse for one test file: an in-memory PGlite on a free port by default, or a
 * new database on the PostgreSQL server at `serverUrl` (CI passes PG_URL), dropped on close.
 */
export async function openTestWarehouse(
  options: { serverUrl?: string | undefined } = {},
): Promise<TestWarehouse> {
  if (!options.serverUrl) {
    const warehouse = await startLocalWarehouse({ port: 0 });
    return { url: warehouse.url, kind: "pglite", close: () => warehouse.close() };
  }
  const name = `kr_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client(options.serverUrl);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(options.serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    kind: "postgres",
    async close() {
      const dropper = new pg.Client(options.serverUrl);
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
