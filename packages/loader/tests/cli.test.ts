// The `load` command: usage errors exit 2 with a message that says what to type; a real run prints
// the summary table; --dry-run prints the plan and SQL and writes nothing.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeRecords } from "@kr/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli-main";
import { hourAt, putObject, writeDataset } from "./helpers/data";
import { startStack, type TestStack, warehouseState } from "./helpers/stack";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "packages/loader/src/cli.ts");
// Resolved here because the child runs in an empty directory.
const TSX_LOADER = import.meta.resolve("tsx");

let stack: TestStack;
let cwd: string;
beforeAll(async () => {
  stack = await startStack();
  cwd = await mkdtemp(join(tmpdir(), "kr-cli-"));
  await writeDataset(
    stack.s3Client,
    "kr-events",
    ["events", "utm"],
    [hourAt("2026-11-23T05"), hourAt("2026-11-23T06")],
    {
      filesPerHour: 2,
      perFile: 25,
      seed: 3,
    },
  );
});
afterAll(async () => {
  await stack.close();
  await rm(cwd, { recursive: true, force: true });
});

/** Runs the command in-process with the stack's settings; returns exit code and output. */
async function cli(argv: string[], overrides: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: {
      write: (s: string) => {
        stdout += s;
        return true;
      },
    },
    stderr: {
      write: (s: string) => {
        stderr += s;
        return true;
      },
      isTTY: false,
    },
    loadConfig: () => stack.config(overrides),
  });
  return { code, stdout, stderr };
}

/** Runs the real CLI in a child process (what `pnpm run load` runs), in an empty directory. */
function spawnCli(
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    // tsx registered in node itself: what `pnpm run load` runs, minus the shim's extra process.
    const child = spawn(process.execPath, ["--import", TSX_LOADER, CLI, ...argv], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("usage errors exit 2 with a message that says what to do", () => {
  it.each([
    [["--frm", "2026-11-23T05"], "unknown option --frm: did you mean --from? (see --help)"],
    [["--from"], "--from needs a value, e.g. --from 2026-11-23T05"],
    [["--from", "--to", "2026-11-23T05"], "--from needs a value, e.g. --from 2026-11-23T05"],
    [["--from", "yesterday"], '--from "yesterday" is not an hour: type a UTC hour like 2026-11-23T05'],
    [
      ["--from", "2026-11-23T08", "--to", "2026-11-23T05"],
      "--from 2026-11-23T08 is after --to 2026-11-23T05: swap them",
    ],
    [
      ["--from", "2026-01-01", "--to", "2026-12-31"],
      "the range 2026-01-01T00..2026-12-31T23 is 8760 hours, more than the 2160-hour cap (LOAD_MAX_RANGE_HOURS): load it in parts, e.g. --from 2026-01-01T00 --to 2026-03-31T23, or raise the cap",
    ],
    [["--to", "2026-11-23T05"], "--to needs a --from: type e.g. --from 2026-11-23T05 --to 2026-11-23T05"],
    [
      ["--from", "2026-11-23T05:30"],
      '--from "2026-11-23T05:30" is not a whole hour: partitions are hourly, type 2026-11-23T05 for the hour that contains it',
    ],
    [
      ["--from", "2026-11-23", "--stream", "clicks"],
      'unknown stream "clicks": the streams are events, utm (KR_STREAMS)',
    ],
    [["--reimport"], "--reimport needs --from (and --to)"],
    [["--from", "2026-11-23", "--direct"], "--direct is for AWS mode (KR_MODE=aws)"],
    [["--reimport=yes", "--from", "2026-11-23"], "--reimport takes no value"],
    [
      ["2026-11-23T05"],
      'unexpected argument "2026-11-23T05": the commands are load (default), create-tables, status, rejects and replay; hours go after --from/--to',
    ],
    [["create-tables", "--from", "2026-11-23"], "create-tables takes no --from"],
  ])("%j", async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: ${message}`);
    expect(result.stderr).toContain("run with --help for usage");
    expect(result.stdout).toBe("");
  });

  it("a bad setting is a configuration error (exit 2) naming the setting", async () => {
    let stderr = "";
    const code = await runCli(["--from", "2026-11-23"], {
      stdout: { write: () => true },
      stderr: {
        write: (s: string) => {
          stderr += s;
          return true;
        },
      },
      loadConfig: () => stack.config({ RS_PORT: "not-a-port", LOAD_MAX_ERRORS: "-1" }),
    });
    expect(code).toBe(2);
    expect(stderr).toContain("RS_PORT must be a whole number from 0 to 65535");
    expect(stderr).toContain("LOAD_MAX_ERRORS must be a whole number from 0 to 99999");
  });

  it("the real command exits 2 too, and forwards pnpm's `--`", async () => {
    const result = await spawnCli(["--", "--from", "2026-11-23T08", "--to", "2026-11-23T05"], stack.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: --from 2026-11-23T08 is after --to 2026-11-23T05: swap them");
    expect(result.stderr).not.toContain("NodeVersionSupportWarning");
  });

  it("--help prints the usage and exits 0", async () => {
    const result = await cli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "exit codes: 0 loaded (work may be pending; replay: lines may still be rejected), 1 load or replay\nfailed and rolled back, 2 usage or configuration error",
    );
  });
});

describe("running", () => {
  it("--dry-run prints hours, files and bytes per stream and the SQL, and writes nothing", async () => {
    const before = await warehouseState(stack);
    const keys = await stack.listKeys();
    const result = await cli(["--from", "2026-11-23T05", "--to", "2026-11-23T06", "--dry-run"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      "dry run: load 2026-11-23T05..2026-11-23T06 (2 h, postgres) — nothing is written",
    );
    expect(result.stdout).toMatch(/│ events +│ public\.events +│ +2 │ +4 │/);
    expect(result.stdout).toContain('LOCK TABLE "public"."events" IN SHARE ROW EXCLUSIVE MODE;');
    expect(result.stdout).toMatch(
      /CREATE TEMP TABLE "kr_stage_utm_[0-9a-f]{8}" \(\n {2}"event_id" varchar\(65535\),\n {2}"occurred_at" timestamptz,/,
    );
    expect(result.stdout).toMatch(
      /DELETE FROM "kr_stage_utm_[0-9a-f]{8}"\nWHERE \("event_id" IS NULL\) OR \(OCTET_LENGTH\("event_id"\) > 64\) OR \("occurred_at" IS NULL\);/,
    );
    expect(result.stdout).toContain('DELETE FROM "public"."utm"');
    expect(await warehouseState(stack)).toEqual(before);
    expect(await stack.listKeys()).toEqual(keys);
  });

  it("--dry-run lists every batch the plan cuts, with its files, bytes and hours", async () => {
    const result = await cli(["--from", "2026-11-23T05", "--to", "2026-11-23T06", "--dry-run", "--json"], {
      LOAD_BATCH_MAX_FILES: "3",
    });
    expect(result.code).toBe(0);
    const events = JSON.parse(result.stdout).streams.find((s: { stream: string }) => s.stream === "events");
    // 4 files, 3 per batch: oldest first, and together they are the whole plan.
    expect(events.batches).toBe(2);
    expect(events.plannedBatches.map((b: { files: number }) => b.files)).toEqual([3, 1]);
    expect(events.plannedBatches.reduce((n: number, b: { bytes: number }) => n + b.bytes, 0)).toBe(
      events.bytes,
    );
    expect(events.plannedBatches[0].fromHour).toBe("2026-11-23T05");
    expect(events.plannedBatches[1].toHour).toBe("2026-11-23T06");

    const text = await cli(["--from", "2026-11-23T05", "--to", "2026-11-23T06", "--dry-run"], {
      LOAD_BATCH_MAX_FILES: "1",
    });
    expect(text.stdout).toContain(
      "events: 4 batches (at most LOAD_BATCH_MAX_BYTES / LOAD_BATCH_MAX_FILES each)",
    );
    expect(text.stdout).toMatch(/ {4}1\. 1 files, .*, 2026-11-23T05\n/);
    expect(text.stdout).toMatch(/ {4}4\. 1 files, .*, 2026-11-23T06\n/);
    expect(text.stdout).toContain("batch 1 of 4; the others run the same statements on their own files");
  });

  it("a real run through the command prints the summary table and exits 0", async () => {
    const result = await spawnCli(["--", "--from", "2026-11-23T05", "--to", "2026-11-23T06"], stack.env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("load 2026-11-23T05..2026-11-23T06 (2 h, postgres)");
    expect(result.stdout).toMatch(
      /stream +│ status +│ +files +│ +bytes +│ +rows staged +│ +inserted +│ +replaced +│ +unchanged +│ +duplicates dropped +│ +rejected +│ +time/,
    );
    expect(result.stdout).toMatch(/│ events +│ loaded +│ +4 │ .* │ +100 │ +100 │ +0 │ +0 │ +0 │/);
    expect(result.stdout).toMatch(/│ total +│ ok +│ +8 │ .* │ +200 │ +200 │/);
  });

  it("--json prints the report; --reimport leaves identical rows as they are", async () => {
    const result = await cli([
      "--from",
      "2026-11-23T05",
      "--to",
      "2026-11-23T06",
      "--reimport",
      "--stream",
      "utm",
      "--json",
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      ok: true,
      reimport: true,
      streams: [{ stream: "utm", files: 4, inserted: 0, replaced: 0, unchanged: 100 }],
    });
  });

  it("create-tables is idempotent; --dry-run prints the DDL", async () => {
    const again = await cli(["create-tables"]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain("created the stream tables and the ledger (postgres");
    const dry = await cli(["create-tables", "--dry-run", "--stream", "events"]);
    expect(dry.stdout).toContain('CREATE TABLE IF NOT EXISTS "public"."events" (');
    expect(dry.stdout).not.toContain('"public"."utm"');
  });

  it("a ledger from before the timed-out batch history: a load says to run create-tables (exit 2), which adds the columns", async () => {
    await stack.query('ALTER TABLE loader.failed_batches DROP COLUMN "driver", DROP COLUMN "timed_out"');
    const old = await cli(["--from", "2026-11-23T05"]);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain("the loader ledger predates the batch history this release reads");
    expect(old.stderr).toContain("create-tables");
    const upgraded = await cli(["create-tables"]);
    expect(upgraded.code).toBe(0);
    const columns = await stack.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = 'loader' AND table_name = 'failed_batches' AND column_name IN ('driver', 'timed_out') ORDER BY column_name",
    );
    expect(columns.map((c) => c.column_name)).toEqual(["driver", "timed_out"]);
    expect(await cli(["--from", "2026-11-23T05"])).toMatchObject({ code: 0 });
  });

  it("a load that cannot reach the warehouse exits 1 and says what to check", async () => {
    const result = await cli(["--from", "2026-11-23T05"], { RS_PORT: "1" });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /error: cannot connect to the warehouse at 127\.0\.0\.1:1\/.*is the local warehouse running \(make local-up\)\?/,
    );
  });

  it("a batch above LOAD_MAX_ERRORS exits 1, shows the failed stream and its rejected records", async () => {
    const hour = hourAt("2026-11-23T09");
    await putObject(stack.s3Client, "kr-events", "utm", hour, ["{oops", ...makeRecords("utm", hour, 3, 8)]);
    const before = await warehouseState(stack);
    const result = await cli(["--from", "2026-11-23T09"], { LOAD_MAX_ERRORS: "0" });
    expect(result.code).toBe(1);
    // Nothing of utm loaded: its one file is pending (the batch rolled back).
    expect(result.stdout).toMatch(/│ utm +│ failed +│ +0 │ .* │ 1 \(\d+ B\) │/);
    expect(result.stdout).toMatch(/│ total +│ failed +│/);
    expect(result.stdout).toContain("utm: 1 rejected record(s):");
    expect(result.stdout).toContain('.gz:1 invalid JSON — "{oops"');
    expect(result.stderr).toContain(
      "error: utm: 1 rejected records exceed LOAD_MAX_ERRORS=0; the batch rolled back",
    );
    expect(await warehouseState(stack)).toEqual(before);
  });
});
