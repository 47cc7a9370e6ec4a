// The status grid as text: cli-table3 with ANSI colours on a TTY, plain otherwise (pastes anywhere).
import Table from "cli-table3";
import { formatBytes } from "../units";
import type { CellState, StatusCell, StatusReport } from "./grid";
import type { VerifyReport } from "./reconcile";

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
  if (report.verify) lines.push(...formatVerify(report.verify, color));
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

/** `--verify`: one row per hour and stream with records; unreconciled hours are marked (red on a TTY). */
export function formatVerify(verify: VerifyReport, color: boolean): string[] {
  const table = new Table({
    head: ["hour (UTC)", "stream", "lines", "loaded", "rejected", "duplicates", "unaccounted", "check"],
    style: color ? { head: ["cyan"] } : { head: [], border: [] },
    chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" },
  });
  const right = (value: number) => ({ content: n(value), hAlign: "right" as const });
  for (const h of verify.hours) {
    if (h.lines === 0 && h.files === 0 && h.reconciled) continue;
    const problems = [
      ...(h.filesNotLoaded > 0 ? [`${h.filesNotLoaded} files not loaded`] : []),
      ...(h.extraRows > 0 ? [`${n(h.extraRows)} keys with more than one row`] : []),
    ];
    const check = h.reconciled
      ? "ok"
      : `UNRECONCILED${problems.length > 0 ? ` (${problems.join(", ")})` : ""}`;
    table.push([
      h.hour,
      h.stream,
      right(h.lines),
      right(h.loaded),
      { content: `${n(h.rejected)}${h.rejectedExact ? "" : "*"}`, hAlign: "right" as const },
      right(h.duplicates),
      right(h.unaccounted),
      color && !h.reconciled ? `\u001b[31m${check}${RESET}` : check,
    ]);
  }
  const flagged = verify.unreconciled.filter((u) => u.hours.length > 0);
  return [
    `verify: read ${n(verify.files)} objects, ${formatBytes(verify.bytes)}, ${n(verify.lines)} lines in ${(verify.durationMs / 1000).toFixed(1)} s`,
    table.toString(),
    "lines = loaded (rows in the table with the hour's keys) + rejected (ledger) + duplicates (repeated keys)",
    ...(verify.hours.some((h) => !h.rejectedExact && h.rejected > 0)
      ? ["* rejected: the hour's batches also loaded other hours; their rejected count is shared"]
      : []),
    flagged.length === 0
      ? "verify: every hour reconciles"
      : `verify: unreconciled hours — ${flagged.map((u) => `${u.stream} ${u.hours.join(", ")}`).join("; ")} (load pending files; re-import hours whose rows are gone)`,
  ];
}
