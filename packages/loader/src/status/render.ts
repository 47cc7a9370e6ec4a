// The status grid as text: cli-table3 with ANSI colours on a TTY, plain otherwise (pastes anywhere).
import Table from "cli-table3";
import { formatBytes } from "../report-format";
import type { CellState, StatusCell, StatusReport } from "./grid";

const ANSI: Record<CellState, string> = {
  loaded: "\u001b[32m", // green
  partial: "\u001b[33m", // yellow
  pending: "\u001b[33m",
  failed: "\u001b[31m", // red
  missing: "\u001b[35m", // magenta
  empty: "\u001b[2m", // dim
};
const RESET = "\u001b[0m";

export function formatLag(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const n = (value: number) => value.toLocaleString("en-US");

function cellText(cell: StatusCell, color: boolean): string {
  const text = `${cell.filesLoaded}/${cell.filesInS3} ${cell.state}`;
  return color ? `${ANSI[cell.state]}${text}${RESET}` : text;
}

export function formatStatus(report: StatusReport, options: { color: boolean }): string {
  const { color } = options;
  const table = new Table({
    head: ["hour (UTC)", ...report.streams.map((s) => `${s} (loaded/in S3)`), "rows loaded"],
    // No colour codes in the frame or header unless on a TTY.
    style: color ? { head: ["cyan"] } : { head: [], border: [] },
    // One line per hour: no rule between rows.
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  for (const row of report.rows) {
    table.push([
      row.hour,
      ...row.cells.map((cell) => cellText(cell, color)),
      { content: n(row.cells.reduce((sum, c) => sum + c.rowsLoaded, 0)), hAlign: "right" as const },
    ]);
  }
  const lines = [
    `status ${report.range.from}..${report.range.to} (${report.range.hours} h), at ${report.generatedAt}`,
    table.toString(),
    "rows loaded: from loader.batches, no table scan (shared by file bytes when a batch spans hours)",
    `load lag: ${report.pendingFiles === 0 ? "none (nothing pending)" : formatLag(report.lagSeconds)}${report.streamSummaries.length > 1 ? ` (${report.streamSummaries.map((s) => `${s.stream} ${formatLag(s.lagSeconds)}`).join(", ")})` : ""}`,
    `pending: ${n(report.pendingFiles)} files, ${formatBytes(report.pendingBytes)}`,
    `newest fully loaded hour: ${report.newestLoadedHour ?? "none in this range"}`,
  ];
  const failures = report.rows.flatMap((r) => r.cells.filter((c) => c.error));
  for (const cell of failures) lines.push(`failed ${cell.stream} ${cell.hour}: ${cell.error}`);
  if (report.gaps.length === 0) {
    lines.push("no gaps: every file in S3 is loaded");
  } else {
    lines.push("gaps — run:");
    for (const gap of report.gaps) {
      lines.push(`  ${gap.command}`, `      # ${gap.states.join("/")}: ${gap.note}`);
    }
  }
  return lines.join("\n");
}
