import Table from "cli-table3";
import { PUT_RECORD_BATCH_LIMITS } from "./limits";
import type { SendSummary } from "./tally";

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const pct = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;
const perRecord = (s: SendSummary) => (s.firehoseRecords ? s.delivered / s.firehoseRecords : 0);

/**
 * The final summary: totals, then one row per stream, then (given the run's seed) how to make the
 * same events again. Colour only for a terminal.
 */
export function formatSummary(
  summary: SendSummary,
  options: { color?: boolean; seed?: number } = {},
): string {
  const style = options.color ? {} : { style: { head: [], border: [] } };
  const totals = new Table(style);
  totals.push(
    { sent: int(summary.delivered) },
    { retried: `${int(summary.retried)} event re-sends` },
    { failed: int(summary.undelivered) },
    { "events/s": int(summary.eventsPerSecond) },
    { "MB/s": summary.megabytesPerSecond.toFixed(2) },
    { bytes: `${int(summary.bytes)} (${(summary.bytes / 1e6).toFixed(2)} MB)` },
    {
      "Firehose records": `${int(summary.firehoseRecords)} (${perRecord(summary).toFixed(1)} events each; billed ${int(summary.delivered ? summary.billedBytes / summary.delivered : 0)} B per event with the 5 KB rounding)`,
    },
    {
      "batch fill": `${pct(summary.batchFill.records)} of ${PUT_RECORD_BATCH_LIMITS.records} records, ${pct(summary.batchFill.bytes)} of 4 MiB`,
    },
    { calls: `${int(summary.calls)} (${int(summary.throttledCalls)} throttled)` },
    { time: `${(summary.elapsedMs / 1000).toFixed(1)} s` },
  );
  const streams = new Table({
    ...style,
    head: [
      "stream",
      "events",
      "delivered",
      "undelivered",
      "malformed",
      "duplicates",
      "distinct valid ids",
      "bytes",
    ],
  });
  for (const [name, s] of Object.entries(summary.streams).sort(([a], [b]) => a.localeCompare(b))) {
    streams.push([
      name,
      int(s.records),
      int(s.delivered),
      int(s.undelivered),
      int(s.malformedDelivered),
      int(s.duplicatesDelivered),
      int(s.distinctValidEventIds),
      int(s.bytes),
    ]);
  }
  const lines = [totals.toString(), streams.toString()];
  if (summary.undelivered > 0) {
    const reasons = new Map<string, number>();
    for (const lost of summary.undeliveredRecords)
      reasons.set(lost.reason, (reasons.get(lost.reason) ?? 0) + 1);
    lines.push(
      `${int(summary.undelivered)} event(s) NOT delivered:`,
      ...[...reasons].map(([reason, n]) => `  ${int(n)} × ${reason}`),
    );
  }
  if (options.seed !== undefined)
    lines.push(
      `--seed ${options.seed} reproduces this run (same events, with the same --count and time span)`,
    );
  return lines.join("\n");
}
