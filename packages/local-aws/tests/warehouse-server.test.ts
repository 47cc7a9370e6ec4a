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
});
