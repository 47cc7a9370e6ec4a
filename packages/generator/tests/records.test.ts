import { describe, expect, it } from "vitest";
import {
  billedBytes,
  DEFAULT_RECORD_MAX_BYTES,
  type GeneratedRecord,
  generateRecords,
  packRecords,
} from "../src/index";

let n = 0;
const event = (bytes: number, stream: "events" | "utm" = "events"): GeneratedRecord => ({
  stream,
  eventId: String(n++),
  data: Buffer.concat([Buffer.alloc(bytes - 1, 0x61), Buffer.from("\n")]),
  malformed: false,
});
const pack = (events: GeneratedRecord[], maxBytes = 5_000) => {
  const oversize: GeneratedRecord[] = [];
  const records = [...packRecords(events, maxBytes, (e) => oversize.push(e))];
  return { records, oversize };
};

describe("packing events into Firehose records", () => {
  it("defaults to just under Firehose's 5 KB billing unit", () => {
    expect(DEFAULT_RECORD_MAX_BYTES).toBe(5_000);
    // Billing: every record rounded up to the next 5 KB (5,120 B); a 3 KB record costs 5 KB, 12 KB costs 15 KB.
    expect([1, 3_072, 5_000, 5_120, 5_121, 12_288].map(billedBytes)).toEqual([
      5_120, 5_120, 5_120, 5_120, 10_240, 15_360,
    ]);
  });

  it("fills a record up to the size, never over, and concatenates whole lines in order", () => {
    const events = Array.from({ length: 20 }, () => event(1_000));
    const { records } = pack(events);
    expect(records.map((r) => r.events.length)).toEqual([5, 5, 5, 5]);
    expect(records.map((r) => r.data.length)).toEqual([5_000, 5_000, 5_000, 5_000]);
    expect(records.flatMap((r) => r.events)).toEqual(events);
    for (const record of records)
      expect(record.data).toEqual(Buffer.concat(record.events.map((e) => e.data)));
  });

  it("closes a record when the next event would pass the size", () => {
    const { records } = pack([event(2_000), event(2_000), event(1_001), event(1_000)]);
    expect(records.map((r) => r.data.length)).toEqual([4_000, 2_001]);
  });

  it("keeps streams apart: a record holds events of one stream", () => {
    const events = Array.from({ length: 30 }, (_, i) => event(700, i % 3 ? "events" : "utm"));
    const { records } = pack(events);
    for (const record of records)
      expect(new Set(record.events.map((e) => e.stream))).toEqual(new Set([record.stream]));
    expect(records.flatMap((r) => r.events).sort((a, b) => Number(a.eventId) - Number(b.eventId))).toEqual(
      events,
    );
  });

  it("sends an event larger than the size alone, up to exactly 1,000 KiB; one byte more can never be sent", () => {
    const small = event(100);
    const big = event(1_024_000);
    const tooBig = event(1_024_001);
    const { records, oversize } = pack([small, big, tooBig, event(100)]);
    expect(records.map((r) => r.data.length)).toEqual([1_024_000, 200]);
    expect(oversize).toEqual([tooBig]);
    expect(() => pack([small], 1_024_001)).toThrow(RangeError);
  });

  it("packs ~9 of the generator's events per record, billed under 600 B each", () => {
    const events = [
      ...generateRecords({
        count: 5_000,
        streams: ["events", "utm"],
        seed: 5,
        start: new Date("2026-11-23T05:00:00Z"),
        end: new Date("2026-11-23T06:00:00Z"),
      }),
    ];
    const { records } = pack(events, DEFAULT_RECORD_MAX_BYTES);
    const billed = records.reduce((sum, r) => sum + billedBytes(r.data.length), 0);
    expect(events.length / records.length).toBeGreaterThan(8);
    expect(billed / events.length).toBeLessThan(600);
    for (const record of records) {
      expect(record.data.length).toBeLessThanOrEqual(5_000);
      const lines = record.data.toString().split("\n");
      expect(lines.pop()).toBe(""); // ends in a newline
      expect(lines.map((line) => JSON.parse(line).event_id)).toEqual(record.events.map((e) => e.eventId));
    }
  });
});
