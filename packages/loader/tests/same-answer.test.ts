// The same bad-input file through both statement sequences (the local one, and Redshift's with only
// its COPY swapped for the PostgreSQL stage step) on PGlite and, when PG_URL is set, the PostgreSQL
// server: every run must load, reject and truncate exactly the same records.

import { makeRecords, type TestRecord } from "@kr/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoadFailedError, type LoadReport, type LoadRequest, runLoad } from "../src/index";
import { hourAt, putObject } from "./helpers/data";
import { redshiftLoad } from "./helpers/redshift";
import { createRedshiftStandIns } from "./helpers/redshift-stand-ins";
import { BUCKET, startStack, type TestStack } from "./helpers/stack";

const HOUR = hourAt("2026-12-02T05");
const at = (minute: number) => new Date(HOUR.getTime() + minute * 60_000).toISOString();
const valid = makeRecords("events", HOUR, 10, 91);
const base = valid[0] as TestRecord;
const record = (fields: Record<string, unknown>) =>
  JSON.stringify({ ...base, occurred_at: at(3), ...fields });

/** Lines of one Firehose object: valid records with every kind of bad record between them. */
const LINES: string[] = [
  ...valid.slice(0, 5).map((r) => JSON.stringify(r)),
  record({ event_id: "x".repeat(65) }), // rejected: one byte over VARCHAR(64)
  record({ event_id: `${"L".repeat(64)}-a` }), // rejected: never cut into the same id as the next
  record({ event_id: `${"L".repeat(64)}-b` }),
  record({ event_id: "é".repeat(33) }), // rejected: 33 characters but 66 bytes
  record({ event_id: "k".repeat(64) }), // loaded: exactly 64 bytes
  record({ event_id: "long-url", page_url: `https://shop.example/${"p".repeat(2979)}` }), // loaded, cut to 2048
  record({ event_id: "euro-url", page_url: "€".repeat(1000) }), // loaded, cut to 2046 bytes (whole €)
  '{"event_id":"truncated","event_type":"click","occ', // rejected: invalid JSON
  record({ event_id: "no-time", occurred_at: undefined }), // rejected: required field missing
  record({ event_id: "null-type", event_type: null }), // rejected: required field null
  record({ event_id: "bad-time", occurred_at: "2026-13-45T00:00:00Z" }), // rejected: unparseable
  record({ event_id: "huge-line", user_agent: "A".repeat(70_000) }), // rejected: a line over 65535 bytes
  record({ event_id: "wide-line", user_agent: "A".repeat(60_000) }), // loaded (a 60 KB line), cut to 1024
  ...valid.slice(5).map((r) => JSON.stringify(r)),
];
const LOADED = 14;
const REJECTED = 9;

interface Run {
  name: string;
  stack: TestStack;
  load(request: LoadRequest, overrides: Record<string, string>): Promise<LoadReport>;
}

const runs: Run[] = [];
beforeAll(async () => {
  const engines: [string, string | null][] = [["pglite", null]];
  if (process.env.PG_URL) engines.push(["postgres", process.env.PG_URL]);
  for (const [engine, serverUrl] of engines) {
    const local = await startStack({ serverUrl });
    runs.push({
      name: `${engine} local sequence`,
      stack: local,
      load: async (request, overrides) => {
        const config = local.config(overrides);
        const deps = local.deps(config);
        try {
          return await runLoad(config, request, { ...deps, onProgress: () => {} });
        } finally {
          deps.close();
        }
      },
    });
    const redshift = await startStack({ serverUrl });
    await createRedshiftStandIns(redshift);
    runs.push({
      name: `${engine} Redshift sequence`,
      stack: redshift,
      load: async (request, overrides) => (await redshiftLoad(redshift, request, overrides)).report,
    });
  }
  for (const run of runs) await putObject(run.stack.s3Client, BUCKET, "events", HOUR, LINES);
}, 120_000);
afterAll(async () => {
  for (const run of runs) await run.stack.close();
});

const request: LoadRequest = { from: "2026-12-02T05", streams: ["events"] } as LoadRequest;

describe("the same bad-input file gives the same answer on every engine and statement sequence", () => {
  it("one rejected record more than LOAD_MAX_ERRORS rolls back everywhere", async () => {
    for (const run of runs) {
      const error = await run
        .load(request, { LOAD_MAX_ERRORS: String(REJECTED - 1) })
        .catch((e: unknown) => e);
      expect(error, run.name).toBeInstanceOf(LoadFailedError);
      const [row] = await run.stack.query<{ n: string }>("SELECT COUNT(*) AS n FROM public.events");
      expect(row?.n, run.name).toBe("0");
    }
  });

  it("exactly LOAD_MAX_ERRORS rejected records load everywhere, with identical rows", async () => {
    const outcomes = [];
    for (const run of runs) {
      const report = await run.load(request, { LOAD_MAX_ERRORS: String(REJECTED) });
      const events = report.streams.find((s) => s.stream === "events");
      expect(events, run.name).toMatchObject({
        status: "loaded",
        rowsStaged: LOADED,
        inserted: LOADED,
        rejected: REJECTED,
      });
      const rows = await run.stack.query(
        `SELECT event_id, OCTET_LENGTH(page_url) AS url_bytes, OCTET_LENGTH(user_agent) AS ua_bytes
         FROM public.events ORDER BY event_id`,
      );
      outcomes.push({
        rows,
        reasons: events?.rejectedRecords.map((r) => r.reason.replace(/ \{.*|: .*…$/, "")).sort(),
      });
    }
    const [first] = outcomes;
    for (const outcome of outcomes) expect(outcome).toEqual(first);

    const byId = new Map(first?.rows.map((r) => [r.event_id as string, r]));
    expect(byId.size).toBe(LOADED);
    expect(byId.has("k".repeat(64))).toBe(true);
    expect([...byId.keys()].some((id) => id.startsWith("LLLL") || id.startsWith("xxxx"))).toBe(false);
    expect(byId.get("long-url")?.url_bytes).toBe(2048);
    expect(byId.get("euro-url")?.url_bytes).toBe(2046);
    expect(byId.has("huge-line")).toBe(false);
    expect(byId.get("wide-line")?.ua_bytes).toBe(1024);
    expect(first?.reasons).toEqual(
      expect.arrayContaining([
        "event_id: longer than 64 bytes",
        "occurred_at: missing or null (required)",
        "event_type: missing or null (required)",
        "invalid JSON",
        "line longer than 65535 bytes",
      ]),
    );
  });
});
