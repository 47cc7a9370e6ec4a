// Human output of `rejects` and `replay` (plain text tables, like the load summary).
import Table from "cli-table3";
import type { RejectsReport, ReplayReport } from "./quarantine";

const n = (value: number) => value.toLocaleString("en-US");
const RAW_SHOWN = 60;

function shorten(text: string, max: number): string {
  const flat = text.replace(/[\r\n\t]/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** One row per quarantined line, newest first, then how many match and how to replay. */
export function formatRejects(report: RejectsReport): string {
  if (report.total === 0) return "no quarantined lines match";
  const table = new Table({
    head: ["id", "stream", "rejected at", "file:line", "reason", "raw line", "attempts", "replayed"],
    style: { head: [], border: [] },
  });
  for (const r of report.records) {
    // No file: the SQL reject step's, or on Redshift the parse's (COPY cannot add a file column).
    const file = r.fileKey === null ? "(not known)" : `${r.fileKey.split("/").pop()}:${r.lineNumber ?? "?"}`;
    table.push([
      String(r.id),
      r.stream,
      r.rejectedAt.replace("T", " ").slice(0, 19),
      file,
      shorten(r.reason, 50),
      r.rawLine === null ? "(not kept)" : shorten(r.rawLine, RAW_SHOWN),
      n(r.attempts),
      r.replayedAt === null
        ? "-"
        : `${r.replayedAt.replace("T", " ").slice(0, 19)} (${r.replayBatchId ?? ""})`,
    ]);
  }
  const batches = [...new Set(report.records.filter((r) => r.replayedAt === null).map((r) => r.batchId))];
  const lines = [
    table.toString(),
    `${n(report.total)} quarantined line${report.total === 1 ? "" : "s"} match${report.total > report.records.length ? ` (newest ${n(report.records.length)} shown; --limit for more, --json for whole raw lines)` : ""}`,
  ];
  if (batches.length > 0) {
    lines.push(
      "fix a line: UPDATE loader.rejected_records SET raw_line = '<corrected JSON>' WHERE id = <id>;",
      `replay: pnpm run load -- replay --batch ${batches[0]}${batches.length > 1 ? ` (and ${batches.length - 1} more batches, or --from/--to)` : ""}`,
    );
  }
  return lines.join("\n");
}

/** One row per stream: selected, replayed, still rejected, rows written. */
export function formatReplay(report: ReplayReport): string {
  if (report.streams.length === 0) return "no unreplayed quarantined lines match: nothing to replay";
  const table = new Table({
    head: [
      "stream",
      "selected",
      "replayed",
      "still rejected",
      "replayed elsewhere",
      "inserted",
      "replaced",
      "no raw line",
      "batches",
    ],
    style: { head: [], border: [] },
  });
  for (const s of report.streams) {
    table.push([
      s.stream,
      n(s.selected),
      report.dryRun ? "-" : n(s.replayed),
      report.dryRun ? "-" : n(s.stillRejected),
      report.dryRun ? "-" : n(s.replayedElsewhere),
      report.dryRun ? "-" : n(s.inserted),
      report.dryRun ? "-" : n(s.replaced),
      n(s.withoutRawLine),
      report.dryRun ? "-" : n(s.batches),
    ]);
  }
  const lines = report.dryRun
    ? ["dry run: the lines replay would load — nothing is written", table.toString(), ...(report.sql ?? [])]
    : [table.toString()];
  const still = report.streams.reduce((k, s) => k + s.stillRejected, 0);
  if (!report.dryRun && still > 0)
    lines.push(
      `${n(still)} line${still === 1 ? " is" : "s are"} still rejected (attempts + 1, new reason): see pnpm run load -- rejects --pending`,
    );
  const missing = report.streams.reduce((k, s) => k + s.withoutRawLine, 0);
  if (missing > 0)
    lines.push(
      `${n(missing)} line${missing === 1 ? " has" : "s have"} no raw line (too long, not UTF-8, or found after staging): set raw_line to replay them`,
    );
  return lines.join("\n");
}
