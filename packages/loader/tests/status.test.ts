// `load status` against a hand-built local state: real S3 server, real warehouse, loads run by the
// loader itself (one hour per run, so every hour's row count is exact), one failed batch, one object
// deleted after it was loaded.
import { DeleteObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { makeRecords } from "@kr/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoadRequest, runCli, runLoad } from "../src/index";
import type { StatusReport } from "../src/status/grid";
import { runStatus } from "../src/status/read";
import { formatStatus } from "../src/status/render";
import { hourAt, putObject } from "./helpers/data";
import { BUCKET, startStack, type TestStack } from "./helpers/stack";

let stack: TestStack;
let pendingKeys: string[] = [];
let now: Date;
let report: StatusReport;

async function load(request: LoadRequest, overrides?: Record<string, string>) {
  const config = stack.config(overrides);
  const deps = stack.deps(config);
  try {
    return await runLoad(config, request, deps);
  } finally {
    deps.close();
  }
}

const put = (stream: string, hour: string, count: number, seed: number, extra: string[] = []) =>
  putObject(stack.s3Client, BUCKET, stream, hourAt(hour), [
    ...makeRecords(stream, hourAt(hour), count, seed),
    ...extra,
  ]);

beforeAll(async () => {
  stack = await startStack();
  await put("events", "2026-11-20T10", 20, 1);
  await put("events", "2026-11-20T10", 20, 2);
  await put("utm", "2026-11-20T10", 10, 3);
  await put("events", "2026-11-20T11", 20, 4);
  await put("events", "2026-11-20T11", 20, 5);
  await put("events", "2026-11-20T12", 20, 6);
  const doomed = await put("events", "2026-11-20T13", 20, 7);
  for (const hour of ["2026-11-20T10", "2026-11-20T11", "2026-11-20T12", "2026-11-20T13"])
    await load({ from: hour });
  // A late file in a loaded hour, a stream hour never loaded, a batch that rolls back, an expired object.
  const late = await put("events", "2026-11-20T12", 20, 8);
  const utm12 = await put("utm", "2026-11-20T12", 10, 9);
  const bad = await put("utm", "2026-11-20T13", 10, 10, ["oops", "{"]);
  await expect(load({ from: "2026-11-20T13", streams: ["utm"] }, { LOAD_MAX_ERRORS: "1" })).rejects.toThrow(
    /rolled back/,
  );
  await stack.s3Client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: doomed.key }));
  const newest = await put("events", "2026-11-20T15", 20, 11);
  pendingKeys = [late.key, utm12.key, bad.key, newest.key];
  now = new Date(Date.now() + 90_000);
  const config = stack.config();
  const deps = stack.deps(config);
  try {
    report = await runStatus(
      config,
      { from: "2026-11-20T10", to: "2026-11-20T15" },
      { ...deps, now: () => now },
    );
  } finally {
    deps.close();
  }
});
afterAll(() => stack.close());

const cell = (hour: string, stream: string) =>
  report.rows.find((r) => r.hour === hour)?.cells.find((c) => c.stream === stream);

describe("status grid from S3 and the ledger", () => {
  it("every cell has the exact state and counts", () => {
    const grid = report.rows.map((r) => [
      r.hour,
      ...r.cells.map((c) => `${c.filesLoaded}/${c.filesInS3} ${c.state} ${c.rowsLoaded}`),
    ]);
    expect(grid).toEqual([
      ["2026-11-20T10", "2/2 loaded 40", "1/1 loaded 10"],
      ["2026-11-20T11", "2/2 loaded 40", "0/0 empty 0"],
      ["2026-11-20T12", "1/2 partial 20", "0/1 pending 0"],
      ["2026-11-20T13", "1/0 missing 20", "0/1 failed 0"],
      ["2026-11-20T14", "0/0 empty 0", "0/0 empty 0"],
      ["2026-11-20T15", "0/1 pending 0", "0/0 empty 0"],
    ]);
    expect(cell("2026-11-20T13", "events")).toMatchObject({ filesMissing: 1, filesPending: 0 });
    expect(cell("2026-11-20T13", "utm")?.error).toMatch(/utm: 2 rejected records exceed LOAD_MAX_ERRORS=1/);
    expect(cell("2026-11-20T12", "events")?.error).toBeUndefined();
  });

  it("lag, pending work, newest loaded hour and one command per gap", async () => {
    const listed = await stack.s3Client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const arrivals = (listed.Contents ?? [])
      .filter((o) => pendingKeys.includes(o.Key ?? ""))
      .map((o) => o.LastModified?.getTime() ?? 0);
    expect(arrivals).toHaveLength(4);
    expect(report.lagSeconds).toBe(Math.round((now.getTime() - Math.min(...arrivals)) / 1000));
    expect(report.lagSeconds).toBeGreaterThanOrEqual(90);
    expect(report.pendingFiles).toBe(4);
    expect(report.newestLoadedHour).toBe("2026-11-20T11");
    expect(
      report.streamSummaries.map((s) => [s.stream, s.pendingFiles, s.newestLoadedHour, s.rowsLoaded]),
    ).toEqual([
      ["events", 2, "2026-11-20T11", 120],
      ["utm", 2, "2026-11-20T10", 10],
    ]);
    expect(report.gaps.map((g) => g.command)).toEqual([
      "pnpm run load -- --from 2026-11-20T12 --stream events",
      "pnpm run load -- --from 2026-11-20T12 --to 2026-11-20T13 --stream utm",
      "pnpm run load -- --from 2026-11-20T13 --stream events --reimport",
      "pnpm run load -- --from 2026-11-20T15 --stream events",
    ]);
    expect(report.gaps[1]?.states).toEqual(["pending", "failed"]);
  });

  it("running a gap's command closes it", async () => {
    await load({ from: "2026-11-20T15", streams: ["events"] });
    const config = stack.config();
    const deps = stack.deps(config);
    try {
      const after = await runStatus(config, { from: "2026-11-20T15" }, { ...deps, now: () => now });
      expect(after.rows[0]?.cells.map((c) => c.state)).toEqual(["loaded", "empty"]);
      expect(after.gaps).toEqual([]);
      expect(after.newestLoadedHour).toBe("2026-11-20T15");
    } finally {
      deps.close();
    }
  });

  it("--json prints the same data; plain text has no colour codes, a TTY gets them", async () => {
    let printed = "";
    const io = (tty: boolean) => ({
      stdout: {
        isTTY: tty,
        write: (chunk: string) => {
          printed += chunk;
          return true;
        },
      },
      stderr: { write: () => true },
      loadConfig: () => stack.config(),
      runtimeDeps: (config: ReturnType<TestStack["config"]>) => ({ ...stack.deps(config), now: () => now }),
    });
    const args = ["status", "--from", "2026-11-20T10", "--to", "2026-11-20T14"];
    expect(await runCli([...args, "--json"], io(false))).toBe(0);
    const json = JSON.parse(printed) as StatusReport;
    expect(json.rows.map((r) => r.cells.map((c) => c.state))).toEqual([
      ["loaded", "loaded"],
      ["loaded", "empty"],
      ["partial", "pending"],
      ["missing", "failed"],
      ["empty", "empty"],
    ]);
    expect(json.gaps).toHaveLength(3);

    printed = "";
    expect(await runCli(args, io(false))).toBe(0);
    expect(printed).not.toContain("\u001b[");
    expect(printed).toMatch(/│ 2026-11-20T12 │ 1\/2 partial\s+│ 0\/1 pending\s+│\s+20 │/);
    expect(printed).toContain("newest fully loaded hour: 2026-11-20T11");
    expect(printed).toContain("  pnpm run load -- --from 2026-11-20T13 --stream events --reimport");
    expect(printed).toMatch(/failed utm 2026-11-20T13: utm: 2 rejected records/);

    printed = "";
    expect(await runCli(args, io(true))).toBe(0);
    expect(printed).toContain("\u001b[31m0/1 failed\u001b[0m");
    expect(printed).toContain("\u001b[32m2/2 loaded\u001b[0m");
    expect(formatStatus(json, { color: false })).not.toContain("\u001b[");
  });

  it("status takes no --reimport or --dry-run", async () => {
    let errors = "";
    const code = await runCli(["status", "--reimport"], {
      stdout: { write: () => true },
      stderr: {
        write: (c: string) => {
          errors += c;
          return true;
        },
      },
      loadConfig: () => stack.config(),
    });
    expect(code).toBe(2);
    expect(errors).toMatch(/status takes no --reimport/);
  });
});
