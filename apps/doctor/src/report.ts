// The doctor's answer: a plain table (it pastes into an issue), or JSON with --json.
import Table from "cli-table3";
import type { CheckResult } from "./checks";

const LABEL = { pass: "PASS", fail: "FAIL", skip: "SKIP" } as const;

export interface DoctorReport {
  ok: boolean;
  counts: { pass: number; fail: number; skip: number };
  checks: CheckResult[];
}

export function doctorReport(checks: CheckResult[]): DoctorReport {
  const counts = { pass: 0, fail: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return { ok: counts.fail === 0, counts, checks };
}

/** Exit code: 0 nothing failed (skips allowed), 1 a check failed. */
export const exitCodeOf = (report: DoctorReport) => (report.ok ? 0 : 1);

export function formatDoctorTable(report: DoctorReport): string {
  const table = new Table({
    head: ["check", "result", "found", "fix"],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [36, 8, 56, 56],
  });
  for (const c of report.checks)
    table.push([c.name, LABEL[c.status], c.detail, c.status === "pass" ? "" : (c.fix ?? "")]);
  const { pass, fail, skip } = report.counts;
  return `${table.toString()}\n${pass} passed, ${fail} failed, ${skip} skipped (SKIP: not checkable here, or not run because a check it needs did not pass)`;
}
