import { describe, expect, it } from "vitest";
import {
  chunkRange,
  formatHour,
  formatRange,
  HourRangeError,
  hourCount,
  hoursOf,
  lookbackRange,
  parseHour,
  parseHourRange,
} from "../src/index";

const utc = (iso: string) => new Date(iso);
const range = (from?: string, to?: string, maxHours = 2160) =>
  parseHourRange(
    { ...(from !== undefined && { from }), ...(to !== undefined && { to }) },
    {
      maxHours,
      maxHoursSetting: "LOAD_MAX_RANGE_HOURS",
    },
  );

describe("parseHour accepts the spellings people type", () => {
  it.each([
    ["2026-11-23T05", "2026-11-23T05:00:00.000Z"],
    ["2026-11-23T05:00Z", "2026-11-23T05:00:00.000Z"],
    ["2026-11-23 05:00", "2026-11-23T05:00:00.000Z"],
    ["2026-11-23T05:00:00Z", "2026-11-23T05:00:00.000Z"],
    ["2026-11-23T05:00:00.000Z", "2026-11-23T05:00:00.000Z"],
    ["2026-11-23T07:00+02:00", "2026-11-23T05:00:00.000Z"],
    ["2026-11-23T00:00-05:00", "2026-11-23T05:00:00.000Z"],
    ["  2026-11-23T05  ", "2026-11-23T05:00:00.000Z"],
  ])("%s is %s", (value, expected) => {
    expect(parseHour(value, "from").toISOString()).toBe(expected);
  });

  it("reads a bare date as the first hour for --from and the last hour for --to", () => {
    expect(parseHour("2026-11-23", "from").toISOString()).toBe("2026-11-23T00:00:00.000Z");
    expect(parseHour("2026-11-23", "to").toISOString()).toBe("2026-11-23T23:00:00.000Z");
  });
});

describe("parseHour rejects what is not a whole UTC hour, saying what to type", () => {
  it.each([
    ["yesterday", /--from "yesterday" is not an hour: type a UTC hour like 2026-11-23T05/],
    ["2026-11-23T5", /is not an hour/],
    ["23/11/2026", /is not an hour/],
    ["", /is not an hour/],
    ["2026-02-30", /is not a calendar date/],
    ["2026-13-01T00", /is not a calendar date/],
    ["2026-11-23T24", /the hour must be 00-23/],
    ["2026-11-23T05:30", /not a whole hour: partitions are hourly, type 2026-11-23T05/],
    ["2026-11-23T05:00:01Z", /not a whole hour/],
    ["2026-11-23T05:00+05:30", /offset must be whole hours/],
  ])("%s", (value, message) => {
    expect(() => parseHour(value, "from")).toThrow(HourRangeError);
    expect(() => parseHour(value, "from")).toThrow(message);
  });

  it("names the flag that was wrong", () => {
    expect(() => parseHour("soon", "to")).toThrow(/^--to "soon"/);
  });
});

describe("parseHourRange", () => {
  it("is inclusive at both ends", () => {
    const r = range("2026-11-23T05", "2026-11-23T08");
    expect(formatRange(r)).toBe("2026-11-23T05..2026-11-23T08");
    expect(hourCount(r)).toBe(4);
    expect(hoursOf(r).map(formatHour)).toEqual([
      "2026-11-23T05",
      "2026-11-23T06",
      "2026-11-23T07",
      "2026-11-23T08",
    ]);
  });

  it("takes a date pair as whole days", () => {
    expect(formatRange(range("2026-11-23", "2026-11-24"))).toBe("2026-11-23T00..2026-11-24T23");
  });

  it("without --to loads the --from hour, or the whole day for a date", () => {
    expect(hourCount(range("2026-11-23T05"))).toBe(1);
    expect(formatRange(range("2026-11-23"))).toBe("2026-11-23T00..2026-11-23T23");
  });

  it("accepts a single hour given twice and a range exactly at the cap", () => {
    expect(hourCount(range("2026-11-23T05", "2026-11-23T05"))).toBe(1);
    expect(hourCount(range("2026-11-23T00", "2026-11-23T23", 24))).toBe(24);
  });

  it("rejects a reversed range and shows the swapped command", () => {
    expect(() => range("2026-11-23T08", "2026-11-23T05")).toThrow(
      "--from 2026-11-23T08 is after --to 2026-11-23T05: swap them (both ends are included: --from 2026-11-23T05 --to 2026-11-23T08)",
    );
  });

  it("rejects a range longer than the cap, naming the setting and a range that fits", () => {
    expect(() => range("2026-11-23T00", "2026-11-24T00", 24)).toThrow(
      "the range 2026-11-23T00..2026-11-24T00 is 25 hours, more than the 24-hour cap (LOAD_MAX_RANGE_HOURS): load it in parts, e.g. --from 2026-11-23T00 --to 2026-11-23T23, or raise the cap",
    );
  });

  it("requires --from, and says so when only --to is given", () => {
    expect(() => range(undefined, undefined)).toThrow(/--from is required/);
    expect(() => range(undefined, "2026-11-23T05")).toThrow(
      "--to needs a --from: type e.g. --from 2026-11-23T05 --to 2026-11-23T05",
    );
  });

  it("reports an unparseable end before comparing", () => {
    expect(() => range("2026-11-23T05", "later")).toThrow(/^--to "later" is not an hour/);
  });

  it("returns a frozen range", () => {
    expect(Object.isFrozen(range("2026-11-23"))).toBe(true);
  });
});

describe("look-back and chunks", () => {
  it("the look-back window ends with the hour that contains now", () => {
    const r = lookbackRange(utc("2026-11-23T05:59:59.999Z"), 48);
    expect(formatRange(r)).toBe("2026-11-21T06..2026-11-23T05");
    expect(hourCount(r)).toBe(48);
  });

  it("rejects a look-back below one hour", () => {
    expect(() => lookbackRange(new Date(), 0)).toThrow(HourRangeError);
  });

  it("splits a range into consecutive chunks, the last one shorter", () => {
    const chunks = chunkRange(range("2026-11-23T00", "2026-11-24T01"), 24);
    expect(chunks.map(formatRange)).toEqual(["2026-11-23T00..2026-11-23T23", "2026-11-24T00..2026-11-24T01"]);
    expect(chunkRange(range("2026-11-23T05"), 24).map(formatRange)).toEqual(["2026-11-23T05..2026-11-23T05"]);
    expect(() => chunkRange(range("2026-11-23"), 0)).toThrow(HourRangeError);
  });
});
