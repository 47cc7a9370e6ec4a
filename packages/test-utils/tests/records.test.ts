import { STREAM_TABLES } from "@kr/copy-builder";
import { generateRecords } from "@kr/generator";
import { describe, expect, it } from "vitest";
import { makeRecords, seededRandom, streamColumns, streamRecords, tempTableDdl } from "../src/index";

const HOUR = new Date("2026-11-23T05:00:00.000Z");
const names = (stream: "events" | "utm") => STREAM_TABLES[stream].columns.map((c) => c.name);

describe("test records", () => {
  it.each(["events", "utm"] as const)(
    "%s records have exactly the table spec's columns, in its order",
    (stream) => {
      const records = makeRecords(stream, HOUR, 50, 1);
      expect(records).toHaveLength(50);
      for (const record of records) expect(Object.keys(record)).toEqual(names(stream));
      expect(new Set(records.map((r) => r.event_id)).size).toBe(50);
    },
  );

  it("are the generator's events for the seed, parsed", () => {
    const options = { count: 20, seed: 9, start: HOUR, end: new Date(HOUR.getTime() + 3_600_000) };
    const generated = [...generateRecords({ ...options, streams: ["events"], users: 200 })].map((r) =>
      JSON.parse(r.data.toString()),
    );
    expect(streamRecords("events", options)).toEqual(generated);
  });

  it("same seed, same records; another seed, other ids; fewer records are a prefix of more", () => {
    expect(makeRecords("utm", HOUR, 30, 7)).toEqual(makeRecords("utm", HOUR, 30, 7));
    const other = new Set(makeRecords("utm", HOUR, 30, 8).map((r) => r.event_id));
    expect(makeRecords("utm", HOUR, 30, 7).some((r) => other.has(r.event_id))).toBe(false);
    expect(makeRecords("events", HOUR, 1, 7)).toEqual(makeRecords("events", HOUR, 40, 7).slice(0, 1));
  });

  it("arrive during the hour: occurred_at from 2 minutes before it to its end", () => {
    for (const record of makeRecords("events", HOUR, 500, 3)) {
      const at = Date.parse(record.occurred_at);
      expect(at).toBeGreaterThanOrEqual(HOUR.getTime() - 120_000);
      expect(at).toBeLessThan(HOUR.getTime() + 3_600_000);
    }
  });

  it("a column added to the spec shows up, with a seeded value of its type", () => {
    const spec = {
      ...STREAM_TABLES.events,
      columns: [
        ...STREAM_TABLES.events.columns,
        { name: "country", type: { kind: "varchar", length: 2 }, nullable: true },
        { name: "consent", type: { kind: "boolean" }, nullable: true },
        { name: "seen_at", type: { kind: "timestamptz" }, nullable: true },
      ] as const,
    };
    const options = { count: 10, seed: 4, start: HOUR, end: new Date(HOUR.getTime() + 60_000) };
    const records = streamRecords("events", options, spec);
    const plain = streamRecords("events", options);
    for (const [i, record] of records.entries()) {
      expect(record).toMatchObject(plain[i] as object);
      expect(record.country).toMatch(/^[0-9a-f]{2}$/);
      expect(typeof record.consent).toBe("boolean");
      expect(Date.parse(record.seen_at as string)).toBeGreaterThanOrEqual(HOUR.getTime());
      expect(Date.parse(record.seen_at as string)).toBeLessThan(options.end.getTime());
    }
    expect(streamRecords("events", options, spec)).toEqual(records);
  });

  it("a stream with a spec but no generator gets every column from its spec", () => {
    const spec = STREAM_TABLES.utm;
    const records = streamRecords("clicks", { count: 5, seed: 1, start: HOUR, end: HOUR }, spec);
    for (const record of records) {
      expect(Object.keys(record)).toEqual(names("utm"));
      expect(record.event_id).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(() => streamRecords("clicks", { count: 1, seed: 1, start: HOUR, end: HOUR })).toThrow(
      /no table spec for stream "clicks"/,
    );
  });

  it("table columns and temp-table DDL follow the spec", () => {
    expect(streamColumns("utm").slice(0, 2)).toEqual([
      { name: "event_id", type: "varchar(64)", nullable: false },
      { name: "occurred_at", type: "timestamptz", nullable: false },
    ]);
    expect(streamColumns("events").find((c) => c.name === "properties")?.type).toBe("jsonb");
    expect(tempTableDdl("t", streamColumns("utm").slice(0, 3))).toBe(
      "CREATE TEMP TABLE t (event_id varchar(64) NOT NULL, occurred_at timestamptz NOT NULL, session_id varchar(128))",
    );
  });

  it("seededRandom repeats for a seed and stays in [0, 1)", () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    const draws = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(draws);
    expect(draws.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(6)()).not.toBe(draws[0]);
  });
});
