import Table from "cli-table3";
import { type Figures, METRICS, type MetricSpec, meetsTarget, type ResultsJson, SECTIONS } from "./results";

const SECTION_TITLES: Record<string, string> = {
  loader: "Loader vs COPY",
  generator: "Generator",
  "copy-statements": "Redshift COPY",
  lambda: "Loader Lambda",
  synth: "Synth",
};

export function formatValue(value: number, digits: number, unit: string): string {
  const text = value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  if (unit === "×") return `${text}×`;
  if (unit === "%") return `${text} %`;
  return unit ? `${text} ${unit}` : text;
}

/**
 * Digits enough that the shown value agrees with its status: 0.7975 against ≥ 0.80 is "0.798×
 * MISSED", not "0.80× MISSED" (at most two more than the metric's own).
 */
export function digitsFor(value: number, metric: Pick<MetricSpec, "digits" | "target">): number {
  const { target } = metric;
  if (!target) return metric.digits;
  const met = meetsTarget(target, value);
  let digits = metric.digits;
  while (digits < metric.digits + 2 && meetsTarget(target, Number(value.toFixed(digits))) !== met) digits++;
  return digits;
}

type Row = { section: string; measure: string; value: string; target: string; status: string };

/**
 * The rows of the table: one per figure, each marked met / MISSED against its target; a figure
 * that was not measured points at a numbered reason under the table. A section left out by
 * --only is one row.
 */
function buildRows(figures: Figures): { rows: Row[]; footnotes: string[] } {
  const rows: Row[] = [];
  const footnotes: string[] = [];
  const footnote = (reason: string): number => {
    const index = footnotes.indexOf(reason);
    if (index >= 0) return index + 1;
    footnotes.push(reason);
    return footnotes.length;
  };
  for (const section of SECTIONS) {
    const metrics = METRICS.filter((metric) => metric.section === section);
    const title = SECTION_TITLES[section] ?? section;
    const reasons = new Set(metrics.map((metric) => figures.reason(metric.key)));
    const allMissing = metrics.every((metric) => figures.get(metric.key) === undefined);
    if (allMissing && reasons.size === 1) {
      const reason = [...reasons][0] ?? "unknown";
      rows.push({
        section: title,
        measure: "(all figures)",
        value: "—",
        target: "",
        status: notMeasured(reason, footnote),
      });
      continue;
    }
    metrics.forEach((metric: MetricSpec, index) => {
      const value = figures.get(metric.key);
      let status = "";
      if (value === undefined) status = notMeasured(figures.reason(metric.key) ?? "unknown", footnote);
      else if (metric.target) status = meetsTarget(metric.target, value) ? "met" : "MISSED";
      rows.push({
        section: index === 0 ? title : "",
        measure: metric.label,
        value: value === undefined ? "—" : formatValue(value, digitsFor(value, metric), metric.unit),
        target: metric.target?.label ?? "",
        status,
      });
    });
  }
  return { rows, footnotes };
}

function notMeasured(reason: string, footnote: (reason: string) => number): string {
  if (reason === "section not run (--only)") return "not run (--only)";
  return `not measured [${footnote(reason)}]`;
}

function headerLines(results: ResultsJson): string[] {
  const m = results.machine;
  const load = (values: number[]) => values.map((x) => x.toFixed(2)).join(" ");
  return [
    `kinesis-redshift bench — ${results.date}`,
    `machine: ${m.cpu_model}, ${m.cores} cores, ${m.memory_gb} GB RAM, Node ${m.node_version}, ${m.os}`,
    `backend: ${m.backend}`,
    `data: ${results.run.events.toLocaleString("en-US")} events, ${results.run.repetitions} repetition(s), medians; ` +
      `load average ${load(m.load_average_at_start)} at start, ${load(m.load_average_at_end)} at end; ` +
      `run took ${results.run.seconds} s`,
  ];
}

/** The results as the box table the bench prints. */
export function formatTable(figures: Figures, results: ResultsJson): string {
  const { rows, footnotes } = buildRows(figures);
  const table = new Table({
    head: ["", "Measure", "Value", "Target", "Status"],
    style: { head: [], border: [] },
  });
  for (const row of rows) table.push([row.section, row.measure, row.value, row.target, row.status]);
  const lines = [...headerLines(results), table.toString()];
  footnotes.forEach((reason, index) => {
    lines.push(`[${index + 1}] ${reason}`);
  });
  for (const note of results.notes) lines.push(`note: ${note}`);
  return `${lines.join("\n")}\n`;
}

/** The same table in Markdown, for README. */
export function formatMarkdown(figures: Figures, results: ResultsJson): string {
  const { rows, footnotes } = buildRows(figures);
  const cell = (text: string) => text.trim().replaceAll("|", "\\|");
  const lines = headerLines(results).map((line) => `${line}  `);
  lines.push("", "| | Measure | Value | Target | Status |", "|---|---|---:|---|---|");
  for (const row of rows) {
    lines.push(`| ${[row.section, row.measure, row.value, row.target, row.status].map(cell).join(" | ")} |`);
  }
  if (footnotes.length > 0 || results.notes.length > 0) lines.push("");
  footnotes.forEach((reason, index) => {
    lines.push(`[${index + 1}] ${cell(reason)}  `);
  });
  for (const note of results.notes) lines.push(`Note: ${cell(note)}  `);
  return `${lines.join("\n")}\n`;
}
