// Human output for the CLI: the summary table, the dry-run plan and SQL. Kept apart from report.ts so
// the Lambda bundle does not carry cli-table3.
import Table from "cli-table3";
import type { Counts, LoadReport, Pending, StreamReport } from "./report";
import { formatBytes, formatDuration } from "./units";

const n = (value: number) => value.toLocaleString("en-US");

function pendingCell(pending: Pending): string {
  return pending.files === 0 ? "-" : `${n(pending.files)} (${formatBytes(pending.bytes)})`;
}

function row(
  label: string,
  c: Counts & { skippedFiles?: number; status?: string; pending: Pending },
): string[] {
  return [
    label,
    c.status ?? "",
    c.skippedFiles === undefined
      ? n(c.files)
      : `${n(c.files)}${c.skippedFiles ? ` (+${n(c.skippedFiles)} done)` : ""}`,
    formatBytes(c.bytes),
    n(c.rowsStaged),
    n(c.inserted),
    n(c.replaced),
    n(c.unchanged),
    n(c.duplicatesDropped),
    n(c.rejected),
    formatDuration(c.durationMs),
    pendingCell(c.pending),
  ];
}

/** The summary table: one row per stream and a total. Plain text (no colour) so it pastes anywhere. */
export function formatReportTable(report: LoadReport): string {
  const table = new Table({
    head: [
      "stream",
      "status",
      "files",
      "bytes",
      "rows staged",
      "inserted",
      "replaced",
      "unchanged",
      "duplicates dropped",
      "rejected",
      "time",
      "pending",
    ],
    style: { head: [], border: [] },
    colAligns: [
      "left",
      "left",
      "right",
      "right",
      "right",
      "right",
      "right",
      "right",
      "right",
      "right",
      "right",
    ],
  });
  for (const stream of report.streams) table.push(row(stream.stream, stream));
  table.push(
    row("total", { ...report.totals, status: report.ok ? "ok" : "failed", pending: report.pending }),
  );
  const what = report.reimport
    ? "re-import"
    : report.trigger === "lookback"
      ? "catch-up (look-back window)"
      : "load";
  const lines = [
    `${what} ${report.range.from}..${report.range.to} (${report.range.hours} h, ${report.runner})`,
    table.toString(),
  ];
  for (const stream of report.streams) lines.push(...rejectedLines(stream));
  if (report.terminatedSessions?.length) {
    lines.push(
      `terminated ${report.terminatedSessions.length} stale loader session(s) first (pid ${report.terminatedSessions.join(", ")}); LOAD_STALE_SESSION_SECONDS`,
    );
  }
  lines.push(...pendingLines(report));
  return lines.join("\n");
}

/** What the run left, and the command that continues it. */
function pendingLines(report: LoadReport): string[] {
  const { pending } = report;
  if (pending.files === 0) return [];
  const budget =
    report.budgetMs === null ? "" : ` (this run's time budget: ${formatDuration(report.budgetMs)})`;
  return [
    `pending: ${n(pending.files)} files, ${formatBytes(pending.bytes)}, oldest hour ${pending.oldestHour}${budget}`,
    ...report.streams.flatMap((s) =>
      s.tooBigForBudget
        ? [
            `${s.stream}: not even its oldest pending file (${formatBytes(s.tooBigForBudget.bytes)}, about ${formatDuration(s.tooBigForBudget.estimateMs)} at the rate of its recent batches) fits this budget: raise LOAD_TIME_BUDGET_SECONDS to at least ${Math.ceil(s.tooBigForBudget.estimateMs / 1000) + 1}, or run once with LOAD_TIME_BUDGET_SECONDS=0`,
          ]
        : [],
    ),
    ...(report.requestId ? [`re-import request ${report.requestId}: each file is re-imported once`] : []),
    // A failed batch is not continued by running it again; the error says what to fix first.
    ...(report.ok ? [`continue with: ${report.continueWith ?? "the same command"}`] : []),
  ];
}

function rejectedLines(stream: StreamReport): string[] {
  if (stream.rejectedRecords.length === 0) return [];
  const shown = stream.rejectedRecords.slice(0, 5);
  return [
    `${stream.stream}: ${stream.rejected} rejected record(s)${stream.rejected > shown.length ? `, first ${shown.length}` : ""}:`,
    ...shown.map(
      (r) => `  ${r.key}:${r.line} ${r.reason}${r.raw ? ` — ${JSON.stringify(r.raw.slice(0, 80))}` : ""}`,
    ),
  ];
}

/** --dry-run: hours, files and bytes per stream, then the SQL each batch would run. */
/** Most batches a dry run lists one by one per stream; the rest are summed in one line. */
const LISTED_BATCHES = 12;

/** A dry run's batches of one stream, oldest first: files, bytes and arrival hours of each. */
function formatPlannedBatches(s: StreamReport): string[] {
  const batches = s.plannedBatches ?? [];
  const lines = [
    `${s.stream}: ${n(batches.length)} batch${batches.length === 1 ? "" : "es"} (at most LOAD_BATCH_MAX_BYTES / LOAD_BATCH_MAX_FILES each)`,
  ];
  batches.slice(0, LISTED_BATCHES).forEach((b, i) => {
    const hours = b.fromHour === b.toHour ? b.fromHour : `${b.fromHour}..${b.toHour}`;
    lines.push(`  ${String(i + 1).padStart(3)}. ${n(b.files)} files, ${formatBytes(b.bytes)}, ${hours}`);
  });
  const rest = batches.slice(LISTED_BATCHES);
  if (rest.length > 0) {
    const files = rest.reduce((x, b) => x + b.files, 0);
    const bytes = rest.reduce((x, b) => x + b.bytes, 0);
    lines.push(
      `  … ${n(rest.length)} more: ${n(files)} files, ${formatBytes(bytes)}, up to ${rest.at(-1)?.toHour}`,
    );
  }
  return lines;
}

export function formatPlan(report: LoadReport): string {
  const table = new Table({
    head: ["stream", "table", "hours", "files to load", "bytes", "already loaded", "batches"],
    style: { head: [], border: [] },
    colAligns: ["left", "left", "right", "right", "right", "right", "right"],
  });
  for (const s of report.streams) {
    table.push([
      s.stream,
      s.table,
      String(report.range.hours),
      n(s.files),
      formatBytes(s.bytes),
      n(s.skippedFiles),
      n(s.batches),
    ]);
  }
  const lines = [
    `dry run: ${report.reimport ? "re-import" : "load"} ${report.range.from}..${report.range.to} (${report.range.hours} h, ${report.runner}) — nothing is written`,
    table.toString(),
  ];
  for (const s of report.streams) {
    if (!s.sql || s.sql.length === 0) {
      lines.push("", `-- ${s.stream}: nothing to load`);
      continue;
    }
    lines.push("", ...formatPlannedBatches(s));
    const first =
      s.batches > 1
        ? ` — batch 1 of ${s.batches}; the others run the same statements on their own files`
        : "";
    lines.push("", `-- ${s.stream}: ${s.files} files${first}`, ...s.sql.map((statement) => `${statement};`));
  }
  return lines.join("\n");
}
