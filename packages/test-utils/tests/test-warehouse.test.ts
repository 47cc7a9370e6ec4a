import pg from "pg";
import { describe, expect, it } from "vitest";
import { openTestWarehouse } from "../src/index";

describe("test warehouse", () => {
  it("gives each caller its own empty database on the configured backend", async () => {
    const first = await openTestWarehouse({ serverUrl: process.env.PG_URL });
    const second = await openTestWarehouse({ serverUrl: process.env.PG_URL });
    try {
      const a = new pg.Client(first.url);
      const b = new pg.Client(second.url);
      await Promise.all([a.connect(), b.connect()]);
      await a.query("CREATE TABLE only_in_first (id int)");
      const { rows } = await b.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'only_in_first'",
      );
      await Promise.all([a.end(), b.end()]);
      expect(rows[0].n).toBe(0);
      expect(first.kind).toBe(process.env.PG_URL ? "postgres" : "pglite");
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
