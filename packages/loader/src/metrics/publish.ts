// After a Lambda load: gathers what the metrics need and prints them as EMF lines (metrics/emf.ts).
// Every run: what it loaded. A scheduled run also: the backlog of the look-back window (the status
// grid's lag and pending files), and — when its drain chain ends here — the reconciliation of the
// previous hour (`status --verify` of one hour: bounded, read-only). A failure here is logged and
// never fails the load.
import { floorToHour, formatHour } from "@kr/copy-builder";
import type { LoaderConfig } from "../config";
import type { RuntimeDeps } from "../deps";
import { errorInfo } from "../errors";
import type { Logger } from "../log";
import type { LoadReport } from "../report";
import { runStatus } from "../status/read";
import { runVerify, VerifyDeadlineError } from "../status/verify";
import {
  backlogMetrics,
  emfLines,
  loadMetrics,
  mergeMetrics,
  reconciliationMetrics,
  type StreamMetrics,
} from "./emf";

/** The previous hour is verified only with at least this much of the invocation left. */
export const VERIFY_MIN_REMAINING_MS = 120_000;
/** Verify stops this long before the invocation would time out (the metrics still get printed). */
export const VERIFY_MARGIN_MS = 30_000;

export interface PublishInput {
  config: LoaderConfig;
  report: LoadReport;
  /** A scheduled (look-back) run, and whether it invoked a continuation (the drain goes on). */
  scheduled: boolean;
  continued: boolean;
  deps: RuntimeDeps;
  now: () => Date;
  /** The invocation's remaining time, when known. */
  remainingMs?: () => number;
  emit: (line: string) => void;
  log: Logger;
}

export async function publishRunMetrics(input: PublishInput): Promise<void> {
  const { config, deps, log } = input;
  if (input.report.dryRun) return; // a plan loads nothing: no metrics
  try {
    const sources: Map<string, StreamMetrics>[] = [loadMetrics(input.report)];
    if (input.scheduled) {
      const status = await runStatus(config, {}, { s3: deps.s3, connect: deps.connect, now: input.now });
      sources.push(backlogMetrics(status));
      const left = input.remainingMs?.();
      if (input.continued) {
        // The backlog is still draining: the previous hour is checked when the chain ends.
      } else if (left !== undefined && left < VERIFY_MIN_REMAINING_MS) {
        log("warn", "reconciliation skipped", { reason: `only ${left} ms left in the invocation` });
      } else {
        const previous = formatHour(new Date(floorToHour(input.now()).getTime() - 3_600_000));
        try {
          const verify = await runVerify(
            config,
            { from: previous },
            {
              s3: deps.s3,
              connect: deps.connect,
              now: input.now,
              ...(left !== undefined && { deadline: Date.now() + left - VERIFY_MARGIN_MS }),
            },
          );
          sources.push(reconciliationMetrics(verify));
          const flagged = verify.hours.filter((h) => !h.reconciled);
          if (flagged.length > 0) log("warn", "unreconciled hour", { hours: flagged });
        } catch (error) {
          if (!(error instanceof VerifyDeadlineError)) throw error;
          log("warn", "reconciliation skipped", { reason: error.message });
        }
      }
    }
    for (const line of emfLines(config.project, mergeMetrics(...sources), input.now())) input.emit(line);
  } catch (error) {
    log("error", "metrics failed", { error: errorInfo(error) });
  }
}
