import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalWarehouse, startLocalWarehouse } from "../src/index";

describe("local warehouse (PGlite on the wire protocol)", () => {
  let warehouse: LocalWarehouse;
  beforeAll(async () => {
    warehouse = await startLocalWarehouse({ port: 0 });
  });
  afterAll(() => warehouse.close());

  it("serialises a second connection's write behind an open transaction's table lock", async () => {
    const first = new pg.Client(warehouse.url);
    const second = new pg.Client(warehouse.url);
    await Promise.all([first.connect(), second.connect()]);
    try {
      await first.query("CREATE TABLE lock_probe (id int)");
      await first.query("BEGIN");
      await first.query("LOCK TABLE lock_probe");
      await first.query("INSERT INTO lock_probe VALUES (1)");
      const order: string[] = [];
      const waiting = second.query("INSERT INTO lock_probe VALUES (2)").then(() => order.push("second"));
      await new Promise((resolve) => setTimeout(resolve, 100));
      order.push("first-commit");
      await first.query("COMMIT");
      await waiting;
      expect(order).toEqual(["first-commit", "second"]);
    } finally {
      await Promise.all([first.end(), second.end()]);
    }
  });

  it("rolls back the open transaction of a client that disconnects", async () => {
    const client = new pg.Client(warehouse.url);
    await client.connect();
    client.on("error", () => {}); // the abrupt close below is the point of the test
    await client.query("CREATE TABLE rollback_probe (id int)");
    await client.query("BEGIN");
    await client.query("INSERT INTO rollback_probe VALUES (1)");
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const other = new pg.Client(warehouse.url);
    await other.connect();
    const { rows } = await other.query("SELECT count(*)::int AS n FROM rollback_probe");
    await other.end();
    expect(rows[0].n).toBe(0);
  });

  it("keeps two connections' parameterized queries apart (each Parse meets its own Bind)", async () => {
    // pglite-socket alone queued each protocol message on its own and, outside a transaction, let
    // another connection's messages in between. A Bind too big for one socket read (a bulk insert's)
    // left its Parse alone in the session, the other connection's Parse replaced it, and one of the
    // two failed with "unnamed prepared statement does not exist" or bound the other's statement
    // (electric-sql/pglite#1046).
    const clients = [new pg.Client(warehouse.url), new pg.Client(warehouse.url)];
    await Promise.all(clients.map((c) => c.connect()));
    try {
      const [small, large] = clients as [pg.Client, pg.Client];
      const big = "x".repeat(512 * 1024);
      let stop = false;
      const smallQueries = (async () => {
        let sum = 0;
        let n = 0;
        for (; !stop; n++)
          sum += (await small.query<{ v: number }>("SELECT $1::int + 1 AS v", [n])).rows[0]?.v ?? 0;
        return { sum, n };
      })();
      const lengths: number[] = [];
      try {
        for (let i = 0; i < 10; i++)
          lengths.push(
            (await large.query<{ n: number }>("SELECT length($1::text) AS n", [big + i])).rows[0]?.n ?? 0,
          );
      } finally {
        stop = true;
      }
      const { sum, n } = await smallQueries;
      expect(lengths).toEqual(Array.from({ length: 10 }, () => big.length + 1));
      expect(n).toBeGreaterThan(10);
      expect(sum).toBe((n * (n + 1)) / 2);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it("a connection between two queries does not hold up the others", async () => {
    const idle = new pg.Client(warehouse.url);
    const busy = new pg.Client(warehouse.url);
    await Promise.all([idle.connect(), busy.connect()]);
    try {
      await idle.query("SELECT $1::int AS v", [1]);
      const { rows } = await busy.query("SELECT $1::int AS v", [2]);
      expect(rows).toEqual([{ v: 2 }]);
    } finally {
      await Promise.all([idle.end(), busy.end()]);
    }
  });
});
