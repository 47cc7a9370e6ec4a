// Several results.json side by side: for every figure with a target, its value in each run, the
// median over the runs and in how many it met the target. On a 2-core machine one run's medians
// still move with the host, so whether a target holds is a count over runs, not one run's word.
import Table from "cli-table3";
import {
  figuresFromJson,
  METRICS,
  type MetricSpec,
  meetsTarget,
  type ResultsJson,
  type Target,
} from "./results";
import { median } from "./stats";
import { digitsFor, formatValue } from "./table";

export interface SpreadRow {
  metric: MetricSpec & { target: Target };
  /** One entry per run, in the order given; undefined where that run did not measure it. */
  values: (number | undefined)[];
  median: number;
  met: number;
  measured: number;
}

/** The rows: every metric with a target that at least one of the runs measured. */
export function spreadRows(runs: readonly ResultsJson[]): SpreadRow[] {
  const figures = runs.map(figuresFromJson);
  const rows: SpreadRow[] = [];
  for (const metric of METRICS) {
    const { target } = metric;
    if (!target) continue;
    const values = figures.map((f) => f.get(metric.key));
    const measured = values.filter((v): v is number => v !== undefined);
    if (measured.length === 0) continue;
    rows.push({
      metric: { ...metric, target },
      values,
      median: median(measured),
      met: measured.filter((v) => meetsTarget(target, v)).length,
      measured: measured.length,
    });
  }
  return rows;
}

/** A run's column heading: its start (UTC; with the day when the runs span several) and load average. */
export function runHeading(run: ResultsJson, withDay: boolean): string {
  const iso = run.date;
  const when = withDay ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(11, 16);
  const load = run.machine?.load_average_at_start?.[0];
  return load === undefined ? when : `${when} (${load.toFixed(2)})`;
}

function cellValue(value: number | undefined, metric: MetricSpec): string {
  if (value === undefined) return "—";
  const text = formatValue(value, digitsFor(value, metric), metric.unit);
  return metric.target && !meetsTarget(metric.target, value) ? `${text} ✗` : text;
}

/** The spread as a box table (or Markdown), with a line on what the runs were. */
export function formatSpread(runs: readonly ResultsJson[], options: { markdown: boolean }): string {
  const rows = spreadRows(runs);
  const days = new Set(runs.map((r) => r.date.slice(0, 10)));
  const headings = runs.map((r) => runHeading(r, days.size > 1));
  const machines = new Set(runs.map((r) => `${r.machine?.cpu_model}, ${r.machine?.cores} cores`));
  const sorted = runs.map((r) => r.date).sort();
  const header = [
    `kinesis-redshift bench — ${runs.length} runs, ${sorted[0]} to ${sorted.at(-1)}; columns: start (UTC) and load average at start; ✗ = missed`,
    machines.size === 1
      ? `machine: ${[...machines][0]}`
      : `machines differ: ${[...machines].join("; ")} — the runs do not compare`,
  ];
  const head = ["Measure", "Target", ...headings, "Median", "Met"];
  const body = rows.map(({ metric, values, median, met, measured }) => [
    metric.label,
    metric.target.label,
    ...values.map((v) => cellValue(v, metric)),
    cellValue(median, metric),
    `${met} of ${measured}`,
  ]);
  if (options.markdown) {
    const cell = (text: string) => text.trim().replaceAll("|", "\\|");
    const lines = header.map((line) => `${line}  `);
    lines.push("", `| ${head.map(cell).join(" | ")} |`);
    lines.push(`|${head.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`);
    for (const cells of body) lines.push(`| ${cells.map(cell).join(" | ")} |`);
    return `${lines.join("\n")}\n`;
  }
  const table = new Table({ head, style: { head: [], border: [] } });
  for (const cells of body) table.push(cells);
  return `${[...header, table.toString()].join("\n")}\n`;
}
