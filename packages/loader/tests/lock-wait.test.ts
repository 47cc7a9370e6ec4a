// A budgeted batch that reaches its lock near the deadline while autovacuum holds the table. On
// PostgreSQL autovacuum keeps SHARE UPDATE EXCLUSIVE on a table it vacuums, which the merge's lock
// conflicts with, and gives way only when the waiter's deadlock check runs, deadlock_timeout (1 s)
// into the wait. The merge's statement_timeout must outlast that: with the plain 1 s floor the batch
// was cut at the moment autovacuum would have yielded (the bench's drain hit it). Autovacuum's
// schedule cannot be steered from a test, so a session holding the same lock mode for 1.8 s stands in
// for it. Needs the PostgreSQL server (PG_URL): PGlite runs one transaction at a time.
import { makeRecords } from "@kr/test-utils";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad } from "../src/index";
import { hourAt, putObject } from "./helpers/data";
import { BUCKET, startStack, type TestStack, warehouseState } from "./helpers/stack";

const BUDGET_S = 1;
const HELD_MS = 1_800;

describe.runIf(process.env.PG_URL)("a lock held by autovacuum near the deadline (PostgreSQL server)", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it("the merge waits deadlock_timeout past the 1 s floor, then loads exactly once", async () => {
    const hour = hourAt("2026-12-08T10");
    const records = makeRecords("events", hour, 300, 810);
    await putObject(stack.s3Client, BUCKET, "events", hour, records);
    const before = await warehouseState(stack);
    const [{ ms } = { ms: 0 }] = await stack.query<{ ms: number }>(
      "SELECT setting::int AS ms FROM pg_settings WHERE name = 'deadlock_timeout'",
    );
    // The premise: the lock is held longer than the plain floor, shorter than floor + deadlock_timeout.
    expect(HELD_MS).toBeGreaterThan(1_000);
    expect(HELD_MS).toBeLessThan(1_000 + ms);

    const holder = new pg.Client(stack.warehouse.url);
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("LOCK TABLE public.events IN SHARE UPDATE EXCLUSIVE MODE");
    const released = new Promise<void>((done) =>
      setTimeout(() => void holder.query("COMMIT").then(() => done()), HELD_MS),
    );
    try {
      const config = stack.config({ LOAD_TIME_BUDGET_SECONDS: String(BUDGET_S) });
      const deps = stack.deps(config);
      const report = await runLoad(config, { from: "2026-12-08T10", streams: ["events"] }, deps).finally(() =>
        deps.close(),
      );
      expect(report.streams[0]).toMatchObject({ status: "loaded", files: 1, inserted: 300 });
      // It waited for the lock past its budget (with the 1 s floor it was cut instead).
      expect(report.durationMs).toBeGreaterThan(BUDGET_S * 1000);
      expect(report.durationMs).toBeLessThan(BUDGET_S * 1000 + 1_000 + ms);
      expect(await warehouseState(stack)).toMatchObject({
        events: before.events + 300,
        eventsDistinct: before.eventsDistinct + 300,
        ledgerFiles: before.ledgerFiles + 1,
      });
    } finally {
      await released;
      await holder.end();
    }
  });
});
