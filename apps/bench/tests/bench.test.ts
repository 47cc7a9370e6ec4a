import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseBenchArgs, UsageError } from "../src/args";
import { Figures, figuresFromJson, METRICS, toResultsJson } from "../src/results";
import { digitsFor } from "../src/table";

const root = join(import.meta.dirname, "../../..");
const dir = mkdtempSync(join(tmpdir(), "kr-bench-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runBench(args: string[]) {
  const out = join(dir, `results-${Math.random().toString(36).slice(2)}.json`);
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", "apps/bench/src/main.ts", ...args, "--out", out],
    {
      cwd: root,
      encoding: "utf8",
      timeout: 290_000,
    },
  );
  return { ...child, out };
}

const read = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
const at = (json: Record<string, unknown>, key: string) => {
  // The first dot names the group: loader.backlog.invocations is loader["backlog.invocations"].
  const dot = key.indexOf(".");
  return (json[key.slice(0, dot)] as Record<string, unknown> | undefined)?.[key.slice(dot + 1)];
};

describe("bench flags", () => {
  it("defaults to 500,000 events, 3 repetitions, every section", () => {
    const parsed = parseBenchArgs([]);
    expect(parsed).toMatchObject({ help: false, events: 500_000, repetitions: 3, out: "bench/results.json" });
    expect(parsed.help === false && parsed.sections).toEqual([
      "loader",
      "backlog",
      "generator",
      "copy-statements",
      "lambda",
      "synth",
    ]);
  });

  it("rejects an unknown section and a non-numeric size with a message", () => {
    expect(() => parseBenchArgs(["--only", "loader,nope"])).toThrow(/unknown section nope/);
    expect(() => parseBenchArgs(["--events", "lots"])).toThrow(UsageError);
  });
});

describe("results.json", () => {
  it("nests figures by section, explains every null, and reads back into the same figures", () => {
    const figures = new Figures();
    figures.set("loader.rows_per_s", 1234.5);
    figures.miss("lambda.cold_import_ms", "no node");
    const json = toResultsJson(
      figures,
      new Date("2026-11-25T00:00:00Z"),
      {
        cpu_model: "cpu",
        cores: 2,
        memory_gb: 1,
        node_version: "v20",
        os: "linux",
        backend: "PostgreSQL",
        load_average_at_start: [0, 0, 0],
        load_average_at_end: [0, 0, 0],
      },
      { events: 10, repetitions: 1, sections: ["loader"], seconds: 1 },
    );
    expect(at(json, "loader.rows_per_s")).toBe(1234.5);
    expect(at(json, "lambda.cold_import_ms")).toBeNull();
    expect(json.not_measured["lambda.cold_import_ms"]).toBe("no node");
    const back = figuresFromJson(JSON.parse(JSON.stringify(json)));
    expect(back.get("loader.rows_per_s")).toBe(1234.5);
    expect(back.reason("lambda.cold_import_ms")).toBe("no node");
  });
});

describe("the table's values", () => {
  const ratio = { digits: 2, target: { op: ">=" as const, value: 0.8, label: "≥ 0.80" } };
  it("get the digits that keep a value next to its target from reading as met when it missed", () => {
    expect(digitsFor(0.7975, ratio)).toBe(3); // 0.798×, not 0.80×, beside MISSED
    expect(digitsFor(0.79999, ratio)).toBe(4); // at most two more: 0.8000× would still read as met
    expect(digitsFor(0.8049, ratio)).toBe(2);
    expect(digitsFor(0.7949, ratio)).toBe(2);
    expect(digitsFor(1.1049, { digits: 2, target: { op: "<=", value: 1.1, label: "≤ 1.1" } })).toBe(3);
    expect(digitsFor(0.7975, { digits: 2 })).toBe(2);
  });
});

describe("pnpm run bench, tiny sizes", () => {
  // Figures here are not checked against targets: a smoke run on a busy machine measures nothing.
  it("measures the loader against COPY and counts COPY statements, writing numbers for their keys", () => {
    const run = runBench(["--events", "2000", "--repetitions", "1", "--only", "loader,copy-statements"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("Loader vs COPY");
    const json = read(run.out);
    expect(json.machine).toMatchObject({ cores: expect.any(Number), backend: expect.any(String) });
    for (const key of [
      "loader.rows_per_s",
      "loader.copy_baseline_rows_per_s",
      "loader.stage_rows_per_s",
      "loader.copy_stdin_rows_per_s",
      "loader.two_write_limit_rows_per_s",
      "loader.reimport_time_ratio",
      "copy_statements.h1",
      "copy_statements.h24",
      "copy_statements.h720",
    ]) {
      expect(at(json, key), `${key}: ${JSON.stringify(json.not_measured)}`).toEqual(expect.any(Number));
    }
    for (const ratio of [
      "loader.ratio_vs_copy",
      "loader.ratio_vs_two_write_limit",
      "loader.stage_ratio_vs_copy",
      "loader.reimport_time_ratio",
    ]) {
      expect(at(json, ratio), ratio).toBeGreaterThan(0);
    }
    for (const hours of ["h1", "h24", "h720"])
      expect(at(json, `copy_statements.${hours}`)).toBeGreaterThanOrEqual(1);
  }, 300_000);

  it("measures the generator's packing: ~9 events per Firehose record, billed under 600 bytes each", () => {
    const run = runBench(["--events", "3000", "--repetitions", "1", "--only", "generator"]);
    expect(run.status, run.stderr).toBe(0);
    const json = read(run.out);
    expect(at(json, "generator.events_per_record")).toBeGreaterThan(8);
    expect(at(json, "generator.billed_bytes_per_event")).toBeLessThanOrEqual(600);
    // Event sizes, not record sizes: what docs/capacity.md builds on.
    expect(at(json, "generator.avg_record_bytes")).toBeGreaterThan(500);
    expect(at(json, "generator.avg_record_bytes")).toBeLessThan(600);
  }, 300_000);

  it("writes every required key: a number for what it ran, null with a reason for the rest", () => {
    const run = runBench(["--events", "2000", "--repetitions", "1", "--only", "lambda"]);
    expect(run.status, run.stderr).toBe(0);
    const json = read(run.out);
    expect(json.date).toEqual(expect.any(String));
    expect(json.machine).toMatchObject({ cores: expect.any(Number), node_version: process.version });
    for (const metric of METRICS.filter((m) => m.required)) {
      const value = at(json, metric.key);
      if (metric.section === "lambda") expect(value, metric.key).toBeGreaterThan(0);
      else {
        expect(value, metric.key).toBeNull();
        expect((json.not_measured as Record<string, string>)[metric.key]).toMatch(/--only/);
      }
    }
  });
});
