/** The figures the bench reports: their keys in results.json, labels, units and targets. */

export const SECTIONS = ["loader", "backlog", "generator", "copy-statements", "lambda", "synth"] as const;
export type SectionName = (typeof SECTIONS)[number];

export type Target = { op: ">=" | "<=" | "=="; value: number; label: string };

export interface MetricSpec {
  /** Dotted key in results.json, e.g. `loader.rows_per_s`. */
  key: string;
  section: SectionName;
  label: string;
  unit: string;
  digits: number;
  target?: Target;
  /** Listed in the required keys (always present, number or null). */
  required?: boolean;
}

export const METRICS: readonly MetricSpec[] = [
  {
    key: "loader.copy_baseline_rows_per_s",
    section: "loader",
    label: "COPY baseline: pre-made CSV into a TEMP table shaped like staging",
    unit: "rows/s",
    digits: 0,
    required: true,
  },
  {
    key: "loader.copy_stdin_rows_per_s",
    section: "loader",
    label: "  same COPY into a regular table of the target's shape (WAL)",
    unit: "rows/s",
    digits: 0,
  },
  {
    key: "loader.psql_copy_rows_per_s",
    section: "loader",
    label: "  psql \\copy of the same CSV file into that regular table",
    unit: "rows/s",
    digits: 0,
  },
  {
    key: "loader.stage_rows_per_s",
    section: "loader",
    label: "Stage step alone (S3 objects → staging)",
    unit: "rows/s",
    digits: 0,
  },
  {
    key: "loader.stage_ratio_vs_copy",
    section: "loader",
    label: "Stage / COPY baseline (≤ 1 unless something beats COPY)",
    unit: "×",
    digits: 2,
    target: { op: ">=", value: 0.8, label: "≥ 0.80" },
    required: true,
  },
  {
    key: "loader.two_write_limit_rows_per_s",
    section: "loader",
    label: "Two-write limit: COPY into TEMP, then one INSERT … SELECT into the target",
    unit: "rows/s",
    digits: 0,
    required: true,
  },
  {
    key: "loader.rows_per_s",
    section: "loader",
    label: "Whole exactly-once load (stage+dedupe+merge+ledger)",
    unit: "rows/s",
    digits: 0,
    required: true,
  },
  {
    key: "loader.ratio_vs_two_write_limit",
    section: "loader",
    label: "Whole load / two-write limit",
    unit: "×",
    digits: 2,
    target: { op: ">=", value: 0.85, label: "≥ 0.85" },
    required: true,
  },
  {
    key: "loader.ratio_vs_copy",
    section: "loader",
    label: "Whole load / COPY baseline (one write; for continuity)",
    unit: "×",
    digits: 2,
    target: { op: ">=", value: 0.4, label: "≥ 0.40" },
    required: true,
  },
  { key: "loader.first_load_s", section: "loader", label: "First load of the range", unit: "s", digits: 2 },
  { key: "loader.reimport_s", section: "loader", label: "Re-import of the same range", unit: "s", digits: 2 },
  {
    key: "loader.reimport_time_ratio",
    section: "loader",
    label: "Re-import time / first load time",
    unit: "×",
    digits: 2,
    target: { op: "<=", value: 1.1, label: "≤ 1.1" },
    required: true,
  },
  {
    key: "loader.backlog.invocations",
    section: "backlog",
    label: "Backlog drain: budget-bounded runs until nothing is pending",
    unit: "runs",
    digits: 0,
    required: true,
  },
  {
    key: "loader.backlog.max_invocation_s_over_budget",
    section: "backlog",
    label: "  worst run's time past its budget (negative: under)",
    unit: "s",
    digits: 2,
    target: { op: "<=", value: 1.0, label: "≤ 1.0" },
    required: true,
  },
  {
    key: "loader.backlog.throughput_ratio",
    section: "backlog",
    label: "  drain throughput / one unbounded batch of the same data",
    unit: "×",
    digits: 2,
    target: { op: ">=", value: 0.85, label: "≥ 0.85" },
    required: true,
  },
  {
    key: "loader.copy_ms",
    section: "loader",
    label: "The COPY (stage step) of the batch",
    unit: "ms",
    digits: 0,
  },
  {
    key: "loader.reader_wait_ms",
    section: "loader",
    label: "A reader's wait during the COPY (median of SELECT count(*))",
    unit: "ms",
    digits: 1,
    required: true,
  },
  {
    key: "loader.reader_wait_max_ms",
    section: "loader",
    label: "A reader's longest wait during the COPY",
    unit: "ms",
    digits: 1,
  },
  {
    key: "generator.events_per_s",
    section: "generator",
    label: "Generator → local Firehose",
    unit: "events/s",
    digits: 0,
    required: true,
  },
  {
    key: "generator.mb_per_s",
    section: "generator",
    label: "Generator → local Firehose",
    unit: "MB/s",
    digits: 1,
  },
  {
    key: "generator.multiple_of_design_load",
    section: "generator",
    label: "Multiple of 1M events/hour",
    unit: "×",
    digits: 0,
    target: { op: ">=", value: 100, label: "≥ 100×" },
    required: true,
  },
  {
    key: "generator.events_per_record",
    section: "generator",
    label: "Events per Firehose record (packed up to 5,000 bytes)",
    unit: "events",
    digits: 2,
    required: true,
  },
  {
    key: "generator.billed_bytes_per_event",
    section: "generator",
    label: "Firehose-billed bytes per event (each record rounded up to 5 KB)",
    unit: "bytes",
    digits: 0,
    target: { op: "<=", value: 600, label: "≤ 600" },
    required: true,
  },
  {
    key: "generator.cpu_us_per_event",
    section: "generator",
    label: "  CPU per event, generator process (generate + SDK + HTTP)",
    unit: "µs",
    digits: 1,
  },
  {
    key: "generator.firehose_cpu_us_per_event",
    section: "generator",
    label: "  CPU per event, local Firehose + S3 process",
    unit: "µs",
    digits: 1,
  },
  {
    key: "generator.records_per_batch",
    section: "generator",
    label: "Firehose records per PutRecordBatch (limit 500)",
    unit: "records",
    digits: 0,
  },
  {
    key: "generator.record_fill",
    section: "generator",
    label: "Batch fill by records (of 500)",
    unit: "%",
    digits: 1,
  },
  {
    key: "generator.bytes_per_batch",
    section: "generator",
    label: "Bytes per PutRecordBatch (limit 4 MiB)",
    unit: "bytes",
    digits: 0,
  },
  {
    key: "generator.byte_fill",
    section: "generator",
    label: "Batch fill by bytes (of 4 MiB)",
    unit: "%",
    digits: 1,
  },
  {
    key: "generator.avg_record_bytes",
    section: "generator",
    label: "Average event size, raw JSON + \\n",
    unit: "bytes",
    digits: 0,
  },
  {
    key: "generator.avg_record_gzip_bytes",
    section: "generator",
    label: "Average event size, gzipped in objects",
    unit: "bytes",
    digits: 1,
  },
  {
    key: "copy_statements.h1",
    section: "copy-statements",
    label: "COPY statements per stream per batch, 1 h",
    unit: "",
    digits: 0,
    target: { op: "==", value: 1, label: "= 1" },
    required: true,
  },
  {
    key: "copy_statements.h24",
    section: "copy-statements",
    label: "COPY statements per stream per batch, 24 h",
    unit: "",
    digits: 0,
    target: { op: "==", value: 1, label: "= 1" },
    required: true,
  },
  {
    key: "copy_statements.h720",
    section: "copy-statements",
    label: "COPY statements per stream per batch, 720 h",
    unit: "",
    digits: 0,
    target: { op: "==", value: 1, label: "= 1" },
    required: true,
  },
  {
    key: "lambda.bundle_bytes",
    section: "lambda",
    label: "Loader Lambda bundle (minified JS)",
    unit: "bytes",
    digits: 0,
  },
  {
    key: "lambda.bundle_zip_bytes",
    section: "lambda",
    label: "Loader Lambda bundle, zipped",
    unit: "bytes",
    digits: 0,
    required: true,
  },
  {
    key: "lambda.cold_import_ms",
    section: "lambda",
    label: "Cold import of the bundle (fresh node)",
    unit: "ms",
    digits: 1,
    required: true,
  },
  {
    key: "lambda.sdk_import_ms",
    section: "lambda",
    label: "  of which the AWS SDK clients it imports (runtime-provided)",
    unit: "ms",
    digits: 1,
  },
  {
    key: "synth.seconds",
    section: "synth",
    label: "Synth of both stacks",
    unit: "s",
    digits: 2,
    required: true,
  },
  {
    key: "synth.peak_rss_mb",
    section: "synth",
    label: "Synth peak RSS",
    unit: "MB",
    digits: 0,
    required: true,
  },
];

export function metricSpec(key: string): MetricSpec {
  const spec = METRICS.find((metric) => metric.key === key);
  if (!spec) throw new Error(`unknown metric ${key}`);
  return spec;
}

export function meetsTarget(target: Target, value: number): boolean {
  switch (target.op) {
    case ">=":
      return value >= target.value;
    case "<=":
      return value <= target.value;
    case "==":
      return value === target.value;
  }
}

/** Figures measured in one run: every metric is a number, or null with the reason it is not. */
export class Figures {
  readonly values = new Map<string, number>();
  readonly reasons = new Map<string, string>();
  readonly notes: string[] = [];

  set(key: string, value: number): void {
    metricSpec(key);
    if (!Number.isFinite(value)) {
      this.miss(key, `measurement gave ${value}`);
      return;
    }
    this.values.set(key, value);
    this.reasons.delete(key);
  }

  miss(key: string, reason: string): void {
    metricSpec(key);
    this.values.delete(key);
    this.reasons.set(key, reason);
  }

  /** Marks every metric of a section that has no value yet as not measured. */
  missSection(section: SectionName, reason: string): void {
    for (const metric of METRICS) {
      if (metric.section === section && !this.values.has(metric.key) && !this.reasons.has(metric.key)) {
        this.miss(metric.key, reason);
      }
    }
  }

  get(key: string): number | undefined {
    return this.values.get(key);
  }

  reason(key: string): string | undefined {
    return this.reasons.get(key);
  }
}

export interface Machine {
  cpu_model: string;
  cores: number;
  memory_gb: number;
  node_version: string;
  os: string;
  backend: string;
  load_average_at_start: number[];
  load_average_at_end: number[];
}

export interface RunInfo {
  events: number;
  repetitions: number;
  sections: SectionName[];
  seconds: number;
}

export type ResultsJson = {
  date: string;
  machine: Machine;
  run: RunInfo;
  not_measured: Record<string, string>;
  notes: string[];
} & Record<string, unknown>;

/** `loader.backlog.invocations` → ["loader", "backlog.invocations"]: the first dot names the group. */
function splitKey(key: string): [string, string] {
  const dot = key.indexOf(".");
  return [key.slice(0, dot), key.slice(dot + 1)];
}

/** results.json: nested by section (`{"loader": {"rows_per_s": …}}`), nulls explained in not_measured. */
export function toResultsJson(figures: Figures, date: Date, machine: Machine, run: RunInfo): ResultsJson {
  const sections: Record<string, Record<string, number | null>> = {};
  const notMeasured: Record<string, string> = {};
  for (const metric of METRICS) {
    const [group, name] = splitKey(metric.key);
    const bucket = sections[group] ?? {};
    sections[group] = bucket;
    const value = figures.get(metric.key);
    bucket[name] = value ?? null;
    if (value === undefined) notMeasured[metric.key] = figures.reason(metric.key) ?? "not measured";
  }
  return {
    date: date.toISOString(),
    machine,
    run,
    ...sections,
    not_measured: notMeasured,
    notes: figures.notes,
  };
}

export const RESULTS_HINT = "give a results.json that pnpm run bench wrote";

/** An earlier results.json's text, checked to be one (a date, the machine, the run). */
export function readResults(text: string, file: string): ResultsJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON (${(error as Error).message}) — ${RESULTS_HINT}`);
  }
  const candidate = json as Partial<ResultsJson> | null;
  if (
    typeof candidate !== "object" ||
    candidate === null ||
    typeof candidate.date !== "string" ||
    typeof candidate.machine !== "object" ||
    typeof candidate.run !== "object"
  )
    throw new Error(`${file} is not a bench results file (no date, machine and run) — ${RESULTS_HINT}`);
  return candidate as ResultsJson;
}

/** The figures of an earlier results.json, to print its table again. */
export function figuresFromJson(json: ResultsJson): Figures {
  const figures = new Figures();
  for (const metric of METRICS) {
    const [group, name] = splitKey(metric.key);
    const value = (json[group] as Record<string, unknown> | undefined)?.[name];
    if (typeof value === "number") figures.set(metric.key, value);
    else figures.miss(metric.key, json.not_measured?.[metric.key] ?? "not in this results file");
  }
  figures.notes.push(...(json.notes ?? []));
  return figures;
}
