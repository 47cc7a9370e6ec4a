import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseBenchArgs, UsageError } from "../src/args";
import {
  Figures,
  figuresFromJson,
  type Machine,
  METRICS,
  type ResultsJson,
  readResults,
  toResultsJson,
} from "../src/results";
import { formatSpread, spreadRows } from "../src/spread";
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

/** The machine a results.json records, with `load` as the load average at start. */
const machineAt = (load: number): Machine => ({
  cpu_model: "cpu",
  cores: 2,
  memory_gb: 1,
  node_version: "v20",
  os: "linux",
  backend: "PostgreSQL",
  load_average_at_start: [load, 0, 0],
  load_average_at_end: [0, 0, 0],
});

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

  it("takes several results files after --table-from, as a comma list or one per argument (a glob)", () => {
    const tableFrom = (argv: string[]) => {
      const parsed = parseBenchArgs(argv);
      return parsed.help === false ? parsed.tableFrom : undefined;
    };
    expect(tableFrom(["--table-from", "a.json,b.json"])).toEqual(["a.json", "b.json"]);
    expect(tableFrom(["--", "--table-from", "a.json", "b.json", "c.json"])).toEqual([
      "a.json",
      "b.json",
      "c.json",
    ]);
    expect(() => parseBenchArgs(["a.json"])).toThrow(/unexpected argument a\.json/);
    expect(() => parseBenchArgs(["--table-from", "a.json,"])).toThrow(/a results file name is empty/);
  });
});

describe("results.json", () => {
  it("nests figures by section, explains every null, and reads back into the same figures", () => {
    const figures = new Figures();
    figures.set("loader.rows_per_s", 1234.5);
    figures.miss("lambda.cold_import_ms", "no node");
    const json = toResultsJson(figures, new Date("2026-11-25T00:00:00Z"), machineAt(0), {
      events: 10,
      repetitions: 1,
      sections: ["loader"],
      seconds: 1,
    });
    expect(at(json, "loader.rows_per_s")).toBe(1234.5);
    expect(at(json, "lambda.cold_import_ms")).toBeNull();
    expect(json.not_measured["lambda.cold_import_ms"]).toBe("no node");
    const back = figuresFromJson(JSON.parse(JSON.stringify(json)));
    expect(back.get("loader.rows_per_s")).toBe(1234.5);
    expect(back.reason("lambda.cold_import_ms")).toBe("no node");
  });
});

/** A results.json as a run at `date` with `load` at start would write it, holding `values`. */
function resultsOf(date: string, load: number, values: Record<string, number>): ResultsJson {
  const figures = new Figures();
  for (const [key, value] of Object.entries(values)) figures.set(key, value);
  return toResultsJson(figures, new Date(date), machineAt(load), {
    events: 10,
    repetitions: 1,
    sections: ["loader", "backlog"],
    seconds: 1,
  });
}

describe("several runs side by side (--table-from a,b,c)", () => {
  const runs = [
    resultsOf("2026-12-07T21:32:00Z", 0.88, {
      "loader.ratio_vs_two_write_limit": 0.83,
      "loader.backlog.throughput_ratio": 0.81,
    }),
    resultsOf("2026-12-07T21:38:00Z", 0.17, {
      "loader.ratio_vs_two_write_limit": 0.86,
      "loader.backlog.throughput_ratio": 0.85,
    }),
    resultsOf("2026-12-07T21:41:00Z", 1.52, { "loader.ratio_vs_two_write_limit": 0.87 }),
  ];

  it("gives each target its value per run, the median, and how many of the runs that measured it met it", () => {
    const rows = spreadRows(runs);
    const twoWrite = rows.find((r) => r.metric.key === "loader.ratio_vs_two_write_limit");
    expect(twoWrite).toMatchObject({ values: [0.83, 0.86, 0.87], median: 0.86, met: 2, measured: 3 });
    const drain = rows.find((r) => r.metric.key === "loader.backlog.throughput_ratio");
    expect(drain).toMatchObject({ values: [0.81, 0.85, undefined], met: 1, measured: 2 });
    expect(drain?.median).toBeCloseTo(0.83, 10); // the mean of the middle two
    // Only what some run measured, and only figures with a target.
    expect(rows.map((r) => r.metric.key).sort()).toEqual([
      "loader.backlog.throughput_ratio",
      "loader.ratio_vs_two_write_limit",
    ]);
  });

  it("heads each column with the run's start and load average, and marks a miss in its cell", () => {
    const text = formatSpread(runs, { markdown: true });
    expect(text).toContain(
      "| Measure | Target | 21:32 (0.88) | 21:38 (0.17) | 21:41 (1.52) | Median | Met |",
    );
    expect(text).toMatch(
      /Whole load \/ two-write limit \| ≥ 0\.85 \| 0\.83× ✗ \| 0\.86× \| 0\.87× \| 0\.86× \| 2 of 3 \|/,
    );
    expect(text).toMatch(/0\.81× ✗ \| 0\.85× \| — \| 0\.83× ✗ \| 1 of 2 \|/);
    const days = formatSpread([runs[0] as ResultsJson, resultsOf("2026-12-08T09:00:00Z", 0.5, {})], {
      markdown: false,
    });
    expect(days).toContain("12-07 21:32 (0.88)");
    expect(days).toContain("12-08 09:00 (0.50)");
  });

  it("reads the files from the command line, and refuses one that is not a results file with exit 2", () => {
    const files = runs.map((run, i) => {
      const file = join(dir, `spread-${i}.json`);
      writeFileSync(file, JSON.stringify(run));
      return file;
    });
    const ok = runBench(["--table-from", files.join(",")]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("3 runs, 2026-12-07T21:32:00.000Z to 2026-12-07T21:41:00.000Z");
    expect(ok.stdout).toMatch(/2 of 3/);
    const notResults = join(dir, "not-results.json");
    writeFileSync(notResults, "{}");
    const bad = runBench(["--table-from", `${files[0]},${notResults}`]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${notResults} is not a bench results file`);
    const missing = runBench(["--table-from", join(dir, "missing.json")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*missing\.json: ENOENT/);
  });
});

describe("the runs kept in apps/bench/runs", () => {
  // One folder per day and machine: the same timed code gave other ratios on another CPU of the
  // same kind, and the code itself changes from one day to the next.
  const counts = {
    "2026-12-07/intel-xeon": {
      cpu: "Intel(R) Xeon(R) Processor",
      twoWrite: "4 of 10",
      drain: "5 of 10",
      reimport: "8 of 10",
    },
    "2026-12-07/amd-epyc": { cpu: "AMD EPYC", twoWrite: "5 of 10", drain: "1 of 10", reimport: "7 of 10" },
    "2026-12-08/amd-epyc": { cpu: "AMD EPYC", twoWrite: "3 of 10", drain: "0 of 10", reimport: "5 of 10" },
  };
  for (const [folder, expected] of Object.entries(counts)) {
    it(`${folder}: read back as results files of that one machine, and give the counts README quotes`, () => {
      const dir = join(root, "apps/bench/runs", folder);
      const runs = readdirSync(dir)
        .filter((name) => name.endsWith(".json"))
        .map((name) => readResults(readFileSync(join(dir, name), "utf8"), name));
      expect(runs).toHaveLength(10);
      expect(new Set(runs.map((r) => r.machine.cpu_model))).toEqual(new Set([expected.cpu]));
      const rows = spreadRows(runs);
      const met = (key: string) => {
        const row = rows.find((r) => r.metric.key === key);
        return row && `${row.met} of ${row.measured}`;
      };
      expect(met("loader.ratio_vs_two_write_limit")).toBe(expected.twoWrite);
      expect(met("loader.backlog.throughput_ratio")).toBe(expected.drain);
      expect(met("loader.reimport_time_ratio")).toBe(expected.reimport);
    });
  }
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
