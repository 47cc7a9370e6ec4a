import { describe, expect, it } from "vitest";
import { StagedStatsCollector, statsColumns, zonedTimestampMs } from "../../src/staging/staged-stats";

const ms = (text: string) => {
  const bytes = Buffer.from(`"${text}"`);
  return zonedTimestampMs(bytes, 1, bytes.length - 1);
};

describe("zonedTimestampMs", () => {
  it.each([
    ["2026-11-23T00:00:00.244Z", "2026-11-23T00:00:00.244Z"],
    ["2026-11-23T00:00:00Z", "2026-11-23T00:00:00.000Z"],
    ["2026-11-23 00:00Z", "2026-11-23T00:00:00.000Z"],
    ["2026-11-23t13:45:07.5Z", "2026-11-23T13:45:07.500Z"],
    ["2026-11-23T13:45:07.123999999Z", "2026-11-23T13:45:07.123Z"],
    ["2026-11-23T13:45:07+02:00", "2026-11-23T11:45:07.000Z"],
    ["2026-11-23T13:45:07 -0530", "2026-11-23T19:15:07.000Z"],
    ["2026-11-23T01:00:00+03", "2026-11-22T22:00:00.000Z"],
    ["2024-02-29T23:59:59.999-15:59", "2024-03-01T15:58:59.999Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"],
    ["1969-12-31T23:59:59.9Z", "1969-12-31T23:59:59.900Z"],
    ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59.000Z"],
  ])("%s is %s (the fraction cut to ms)", (text, iso) => {
    // Date.parse cannot read year 0001 in ISO form with a six-digit year, so compare through toISOString.
    expect(new Date(ms(text)).toISOString()).toBe(iso);
  });

  it.each([
    "2026-11-23",
    "2026-11-23T00:00:00",
    "2026-11-23 00:00:00.123",
    "2026-11-23T00:00:00ZZ",
    "2026-11-23T00:00:00+1",
  ])("%s: no explicit zone (or not one it reads) gives NaN", (text) => {
    expect(ms(text)).toBeNaN();
  });
});

const row = (c: StagedStatsCollector, key: string, sort: string) => {
  const k = Buffer.from(key);
  const s = Buffer.from(sort);
  c.add(k, 0, k.length, s, 0, s.length);
};

describe("StagedStatsCollector", () => {
  it("counts distinct keys and the sort key's range", () => {
    const c = new StagedStatsCollector();
    row(c, "a", "2026-11-23T02:00:00Z");
    row(c, "b", "2026-11-23T01:00:00.5+01:00");
    row(c, "a", "2026-11-23T03:00:00.25Z");
    expect(c.result()).toEqual({
      distinctKeys: 2,
      bounds: { min: new Date("2026-11-23T00:00:00.500Z"), max: new Date("2026-11-23T03:00:00.250Z") },
    });
  });

  it("keeps 300,000 distinct keys apart through several table growths, and finds each again", () => {
    const c = new StagedStatsCollector();
    for (let i = 0; i < 300_000; i++) row(c, `id-${i}`, "2026-11-23T00:00:00Z");
    for (let i = 0; i < 300_000; i += 7) row(c, `id-${i}`, "2026-11-23T00:00:00Z");
    expect(c.result()?.distinctKeys).toBe(300_000);
  });

  it("keys that differ in one byte, or only in length, are different keys", () => {
    const c = new StagedStatsCollector();
    for (const key of ["", "\0", "ab", "ba", "abc", "abd", "é", "e\u0301"])
      row(c, key, "2026-11-23T00:00:00Z");
    expect(c.result()?.distinctKeys).toBe(8);
  });

  it("gives up for good at a timestamp without a zone: the batch then reads the statistics with SQL", () => {
    const c = new StagedStatsCollector();
    row(c, "a", "2026-11-23T00:00:00Z");
    row(c, "b", "2026-11-23T00:00:00");
    row(c, "c", "2026-11-23T00:00:00Z");
    expect(c.active).toBe(false);
    expect(c.result()).toBeUndefined();
  });

  it("gives nothing for no rows (there is no range)", () => {
    expect(new StagedStatsCollector().result()).toBeUndefined();
  });
});

describe("statsColumns", () => {
  const columns = [
    { name: "event_id", type: "varchar(65535)" },
    { name: "event_type", type: "varchar(128)" },
    { name: "occurred_at", type: "timestamptz" },
  ];
  it("finds a text key and a timestamptz sort key", () => {
    expect(statsColumns(columns, { key: "event_id", sortKey: "occurred_at" })).toEqual({ key: 0, sort: 2 });
    expect(
      statsColumns(
        [
          { name: "id", type: "TEXT" },
          { name: "at", type: "timestamp with time zone" },
        ],
        {
          key: "id",
          sortKey: "at",
        },
      ),
    ).toEqual({ key: 0, sort: 1 });
  });

  it.each([
    ["a char(n) key (it pads and ignores trailing spaces)", "char(36)", "timestamptz"],
    ["an integer key (its text is normalised)", "bigint", "timestamptz"],
    ["a timestamp without zone (read in the session's zone)", "varchar(64)", "timestamp"],
  ])("leaves %s to SQL", (_, keyType, sortType) => {
    expect(
      statsColumns(
        [
          { name: "id", type: keyType },
          { name: "at", type: sortType },
        ],
        { key: "id", sortKey: "at" },
      ),
    ).toBeUndefined();
  });
});
