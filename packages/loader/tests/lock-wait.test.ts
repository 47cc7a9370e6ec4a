// The merge's lock and PostgreSQL's autovacuum. Autovacuum holds SHARE UPDATE EXCLUSIVE on a table it
// vacuums, which the merge's lock conflicts with, and gives way only when the waiter's deadlock check
// runs, deadlock_timeout into the wait (1 s by default). The bench met it twice: re-imports 1 s
// slower, and a drain batch that reached its lock with under a second left, cut by its 1 s
// statement_timeout at the moment autovacuum would have yielded. So the merge's session asks for a
// 100 ms deadlock_timeout (superusers only), and a budgeted merge's statement_timeout leaves 1 s past
// whichever deadlock_timeout applies. Autovacuum's schedule cannot be steered from a test, so a
// session holding the same lock mode stands in for it. Needs the PostgreSQL server (PG_URL): PGlite
// runs one transaction at a time.
import { randomUUID } from "node:crypto";
import { DEADLOCK_TIMEOUT_QUERY } from "@kr/copy-builder";
import { makeRecords } from "@kr/test-utils";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitCodeOf, LoadFailedError, type LoadRequest, runLoad } from "../src/index";
import { LOCK_WAIT_CHECK_MS, prepareLockWait } from "../src/lock-wait";
import { hourAt, putObject } from "./helpers/data";
import { BUCKET, startStack, type TestStack, warehouseState } from "./helpers/stack";

describe.runIf(process.env.PG_URL)("the merge's lock and autovacuum (PostgreSQL server)", () => {
  let stack: TestStack;
  /** A login role without superuser, a member of the owner: it may load but not set deadlock_timeout. */
  const plainRole = `kr_plain_${randomUUID().slice(0, 8)}`;
  const clients: pg.Client[] = [];
  const connect = async () => {
    const client = new pg.Client(stack.warehouse.url);
    await client.connect();
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    stack = await startStack();
    await stack.query(`CREATE ROLE ${plainRole} LOGIN IN ROLE ${new URL(stack.warehouse.url).username}`);
  });
  afterAll(async () => {
    for (const client of clients) await client.end().catch(() => {});
    await stack?.close();
    const admin = new pg.Client(process.env.PG_URL);
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${plainRole}`).finally(() => admin.end());
  });

  /** One run with these settings over the stack's, its clients closed after. */
  const load = (settings: Record<string, string>, request: LoadRequest) => {
    const config = stack.config(settings);
    const deps = stack.deps(config);
    return runLoad(config, request, deps).finally(() => deps.close());
  };

  const serverDeadlockTimeoutMs = async () =>
    Number((await stack.query<{ ms: number }>(DEADLOCK_TIMEOUT_QUERY))[0]?.ms);

  it("a superuser's merge session checks for a blocking autovacuum after 100 ms; anyone else's after the server's deadlock_timeout", async () => {
    const superuser = await connect();
    expect(await prepareLockWait(superuser, "postgres")).toBe(LOCK_WAIT_CHECK_MS);
    expect((await superuser.query("SHOW deadlock_timeout")).rows).toEqual([{ deadlock_timeout: "100ms" }]);

    const plain = await connect();
    await plain.query(`SET ROLE ${plainRole}`);
    // Refused (not a superuser): no error, the server's value stays and is what the floor uses.
    expect(await prepareLockWait(plain, "postgres")).toBe(await serverDeadlockTimeoutMs());
    expect(await plain.query("SELECT 1 AS ok")).toMatchObject({ rows: [{ ok: 1 }] });
    expect(await prepareLockWait(plain, "redshift")).toBe(0);
  });

  it("a budgeted merge that meets the lock near its deadline waits deadlock_timeout past the 1 s floor, then loads exactly once", async () => {
    const budgetS = 1;
    const heldMs = 1_800;
    const deadlockMs = await serverDeadlockTimeoutMs();
    // The premise: held longer than the plain 1 s floor, shorter than 1 s + the server's deadlock_timeout.
    expect(heldMs).toBeGreaterThan(1_000);
    expect(heldMs).toBeLessThan(1_000 + deadlockMs);

    const hour = hourAt("2026-12-08T10");
    await putObject(stack.s3Client, BUCKET, "events", hour, makeRecords("events", hour, 300, 810));
    const before = await warehouseState(stack);
    const holder = await connect();
    await holder.query("BEGIN");
    await holder.query("LOCK TABLE public.events IN SHARE UPDATE EXCLUSIVE MODE");
    const released = new Promise<void>((done) =>
      setTimeout(() => void holder.query("COMMIT").then(() => done()), heldMs),
    );
    try {
      // The loader as the plain role: its session keeps the server's deadlock_timeout.
      const report = await load(
        { RS_USER: plainRole, LOAD_TIME_BUDGET_SECONDS: String(budgetS) },
        { from: "2026-12-08T10", streams: ["events"] },
      );
      expect(report.streams[0]).toMatchObject({ status: "loaded", files: 1, inserted: 300 });
      // It waited for the lock past its budget (with the plain 1 s floor it was cut instead).
      expect(report.durationMs).toBeGreaterThan(budgetS * 1000);
      expect(report.durationMs).toBeLessThan(budgetS * 1000 + 1_000 + deadlockMs);
      expect(await warehouseState(stack)).toMatchObject({
        events: before.events + 300,
        eventsDistinct: before.eventsDistinct + 300,
        ledgerFiles: before.ledgerFiles + 1,
      });
    } finally {
      await released;
    }
  });

  it("a merge whose lock is held past the deadline is cancelled there: exit 1, a message that says why and what to change, nothing loaded; the next run loads it", async () => {
    const hour = hourAt("2026-12-08T11");
    await putObject(stack.s3Client, BUCKET, "events", hour, makeRecords("events", hour, 300, 811));
    const before = await warehouseState(stack);
    const holder = await connect();
    await holder.query("BEGIN");
    // A session, not autovacuum: the waiter's deadlock check does not make it give way.
    await holder.query("LOCK TABLE public.events IN SHARE UPDATE EXCLUSIVE MODE");
    const request = { from: "2026-12-08T11", streams: ["events"] };
    try {
      // 3 s: the batch's estimate fits (the test above left a 1.8 s batch of one file in the history).
      const failed = await load({ LOAD_TIME_BUDGET_SECONDS: "3" }, request).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(LoadFailedError);
      expect(exitCodeOf(failed)).toBe(1);
      const stream = (failed as LoadFailedError).report?.streams[0];
      expect(stream).toMatchObject({ status: "failed", files: 0, pending: { files: 1 } });
      expect(stream?.error).toMatch(
        /^events: a statement of the batch \(1 file, .+\) was cancelled at this run's deadline \(time budget 3\.0 s\)/,
      );
      expect(stream?.error).toContain("LOAD_TIME_BUDGET_SECONDS");
      expect(stream?.error).toContain("(server: canceling statement due to statement timeout)");
      expect(await warehouseState(stack)).toEqual(before);
    } finally {
      await holder.query("COMMIT");
    }
    const report = await load({ LOAD_TIME_BUDGET_SECONDS: "5" }, request);
    expect(report.streams[0]).toMatchObject({ status: "loaded", files: 1, inserted: 300 });
    expect(await warehouseState(stack)).toMatchObject({
      events: before.events + 300,
      eventsDistinct: before.eventsDistinct + 300,
      ledgerFiles: before.ledgerFiles + 1,
    });
  });

  it("after a batch its timeout cut, the next run's batches take at most half its bytes, and every file loads once", async () => {
    const hour = hourAt("2026-12-08T12");
    for (let part = 0; part < 4; part++)
      await putObject(stack.s3Client, BUCKET, "utm", hour, makeRecords("utm", hour, 200, 820 + part));
    const before = await warehouseState(stack);
    // utm: the tests above left events' history with a cut in it.
    const request = { from: "2026-12-08T12", streams: ["utm"] };
    const holder = await connect();
    await holder.query("BEGIN");
    await holder.query("LOCK TABLE public.utm IN SHARE UPDATE EXCLUSIVE MODE");
    try {
      // No budget: one batch of all 4 files, cut by LOAD_STATEMENT_TIMEOUT_SECONDS at the lock.
      const failed = await load({ LOAD_STATEMENT_TIMEOUT_SECONDS: "1" }, request).catch((e: unknown) => e);
      expect(failed).toBeInstanceOf(LoadFailedError);
    } finally {
      await holder.query("COMMIT");
    }
    const [cut] = await stack.query<{ files: number; bytes: string; driver: string; timed_out: boolean }>(
      "SELECT files, bytes, driver, timed_out FROM loader.failed_batches WHERE stream = 'utm' ORDER BY failed_at DESC LIMIT 1",
    );
    expect(cut).toMatchObject({ files: 4, driver: "postgres", timed_out: true });

    // --dry-run lists the batches the run will take.
    const dry = await load({}, { ...request, dryRun: true });
    const planned = dry.streams[0]?.plannedBatches ?? [];
    expect(planned.length).toBeGreaterThanOrEqual(2);
    for (const batch of planned) expect(batch.bytes).toBeLessThanOrEqual(Number(cut?.bytes) / 2);

    const startedAfter = new Date();
    const report = await load({}, request);
    expect(report.streams[0]).toMatchObject({ status: "loaded", files: 4, inserted: 800 });
    // Without the rule the same estimate starts the same 4-file batch again (one batch).
    expect(report.streams[0]?.batches).toBe(planned.length);
    const batches = await stack.query<{ bytes: string }>(
      "SELECT bytes FROM loader.batches WHERE stream = 'utm' AND started_at >= $1",
      [startedAfter],
    );
    for (const batch of batches) expect(Number(batch.bytes)).toBeLessThanOrEqual(Number(cut?.bytes) / 2);
    expect(await warehouseState(stack)).toMatchObject({
      utm: before.utm + 800,
      utmDistinct: before.utmDistinct + 800,
      ledgerFiles: before.ledgerFiles + 4,
    });
  });
});
