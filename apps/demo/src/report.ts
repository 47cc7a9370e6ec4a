// The demo's closing summary: what was generated, what landed in S3 per hour, what the warehouse
// holds per hour, the two loads, the exactly-once verdict, the status grid and the quarantine.
import { formatBytes, formatDuration, formatRejects, formatReportTable, formatStatus } from "@kr/loader";
import Table from "cli-table3";
import type { DemoResult } from "./demo";

const n = (value: number) => value.toLocaleString("en-US");
const plain = { style: { head: [], border: [] } };

export function formatDemoReport(result: DemoResult): string {
  const streams = Object.keys(result.generated.streams);

  const generated = new Table({
    ...plain,
    head: ["stream", "events delivered", "sent twice by client", "malformed", "distinct valid events"],
  });
  for (const [stream, s] of Object.entries(result.generated.streams)) {
    generated.push([stream, n(s.delivered), n(s.duplicates), n(s.malformed), n(s.eventIds.size)]);
  }

  const perHour = new Table({
    ...plain,
    head: ["hour (UTC)", ...streams.flatMap((s) => [`${s} objects`, `${s} bytes`, `${s} rows`])],
  });
  result.hours.forEach((hour, i) => {
    perHour.push([
      hour,
      ...streams.flatMap((s) => {
        const objects = result.objects[s]?.[i];
        const rows = result.rows[s]?.find((r) => r.hour === hour);
        return [n(objects?.count ?? 0), formatBytes(objects?.bytes ?? 0), n(rows?.count ?? 0)];
      }),
    ]);
  });

  const verdict = new Table({
    ...plain,
    head: ["table", "expected events", "rows", "distinct ids", "missing", "unexpected", "exactly once"],
  });
  for (const e of result.exactlyOnce) {
    verdict.push([
      e.table,
      n(e.expected),
      n(e.rows),
      n(e.distinct),
      n(e.missing),
      n(e.unexpected),
      e.ok ? "yes" : "NO",
    ]);
  }

  const fh = result.firehose;
  const ok = result.exactlyOnce.every((e) => e.ok);
  return [
    "",
    "Generated and delivered through the local Firehose",
    generated.toString(),
    `Firehose: ${n(fh.calls)} calls (${n(fh.throttledCalls)} throttled, ${n(result.generated.retried)} events re-sent by the generator, ${n(result.generated.undelivered)} undelivered); ${n(fh.objectsWritten)} objects written, ${n(fh.duplicateObjects)} of them redelivered buffers`,
    "",
    "S3 objects and warehouse rows per hour",
    perHour.toString(),
    "",
    formatReportTable(result.load),
    "",
    formatReportTable(result.reimport),
    "",
    "Exactly once",
    verdict.toString(),
    "",
    "Status of these hours (what `make status` shows)",
    formatStatus(result.status, { color: false }),
    "",
    "Quarantined lines (what `pnpm run load -- rejects --pending` shows)",
    formatRejects(result.rejects),
    "",
    `${ok ? "PASS" : "FAIL"}: ${ok ? "every delivered event is in its table exactly once" : "some events are missing, extra or duplicated"} (demo took ${formatDuration(result.durationMs)})`,
  ].join("\n");
}
