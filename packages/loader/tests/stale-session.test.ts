// Orphans. A Lambda killed at its timeout is frozen or gone, but its TCP connection need not be: the
// server keeps the session (and its transaction, and its locks) until something ends it. Here the
// killed loader talks to PostgreSQL through a proxy that, like a NAT that never saw a FIN, keeps the
// server side open after the loader dies. The next run must terminate the orphan and load exactly
// once. Needs the PostgreSQL server (PG_URL): PGlite serves every connection from one backend, so it
// has no sessions to orphan.
import { spawn } from "node:child_process";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { join, resolve } from "node:path";
import { makeRecords } from "@kr/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoadFailedError, runLoad } from "../src/index";
import { hourAt, putObject } from "./helpers/data";
import { BUCKET, startStack, type TestStack, warehouseState } from "./helpers/stack";

const ROOT = resolve(import.meta.dirname, "../../..");

/** A TCP proxy to the warehouse that never closes the server side when a client goes away. */
async function orphaningProxy(host: string, port: number) {
  const upstreams: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(port, host);
    upstreams.push(upstream);
    client.pipe(upstream, { end: false });
    upstream.pipe(client);
    client.on("error", () => {});
    upstream.on("error", () => {});
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    close: async () => {
      for (const socket of upstreams) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** Runs the loader in a child process until it prints `until`, then SIGKILLs it. */
async function killWhen(env: Record<string, string>, args: string[], until: (line: string) => boolean) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "fixtures/load-child.ts"), JSON.stringify(env), ...args],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    },
  );
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | null>((done) =>
    child.on("exit", (_code, signal) => done(signal)),
  );
  await new Promise<void>((ready, fail) => {
    child.stdout.on("data", (d) => {
      stdout += d;
      if (stdout.split("\n").some(until)) ready();
    });
    child.on("exit", () => fail(new Error(`loader exited before it was killed:\n${stdout}\n${stderr}`)));
  });
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
}

describe.runIf(process.env.PG_URL)("a killed loader's orphaned session (PostgreSQL server)", () => {
  let stack: TestStack;
  let proxy: Awaited<ReturnType<typeof orphaningProxy>>;
  beforeAll(async () => {
    stack = await startStack();
    const url = new URL(stack.warehouse.url);
    proxy = await orphaningProxy(url.hostname, Number(url.port));
  });
  afterAll(async () => {
    await proxy?.close();
    await stack?.close();
  });

  const loaderSessions = async () =>
    stack.query<{ pid: number; state: string; query: string }>(
      "SELECT pid, state, query FROM pg_stat_activity WHERE application_name = 'kr-loader:kr' AND datname = current_database()",
    );
  const childEnv = () => ({ ...stack.env, RS_PORT: String(proxy.port), LOAD_STAGE_CONCURRENCY: "1" });
  const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

  it("SIGKILL mid-COPY: readers are not blocked by the orphan; the next run terminates it and loads exactly once", async () => {
    const hour = hourAt("2026-12-06T09");
    const ids = new Set<string>();
    const keys: string[] = [];
    for (let f = 0; f < 3; f++) {
      const records = makeRecords("events", hour, f < 2 ? 2000 : 50, 600 + f);
      for (const r of records) ids.add(r.event_id);
      keys.push((await putObject(stack.s3Client, BUCKET, "events", hour, records, { minute: 10 + f })).key);
    }
    const before = await warehouseState(stack);
    await killWhen(childEnv(), ["2026-12-06T09", "2026-12-06T09", "events", keys[2] ?? ""], (line) =>
      line.includes('"hanging"'),
    );

    // The orphan is still there, in the middle of its COPY into its staging table...
    const orphans = await loaderSessions();
    expect(orphans).toHaveLength(1);
    expect(orphans[0]?.query).toMatch(/^COPY "kr_stage_events_[0-9a-f]{8}"/);
    // ...but it stages before it locks: a reader of the table does not wait for it.
    const started = Date.now();
    expect(await stack.query("SELECT count(*) FROM public.events")).toEqual([
      { count: String(before.events) },
    ]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await warehouseState(stack)).toEqual(before);

    await sleep(1_100);
    const config = stack.config({ LOAD_STALE_SESSION_SECONDS: "1" });
    const deps = stack.deps(config);
    const report = await runLoad(config, { from: "2026-12-06T09" }, deps).finally(() => deps.close());
    expect(report.terminatedSessions).toEqual([orphans[0]?.pid]);
    expect(report.streams.find((s) => s.stream === "events")).toMatchObject({
      status: "loaded",
      files: 3,
      inserted: 4050,
    });
    expect(await loaderSessions()).toEqual([]);
    const rows = await stack.query<{ event_id: string }>(
      "SELECT event_id FROM public.events WHERE occurred_at >= '2026-12-06 08:00Z'",
    );
    expect(rows).toHaveLength(4050);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(ids);
  });

  it("killed while holding the lock: statement_timeout bounds the next run's wait; the sweep frees the lock; exactly once", async () => {
    const hour = hourAt("2026-12-07T09");
    const records = makeRecords("events", hour, 300, 700);
    await putObject(stack.s3Client, BUCKET, "events", hour, records);
    await killWhen(
      childEnv(),
      ["2026-12-07T09", "2026-12-07T09", "events", "", "--hang-after-lock"],
      (line) => line.includes('"locked"'),
    );
    const [orphan] = await loaderSessions();
    expect(orphan?.state).toBe("idle in transaction");
    const locks = await stack.query<{ mode: string }>(
      "SELECT mode FROM pg_locks WHERE pid = $1 AND relation = 'public.events'::regclass",
      [orphan?.pid],
    );
    expect(locks.map((l) => l.mode)).toContain("ShareRowExclusiveLock");
    const before = await warehouseState(stack);

    // Without the sweep the next run would queue behind the orphan; its statement_timeout ends the
    // wait and the batch rolls back, leaving nothing half-loaded.
    const blocked = stack.config({ LOAD_STALE_SESSION_SECONDS: "0", LOAD_STATEMENT_TIMEOUT_SECONDS: "1" });
    const blockedDeps = stack.deps(blocked);
    const error = await runLoad(blocked, { from: "2026-12-07T09", streams: ["events"] }, blockedDeps)
      .finally(() => blockedDeps.close())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoadFailedError);
    expect((error as Error).message).toMatch(/statement timeout/);
    expect((error as LoadFailedError).report?.streams[0]?.error).toMatch(
      /^events: a statement of the batch \(1 file, .+\) ran longer than LOAD_STATEMENT_TIMEOUT_SECONDS=1 and was cancelled; the batch rolled back and nothing of it is loaded/,
    );
    expect(await warehouseState(stack)).toEqual(before);

    await sleep(1_100);
    const config = stack.config({ LOAD_STALE_SESSION_SECONDS: "1" });
    const deps = stack.deps(config);
    const report = await runLoad(config, { from: "2026-12-07T09", streams: ["events"] }, deps).finally(() =>
      deps.close(),
    );
    expect(report.terminatedSessions).toEqual([orphan?.pid]);
    expect(report.streams[0]).toMatchObject({ status: "loaded", files: 1, inserted: 300 });
    expect(await warehouseState(stack)).toMatchObject({
      events: before.events + 300,
      eventsDistinct: before.eventsDistinct + 300,
      ledgerFiles: before.ledgerFiles + 1,
    });
  });
});
