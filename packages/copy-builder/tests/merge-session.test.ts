// The merge's dedupe window, the re-import's unchanged-row filter and the session statements, pinned
// per dialect (the Redshift texts follow the AWS docs quoted in docs/loading.md).
import { describe, expect, it } from "vitest";
import {
  buildAnalyzeStaging,
  buildDeadlockTimeout,
  buildDeleteReplaced,
  buildDropStaging,
  buildDropUnchanged,
  buildStaleSessionsQuery,
  buildStatementTimeout,
  buildTerminateSession,
  buildWorkMem,
  loaderApplicationName,
  type MergeTarget,
  mergeBounds,
  stagingTableName,
} from "../src/index";

const target: MergeTarget = {
  schema: "public",
  table: "utm",
  staging: stagingTableName("utm"),
  columns: ["event_id", "occurred_at", "utm_source"],
  key: "event_id",
  sortKey: "occurred_at",
};
const staged = { min: new Date("2026-11-23T05:00:00.000Z"), max: new Date("2026-11-23T05:59:59.999Z") };

describe("dedupe window", () => {
  it("widens the staged range by the window on both sides, plus 1 ms for microseconds", () => {
    expect(mergeBounds(staged, { windowHours: 24 })).toEqual({
      low: new Date("2026-11-22T04:59:59.999Z"),
      high: new Date("2026-11-24T06:00:00.000Z"),
    });
    expect(mergeBounds(staged)).toEqual({
      low: new Date("2026-11-23T04:59:59.999Z"),
      high: new Date("2026-11-23T06:00:00.000Z"),
    });
    expect(() => mergeBounds(staged, { windowHours: -1 })).toThrow(RangeError);
    expect(() => mergeBounds(staged, { windowHours: 1.5 })).toThrow(RangeError);
  });

  it("puts the widened bounds into the delete", () => {
    expect(buildDeleteReplaced(target, staged, { windowHours: 24 })).toContain(
      `BETWEEN CAST('2026-11-22 04:59:59.999+00' AS TIMESTAMPTZ) AND CAST('2026-11-24 06:00:00.000+00' AS TIMESTAMPTZ)`,
    );
    expect(buildDeleteReplaced(target, "staged", { windowHours: 24 })).toContain(
      `BETWEEN (SELECT MIN("occurred_at") FROM "kr_stage_utm") - INTERVAL '24 hours' AND (SELECT MAX("occurred_at") FROM "kr_stage_utm") + INTERVAL '24 hours'`,
    );
  });
});

describe("staging housekeeping", () => {
  it("analyzes staging (PostgreSQL) and drops it, IF EXISTS after a failure", () => {
    expect(buildAnalyzeStaging(target)).toBe(
      'SET LOCAL default_statistics_target = 10; ANALYZE "kr_stage_utm" ("event_id", "occurred_at")',
    );
    expect(buildDropStaging(target, { ifExists: true })).toBe('DROP TABLE IF EXISTS "kr_stage_utm"');
  });

  it("drops staged rows identical to the target's row (re-import), counting keys", () => {
    expect(buildDropUnchanged(target, staged, { windowHours: 0 })).toBe(
      [
        'WITH "kr_unchanged" AS (',
        '  DELETE FROM "kr_stage_utm"',
        '  USING "public"."utm"',
        '  WHERE "utm"."event_id" = "kr_stage_utm"."event_id"',
        `    AND "utm"."occurred_at" BETWEEN CAST('2026-11-23 04:59:59.999+00' AS TIMESTAMPTZ) AND CAST('2026-11-23 06:00:00.000+00' AS TIMESTAMPTZ)`,
        '    AND ("utm"."event_id", "utm"."occurred_at", "utm"."utm_source") IS NOT DISTINCT FROM ("kr_stage_utm"."event_id", "kr_stage_utm"."occurred_at", "kr_stage_utm"."utm_source")',
        '  RETURNING "kr_stage_utm"."event_id"',
        ")",
        'SELECT COUNT(DISTINCT "event_id") AS unchanged FROM "kr_unchanged"',
      ].join("\n"),
    );
  });
});

describe("sessions", () => {
  it("tags loader sessions with the project", () => {
    expect(loaderApplicationName("kr")).toBe("kr-loader:kr");
    expect(() => loaderApplicationName("Bad'name")).toThrow(RangeError);
  });

  it("sets statement_timeout in milliseconds and work_mem for the transaction", () => {
    expect(buildStatementTimeout(840_000)).toBe("SET statement_timeout TO 840000");
    expect(() => buildStatementTimeout(-1)).toThrow(RangeError);
    expect(buildWorkMem(64)).toBe("SET LOCAL work_mem = '64MB'");
    expect(() => buildWorkMem(0)).toThrow(RangeError);
    expect(buildDeadlockTimeout(100)).toBe("SET deadlock_timeout TO 100");
    expect(() => buildDeadlockTimeout(0)).toThrow(RangeError);
    expect(() => buildDeadlockTimeout(1.5)).toThrow(RangeError);
  });

  it("PostgreSQL: finds stale loader sessions in pg_stat_activity", () => {
    expect(buildStaleSessionsQuery("postgres", "kr-loader:kr", 960)).toEqual({
      text: [
        "SELECT pid FROM pg_stat_activity",
        "WHERE application_name = $1",
        "  AND pid <> pg_backend_pid()",
        "  AND datname = current_database()",
        "  AND backend_start < now() - INTERVAL '960 seconds'",
      ].join("\n"),
      values: ["kr-loader:kr"],
    });
    expect(buildTerminateSession("postgres", 42)).toEqual({
      text: "SELECT pg_terminate_backend($1)",
      values: [42],
    });
  });

  it("Redshift: STV_SESSIONS for live sessions, STL_CONNECTION_LOG for their application_name", () => {
    expect(buildStaleSessionsQuery("redshift", "kr-loader:kr", 960)).toEqual({
      text: [
        "SELECT DISTINCT s.process AS pid",
        "FROM stv_sessions AS s",
        "JOIN stl_connection_log AS c",
        "  ON c.pid = s.process AND c.event = 'initiating session' AND c.recordtime >= s.starttime - INTERVAL '1 minute'",
        "WHERE TRIM(c.application_name) = $1",
        "  AND s.process <> PG_BACKEND_PID()",
        "  AND s.starttime < GETDATE() - INTERVAL '960 seconds'",
      ].join("\n"),
      values: ["kr-loader:kr"],
    });
    expect(buildTerminateSession("redshift", 42)).toEqual({
      text: "SELECT PG_TERMINATE_BACKEND($1)",
      values: [42],
    });
  });

  it("refuses what could widen the sweep to other applications or inject text", () => {
    expect(() => buildStaleSessionsQuery("postgres", "psql", 960)).toThrow(RangeError);
    expect(() => buildStaleSessionsQuery("postgres", "kr-loader:kr", 0)).toThrow(RangeError);
    expect(() => buildStaleSessionsQuery("postgres", "kr-loader:kr", 1.5)).toThrow(RangeError);
    expect(() => buildTerminateSession("redshift", 0)).toThrow(RangeError);
  });
});
