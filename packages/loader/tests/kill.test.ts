// A loader killed with SIGKILL in the middle of staging leaves the warehouse as before the batch
// (the server rolls back the dead connection's transaction); the rerun loads every event once.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { makeRecords } from "@kr/test-utils";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runLoad } from "../src/index";
import { hourAt, putObject } from "./helpers/data";
import { BUCKET, startStack, type TestStack, warehouseState } from "./helpers/stack";

const ROOT = resolve(import.meta.dirname, "../../..");

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

it("SIGKILL mid-stage, then rerun: every event exactly once", async () => {
  const hour = hourAt("2026-12-05T09");
  const ids = new Set<string>();
  const keys: string[] = [];
  // Enough rows before the stuck object that staging has flushed rows to the server when killed.
  for (let f = 0; f < 4; f++) {
    const records = makeRecords("events", hour, f < 3 ? 2500 : 100, 500 + f);
    for (const r of records) ids.add(r.event_id);
    keys.push((await putObject(stack.s3Client, BUCKET, "events", hour, records, { minute: 10 + f })).key);
  }
  const stuck = keys[keys.length - 1] ?? "";
  const before = await warehouseState(stack);

  // node itself, not the tsx shim (which runs the script in a grandchild that the kill would miss).
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "fixtures/load-child.ts"),
      JSON.stringify({ ...stack.env, LOAD_STAGE_CONCURRENCY: "1" }),
      "2026-12-05T09",
      "2026-12-05T09",
      "events",
      stuck,
    ],
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
      const lines = stdout.split("\n").filter(Boolean);
      const staged = lines.some((l) => l.startsWith("{") && (JSON.parse(l).filesDone ?? 0) >= 3);
      if (staged && lines.some((l) => l.includes('"hanging"'))) ready();
    });
    child.on("exit", () => fail(new Error(`loader exited before it was killed:\n${stdout}\n${stderr}`)));
  });
  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");
  expect(stdout).not.toContain("finished");

  // Nothing of the killed batch is visible: no rows, no ledger entries, no batch record.
  expect(await warehouseState(stack)).toEqual(before);

  const config = stack.config();
  const deps = stack.deps(config);
  const report = await runLoad(config, { from: "2026-12-05T09" }, deps).finally(() => deps.close());
  expect(report.streams.find((s) => s.stream === "events")).toMatchObject({
    status: "loaded",
    files: 4,
    inserted: 7600,
  });
  const rows = await stack.query<{ event_id: string }>("SELECT event_id FROM public.events");
  expect(rows).toHaveLength(7600);
  expect(new Set(rows.map((r) => r.event_id))).toEqual(ids);
  expect(await warehouseState(stack)).toMatchObject({ ledgerFiles: 4, ledgerDistinct: 4, batches: 1 });
});
