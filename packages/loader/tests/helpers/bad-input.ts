// One Firehose object with every kind of bad line between valid ones: the file both engines and
// both statement sequences must load and reject identically (issue #9: long ids, long URLs,
// truncated JSON between valid lines, missing occurred_at, bad timestamps, a line over 64 KB).
import { makeRecords, type TestRecord } from "@kr/test-utils";
import { hourAt } from "./data";

const HOUR = hourAt("2026-12-02T05");
const at = (minute: number) => new Date(HOUR.getTime() + minute * 60_000).toISOString();
const valid = makeRecords("events", HOUR, 10, 91);
const base = valid[0] as TestRecord;
const record = (fields: Record<string, unknown>) =>
  JSON.stringify({ ...base, occurred_at: at(3), ...fields });

const lines: string[] = [
  ...valid.slice(0, 5).map((r) => JSON.stringify(r)),
  record({ event_id: "x".repeat(65) }), // rejected: one byte over VARCHAR(64)
  record({ event_id: `${"L".repeat(64)}-a` }), // rejected: never cut into the same id as the next
  record({ event_id: `${"L".repeat(64)}-b` }),
  record({ event_id: "é".repeat(33) }), // rejected: 33 characters but 66 bytes
  record({ event_id: "k".repeat(64) }), // loaded: exactly 64 bytes
  record({ event_id: "long-url", page_url: `https://shop.example/${"p".repeat(2979)}` }), // loaded, cut to 2048
  record({ event_id: "euro-url", page_url: "€".repeat(1000) }), // loaded, cut to 2046 bytes (whole €)
  '{"event_id":"truncated","event_type":"click","occ', // rejected: invalid JSON, alone
  record({ event_id: "no-time", occurred_at: undefined }), // rejected: required field missing
  record({ event_id: "null-type", event_type: null }), // rejected: required field null
  record({ event_id: "bad-time", occurred_at: "2026-13-45T00:00:00Z" }), // rejected: unparseable
  record({ event_id: "huge-line", user_agent: "A".repeat(70_000) }), // rejected: a line over 65535 bytes
  record({ event_id: "wide-line", user_agent: "A".repeat(60_000) }), // loaded (a 60 KB line), cut to 1024
  "[1,2,3]", // rejected: JSON, not an object
  "\\N", // rejected: not JSON (Redshift's COPY reads it as NULL)
  "   ", // skipped: blank
  "", // skipped: blank
  // rejected: a raw (unescaped) control character is not JSON, and it is Redshift's raw-line delimiter
  record({ event_id: "unit-US-separator" }).replace("-US-", "\u001f"),
  JSON.stringify({ ...base, event_id: 12345, occurred_at: at(4) }), // loaded: the id as its JSON text
  record({ event_id: 'quote"and\\backslash' }), // loaded: JSON escapes decoded
  ...valid.slice(5).map((r) => JSON.stringify(r)),
];

export const BAD_INPUT_LINES = { hour: HOUR, lines, loaded: 16, rejected: 12 } as const;

/**
 * A reject's reason in words both engines share: the local engine adds the refused value, and
 * Redshift's COPY names a line over 65535 bytes in its own words (load error 1204).
 */
export function sharedReason(reason: string): string {
  return reason
    .replace(/^(column [a-z_0-9]+: unparseable timestamp) .*$/, "$1")
    .replace(/^raw_line: String length exceeds DDL length$/, "line longer than 65535 bytes")
    .replace(/^raw_line: Extra column\(s\) found$/, "invalid JSON");
}
