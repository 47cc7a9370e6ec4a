import { describe, expect, it } from "vitest";
import { type GeneratedRecord, type GenerateOptions, generateRecords } from "../src/index";

const HOUR = { start: new Date("2026-11-23T05:00:00Z"), end: new Date("2026-11-23T06:00:00Z") };
const generate = (options: Partial<GenerateOptions> = {}): GeneratedRecord[] => [
  ...generateRecords({ count: 2000, streams: ["events", "utm"], seed: 7, ...HOUR, ...options }),
];
const EVENT_FIELDS = [
  "event_id",
  "event_type",
  "occurred_at",
  "user_id",
  "anonymous_id",
  "session_id",
  "page_url",
  "referrer",
  "user_agent",
  "properties",
];
const UTM_FIELDS = [
  "event_id",
  "occurred_at",
  "session_id",
  "user_id",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_term",
  "utm_content",
  "landing_page",
];

describe("generateRecords", () => {
  it("is deterministic by seed: the same seed gives the same bytes, another seed other events", () => {
    const first = generate();
    const again = generate();
    expect(again.map((r) => r.data.toString())).toEqual(first.map((r) => r.data.toString()));
    const other = generate({ seed: 8 });
    expect(other[0]?.eventId).not.toBe(first[0]?.eventId);
  });

  it("makes one JSON object plus a newline per record, with the data contract's fields, inside the span", () => {
    const records = generate();
    expect(records).toHaveLength(2000);
    for (const record of records) {
      const text = record.data.toString();
      expect(text.endsWith("\n")).toBe(true);
      expect(text.indexOf("\n")).toBe(text.length - 1);
      const row = JSON.parse(text);
      expect(Object.keys(row)).toEqual(record.stream === "events" ? EVENT_FIELDS : UTM_FIELDS);
      expect(row.event_id).toBe(record.eventId);
      const at = Date.parse(row.occurred_at);
      expect(at).toBeGreaterThanOrEqual(HOUR.start.getTime());
      expect(at).toBeLessThan(HOUR.end.getTime());
      if (record.stream === "events") expect(typeof row.properties).toBe("object");
    }
    expect(new Set(records.map((r) => r.eventId)).size).toBe(2000);
  });

  it("simulates sessions: page views and clicks per user, a UTM touch when a session starts from a campaign", () => {
    const records = generate({ count: 5000 }).map((r) => ({
      stream: r.stream,
      row: JSON.parse(r.data.toString()),
    }));
    const events = records.filter((r) => r.stream === "events").map((r) => r.row);
    const types = new Set(events.map((e) => e.event_type));
    for (const type of ["page_view", "click", "add_to_cart", "search"]) expect(types).toContain(type);
    const bySession = new Map<string, (typeof events)[number][]>();
    for (const e of events) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);
    expect(bySession.size).toBeLessThan(events.length / 3); // several events per session
    const utm = records.filter((r) => r.stream === "utm").map((r) => r.row);
    expect(utm.length).toBeGreaterThan(records.length * 0.03);
    expect(new Set(utm.map((u) => u.utm_source)).size).toBeGreaterThan(4);
    for (const touch of utm.slice(0, 50)) {
      const first = bySession.get(touch.session_id)?.[0];
      expect(first).toMatchObject({ event_type: "page_view", occurred_at: touch.occurred_at });
      expect(touch.landing_page.startsWith(`${first.page_url}`)).toBe(true);
      expect(touch.landing_page).toContain(`utm_campaign=${touch.utm_campaign}`);
    }
  });

  it("makes only the streams asked for", () => {
    expect(new Set(generate({ streams: ["utm"], count: 300 }).map((r) => r.stream))).toEqual(
      new Set(["utm"]),
    );
    expect(new Set(generate({ streams: ["events"], count: 300 }).map((r) => r.stream))).toEqual(
      new Set(["events"]),
    );
  });

  it("roughly honours the duplicate and malformed rates, without changing the events themselves", () => {
    const plain = generate({ count: 10_000 });
    const faulty = generate({ count: 10_000, duplicateRate: 0.05, malformedRate: 0.02 });
    const duplicates = faulty.filter((r) => r.duplicateOf);
    const malformed = faulty.filter((r) => r.malformed);
    expect(faulty.length - duplicates.length).toBe(10_000);
    expect(duplicates.length).toBeGreaterThan(350);
    expect(duplicates.length).toBeLessThan(650);
    expect(malformed.length).toBeGreaterThan(120);
    expect(malformed.length).toBeLessThan(280);
    const byId = new Map(faulty.filter((r) => !r.duplicateOf).map((r) => [r.eventId, r]));
    for (const copy of duplicates) {
      expect(copy.data.equals(byId.get(copy.duplicateOf as string)?.data as Buffer)).toBe(true);
      expect(byId.get(copy.eventId)?.malformed).toBe(false);
    }
    for (const bad of malformed) {
      const text = bad.data.toString();
      expect(text.endsWith("\n")).toBe(true);
      expect(() => JSON.parse(text)).toThrow();
    }
    // The events stay the same; faults only replace or repeat some of them.
    expect(faulty.filter((r) => !r.duplicateOf).map((r) => r.eventId)).toEqual(plain.map((r) => r.eventId));
  });
});
