// The same bad-input file through both statement sequences (the local one, and Redshift's with only
// its COPY emulated: raw lines, then its SQL parse; see helpers/redshift.ts) on PGlite and, when
// PG_URL is set, the PostgreSQL server: every run must load, reject, truncate and quarantine exactly
// the same records.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoadFailedError, type LoadReport, type LoadRequest, runLoad } from "../src/index";
import { BAD_INPUT_LINES, sharedReason } from "./helpers/bad-input";
import { putObject } from "./helpers/data";
import { redshiftLoad } from "./helpers/redshift";
import { createRedshiftStandIns } from "./helpers/redshift-stand-ins";
import { BUCKET, startStack, type TestStack } from "./helpers/stack";

const { hour: HOUR, lines: LINES, loaded: LOADED, rejected: REJECTED } = BAD_INPUT_LINES;

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
      const quarantined = await run.stack.query<{ reason: string; raw: boolean }>(
        "SELECT reason, raw_line IS NOT NULL AS raw FROM loader.rejected_records ORDER BY reason",
      );
      outcomes.push({
        rows,
        reasons: events?.rejectedRecords.map((r) => sharedReason(r.reason)).sort(),
        quarantined: quarantined.map((q) => sharedReason(q.reason)).sort(),
      });
      // Every rejected line is quarantined, with its raw line but where it cannot be kept: the line
      // over 65535 bytes, and on Redshift every line its COPY refused (sys_load_error_detail keeps
      // file and line, not the line).
      expect(quarantined, run.name).toHaveLength(REJECTED);
      expect(
        quarantined.filter((q) => !q.raw),
        run.name,
      ).toHaveLength(run.name.includes("Redshift") ? 2 : 1);
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
    expect(byId.has("12345")).toBe(true);
    expect(byId.has('quote"and\\backslash')).toBe(true);
    expect(first?.reasons).toEqual(
      expect.arrayContaining([
        "event_id: longer than 64 bytes",
        "occurred_at: missing or null (required)",
        "event_type: missing or null (required)",
        "invalid JSON",
        "not a JSON object",
        "line longer than 65535 bytes",
      ]),
    );
  });
});
