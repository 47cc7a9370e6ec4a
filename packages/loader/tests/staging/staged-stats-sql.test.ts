// The staging statistics the stage counts on the way (staged-stats.ts) against what the server reads
// from the same staged rows with buildStagingStats: the merge trusts the first in place of the second,
// so a difference here would load a duplicate (a key counted distinct that is not) or leave a
// replaced row behind (a range narrower than the staged one).
import {
  buildStagingStats,
  type MergeTarget,
  mergeBounds,
  stagingColumns,
  targetChecks,
} from "@kr/copy-builder";
import { tempTableDdl } from "@kr/test-utils";
import { describe, expect, it } from "vitest";
import { type StageResult, type StagingMethod, stageObjects } from "../../src/staging/index";
import { EVENT_COLUMNS, makeEvents, memorySource, useWarehouseClient } from "./helpers";

const db = useWarehouseClient();
const methods: StagingMethod[] = process.env.PG_URL ? ["copy-from-stdin", "bulk-insert"] : ["bulk-insert"];

const target: MergeTarget = {
  schema: "public",
  table: "events",
  staging: "stats_stage",
  columns: EVENT_COLUMNS.map((c) => c.name),
  key: "event_id",
  sortKey: "occurred_at",
};
const columns = stagingColumns(EVENT_COLUMNS, target);

interface SqlStats {
  rows: number;
  hashDistinct: number;
  exactDistinct: number;
  minMs: number;
  maxMs: number;
}

/** Stages `lines` as the batch does (its staging columns, the target's checks), reads the SQL statistics, rolls back. */
async function stageAndRead(
  method: StagingMethod,
  lines: string,
): Promise<{ result: StageResult; sql: SqlStats }> {
  const { client } = db;
  await client.query("BEGIN");
  try {
    await client.query(tempTableDdl(target.staging, columns));
    const result = await stageObjects(
      client,
      { table: target.staging, columns },
      [memorySource("a.json", lines, 997)],
      {
        maxErrors: 10,
        method,
        checks: targetChecks(EVENT_COLUMNS, target),
        keyStats: { key: target.key, sortKey: target.sortKey },
      },
    );
    const postgresForm = await client.query(buildStagingStats(target, "postgres"));
    const exactForm = await client.query(buildStagingStats(target, "redshift"));
    // In milliseconds with the server's microseconds as a fraction (EXTRACT(EPOCH) is numeric here).
    const range = await client.query(
      `SELECT EXTRACT(EPOCH FROM MIN(occurred_at)) * 1000 AS min_ms, EXTRACT(EPOCH FROM MAX(occurred_at)) * 1000 AS max_ms FROM ${target.staging}`,
    );
    return {
      result,
      sql: {
        rows: Number(postgresForm.rows[0].rows_staged),
        hashDistinct: Number(postgresForm.rows[0].distinct_keys),
        exactDistinct: Number(exactForm.rows[0].distinct_keys),
        minMs: Number(range.rows[0].min_ms),
        maxMs: Number(range.rows[0].max_ms),
      },
    };
  } finally {
    await client.query("ROLLBACK");
  }
}

/** Events of many shapes: duplicates, a key written with JSON escapes, offsets, long fractions. */
function variedLines(): string {
  const events = makeEvents(3000, 7) as Record<string, unknown>[];
  const lines = events.map((e) => JSON.stringify(e));
  const at = (i: number, occurred_at: string) => JSON.stringify({ ...events[i], occurred_at });
  lines.push(
    // Firehose redelivered two records: the same ids again.
    JSON.stringify(events[10]),
    JSON.stringify(events[11]),
    // The same id as events[12], its hyphens escaped: one key on the server.
    JSON.stringify(events[12]).replace(
      JSON.stringify(events[12]?.event_id),
      JSON.stringify(events[12]?.event_id).replace(/-/g, "\\u002d"),
    ),
    // Not ASCII, and one longer than the target's VARCHAR(64): rejected by the check, not counted.
    JSON.stringify({ ...events[13], event_id: "évènement-ü-1" }),
    JSON.stringify({ ...events[14], event_id: "x".repeat(65) }),
    // A missing key: rejected, not counted.
    JSON.stringify({ ...events[15], event_id: null }),
    // Three more of the same ids at other times (the range's ends), in other spellings of a zone and
    // with more digits than milliseconds.
    at(16, "2026-11-22 23:30:00.1239999+05:30"),
    at(17, "2026-11-24T01:00:00.999999-0200"),
    at(18, "2026-11-23T00:00:00.0005Z"),
  );
  return `${lines.join("\n")}\n`;
}

describe.each(methods.map((m) => [m]))("%s", (method) => {
  it("counts the same statistics the server reads from the staged rows", async () => {
    const { result, sql } = await stageAndRead(method, variedLines());
    expect(result.rejectedCount).toBe(2);
    expect(result.rowsStaged).toBe(sql.rows);
    expect(sql.exactDistinct).toBe(sql.rows - 6);
    expect(result.keyStats).toBeDefined();
    expect(result.keyStats?.distinctKeys).toBe(sql.exactDistinct);
    expect(result.keyStats?.distinctKeys).toBe(sql.hashDistinct);
    // The stage cuts a timestamp to whole milliseconds; the server rounds to microseconds. So the
    // server's value is never below the stage's, and less than a millisecond above — or exactly one
    // when rounding carries (.1239999 → .124000) — which mergeBounds' 1 ms covers.
    const { min, max } = result.keyStats?.bounds ?? { min: new Date(0), max: new Date(0) };
    for (const [counted, server] of [
      [min.getTime(), sql.minMs],
      [max.getTime(), sql.maxMs],
    ] as const) {
      expect(server - counted).toBeGreaterThanOrEqual(0);
      expect(server - counted).toBeLessThanOrEqual(1);
    }
    const bounds = mergeBounds({ min, max });
    expect(bounds.low.getTime()).toBeLessThanOrEqual(sql.minMs);
    expect(bounds.high.getTime()).toBeGreaterThanOrEqual(sql.maxMs);
    expect(min.toISOString()).toBe("2026-11-22T18:00:00.123Z");
    expect(max.toISOString()).toBe("2026-11-24T03:00:00.999Z");
  });

  it("leaves the statistics to SQL when a sort key has no zone (the server reads it in its own)", async () => {
    const events = makeEvents(50, 8) as Record<string, unknown>[];
    const lines = events.map((e, i) =>
      JSON.stringify(i === 30 ? { ...e, occurred_at: "2026-11-23T05:00:00" } : e),
    );
    const { result, sql } = await stageAndRead(method, `${lines.join("\n")}\n`);
    expect(sql.rows).toBe(50);
    expect(result.keyStats).toBeUndefined();
  });
});
