// The core against real PostgreSQL (PGlite, or the server at PG_URL) and a real local S3 server.

import { makeRecords } from "@kr/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoadFailedError, type LoadReport, runLoad, TooManyRejectedError } from "../src/index";
import { hourAt, putObject, writeDataset } from "./helpers/data";
import { startStack, type TestStack, warehouseState } from "./helpers/stack";

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

async function load(
  request: Parameters<typeof runLoad>[1],
  overrides?: Record<string, string>,
): Promise<LoadReport> {
  const config = stack.config(overrides);
  const deps = stack.deps(config);
  try {
    return await runLoad(config, request, deps);
  } finally {
    deps.close();
  }
}

const stream = (report: LoadReport, name: string) => report.streams.find((s) => s.stream === name);

describe("loading a range, again, and re-importing it", () => {
  const hours = [hourAt("2026-11-23T05"), hourAt("2026-11-23T06"), hourAt("2026-11-23T07")];
  let ids: Record<string, Set<string>>;

  beforeAll(async () => {
    ({ ids } = await writeDataset(stack.s3Client, "kr-events", ["events", "utm"], hours, {
      filesPerHour: 2,
      perFile: 40,
      seed: 1,
    }));
  });

  it("loads every event of the range once and records each file and batch", async () => {
    const report = await load({ from: "2026-11-23T05", to: "2026-11-23T07" });
    expect(report.ok).toBe(true);
    expect(report.range).toEqual({ from: "2026-11-23T05", to: "2026-11-23T07", hours: 3 });
    expect(stream(report, "events")).toMatchObject({
      status: "loaded",
      files: 6,
      rowsStaged: 240,
      inserted: 240,
      replaced: 0,
      duplicatesDropped: 0,
      rejected: 0,
    });
    expect(stream(report, "utm")).toMatchObject({ status: "loaded", files: 6, inserted: 240 });
    expect(report.totals).toMatchObject({ files: 12, rowsStaged: 480, inserted: 480 });
    expect(report.totals.bytes).toBeGreaterThan(0);

    const events = await stack.query<{ event_id: string }>("SELECT event_id FROM public.events");
    expect(new Set(events.map((r) => r.event_id))).toEqual(ids.events);
    expect(await warehouseState(stack)).toMatchObject({
      events: 240,
      utm: 240,
      ledgerFiles: 12,
      ledgerDistinct: 12,
      batches: 2,
    });
  });

  it("keeps the data-contract values: timestamps, nulls and properties as JSON", async () => {
    const [first] = makeRecords("events", hours[0] as Date, 1, 1 * 1_000_003);
    const [row] = await stack.query<{ occurred_at: Date; properties: unknown; referrer: string | null }>(
      "SELECT occurred_at, properties, referrer FROM public.events WHERE event_id = $1",
      [first?.event_id],
    );
    expect(row?.occurred_at.toISOString()).toBe(first?.occurred_at);
    expect(row?.properties).toEqual(first?.properties);
    expect(row?.referrer).toBe(first?.referrer);
  });

  it("loading the same range again changes nothing: every file is already in the ledger", async () => {
    const before = await warehouseState(stack);
    const report = await load({ from: "2026-11-23T05", to: "2026-11-23T07" });
    expect(stream(report, "events")).toMatchObject({
      status: "up-to-date",
      files: 0,
      skippedFiles: 6,
      rowsStaged: 0,
    });
    expect(await warehouseState(stack)).toEqual(before);
  });

  it("--reimport reloads every file: identical rows left as they are, changed rows replaced, ledger rows rewritten", async () => {
    // One row edited in the table since the first load: the re-import restores it from the file.
    await stack.query(
      "UPDATE public.events SET page_url = 'https://edited.example/' WHERE event_id = (SELECT min(event_id) FROM public.events)",
    );
    const before = await warehouseState(stack);
    const report = await load({
      from: "2026-11-23T05",
      to: "2026-11-23T07",
      reimport: true,
      streams: ["events"],
    });
    expect(report.streams).toHaveLength(1);
    expect(stream(report, "events")).toMatchObject({
      status: "loaded",
      files: 6,
      rowsStaged: 240,
      inserted: 0,
      replaced: 1,
      unchanged: 239,
    });
    expect(await warehouseState(stack)).toEqual({ ...before, batches: before.batches + 1 });
    expect(
      await stack.query("SELECT event_id FROM public.events WHERE page_url = 'https://edited.example/'"),
    ).toEqual([]);
    const ledger = await stack.query<{ batch_id: string }>(
      "SELECT DISTINCT batch_id FROM loader.loaded_files WHERE stream = 'events'",
    );
    expect(ledger.map((r) => r.batch_id)).toEqual([stream(report, "events")?.batchId]);
  });

  it("a late file in an already-loaded hour is picked up by the next run, alone", async () => {
    const late = makeRecords("utm", hours[1] as Date, 10, 99);
    await putObject(stack.s3Client, "kr-events", "utm", hours[1] as Date, late, { minute: 59 });
    const report = await load({ from: "2026-11-23", streams: ["utm"] });
    expect(report.range.hours).toBe(24);
    expect(stream(report, "utm")).toMatchObject({ files: 1, skippedFiles: 6, inserted: 10 });
    expect((await warehouseState(stack)).utm).toBe(250);
  });
});

describe("exactly once under Firehose redelivery", () => {
  it("the same events in two files (and twice in one file) end up once", async () => {
    const hour = hourAt("2026-11-24T10");
    const records = makeRecords("events", hour, 30, 7);
    await putObject(stack.s3Client, "kr-events", "events", hour, records.slice(0, 20), { minute: 1 });
    // Redelivery: a second object repeats 10 of the first object's records plus 10 new ones, one twice.
    await putObject(
      stack.s3Client,
      "kr-events",
      "events",
      hour,
      [...records.slice(10, 30), records[29] as never],
      {
        minute: 2,
      },
    );
    const report = await load({ from: "2026-11-24T10" });
    expect(stream(report, "events")).toMatchObject({
      files: 2,
      rowsStaged: 41,
      inserted: 30,
      duplicatesDropped: 11,
    });
    const [row] = await stack.query<{ n: string; d: string }>(
      "SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM public.events WHERE occurred_at >= $1 AND occurred_at < $2",
      [new Date(hour.getTime() - 3_600_000), new Date(hour.getTime() + 3_600_000)],
    );
    expect(row).toEqual({ n: "30", d: "30" });
  });

  it("a redelivered event that arrives in a later hour replaces the loaded row, not duplicates it", async () => {
    const hour = hourAt("2026-11-24T10");
    const [again] = makeRecords("events", hour, 1, 7);
    await putObject(stack.s3Client, "kr-events", "events", hourAt("2026-11-24T11"), [again as never], {
      minute: 3,
    });
    const report = await load({ from: "2026-11-24T11" });
    expect(stream(report, "events")).toMatchObject({ files: 1, rowsStaged: 1, inserted: 0, replaced: 1 });
    const [row] = await stack.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM public.events WHERE event_id = $1",
      [again?.event_id],
    );
    expect(row?.n).toBe("1");
  });
});

describe("MAXERROR: bad records within the limit are skipped, above it the batch rolls back", () => {
  const hour = hourAt("2026-11-25T03");

  it("skips and reports malformed lines within LOAD_MAX_ERRORS", async () => {
    const records = makeRecords("utm", hour, 20, 11);
    const bad = ["{not json", "[1,2,3]", JSON.stringify({ event_id: "no-time" })];
    const { key } = await putObject(stack.s3Client, "kr-events", "utm", hour, [
      ...records.slice(0, 10),
      ...bad,
      ...records.slice(10),
    ]);
    const report = await load({ from: "2026-11-25T03" }, { LOAD_MAX_ERRORS: "3" });
    const utm = stream(report, "utm");
    expect(utm).toMatchObject({ status: "loaded", files: 1, rowsStaged: 20, inserted: 20, rejected: 3 });
    // Every bad line is rejected while staging, with its file and line: a record that lacks a required
    // field too (the loader checks the target's NOT NULL itself, in the SQL reject step's words; that
    // step stays as a safety net), so the quarantine keeps its line.
    expect(utm?.rejectedRecords.map((r) => [r.key, r.line, r.reason])).toEqual([
      [key, 11, "invalid JSON"],
      [key, 12, "not a JSON object"],
      [key, 13, "occurred_at: missing or null (required)"],
    ]);
    expect(utm?.rejectedRecords[0]?.raw).toBe("{not json");
  });

  it("rolls the whole batch back above LOAD_MAX_ERRORS: nothing half-loaded, nothing in the ledger", async () => {
    const next = hourAt("2026-11-25T04");
    await putObject(stack.s3Client, "kr-events", "utm", next, makeRecords("utm", next, 50, 12));
    await putObject(stack.s3Client, "kr-events", "utm", next, [
      "oops",
      "{",
      ...makeRecords("utm", next, 5, 13),
    ]);
    await putObject(stack.s3Client, "kr-events", "events", next, makeRecords("events", next, 5, 14));
    const before = await warehouseState(stack);

    const error = await load({ from: "2026-11-25T04" }, { LOAD_MAX_ERRORS: "1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoadFailedError);
    const failed = error as LoadFailedError;
    expect(failed.message).toMatch(/utm: 2 rejected records exceed LOAD_MAX_ERRORS=1; the batch rolled back/);
    const utm = failed.report && stream(failed.report, "utm");
    expect(utm).toMatchObject({ status: "failed", rejected: 2 });
    expect(utm?.rejectedRecords.map((r) => r.raw)).toEqual(["oops", "{"]);
    // The other stream's batch is independent and committed.
    expect(failed.report && stream(failed.report, "events")).toMatchObject({ status: "loaded", inserted: 5 });

    const after = await warehouseState(stack);
    expect(after).toEqual({
      ...before,
      events: before.events + 5,
      eventsDistinct: before.eventsDistinct + 5,
      ledgerFiles: before.ledgerFiles + 1,
      ledgerDistinct: before.ledgerDistinct + 1,
      batches: before.batches + 1,
    });
    expect(
      await stack.query("SELECT * FROM loader.loaded_files WHERE file_hour = $1 AND stream = 'utm'", [next]),
    ).toEqual([]);
  });

  it("the rolled-back files load once the limit allows them", async () => {
    const report = await load({ from: "2026-11-25T04", streams: ["utm"] }, { LOAD_MAX_ERRORS: "2" });
    expect(stream(report, "utm")).toMatchObject({ status: "loaded", files: 2, inserted: 55, rejected: 2 });
  });

  it("TooManyRejectedError is the typed cause", () => {
    expect(new TooManyRejectedError("utm", 3, 1, []).exitCode).toBe(1);
  });
});

describe("scheduled catch-up", () => {
  it("without a range loads every not-yet-loaded file of the look-back window", async () => {
    const now = new Date("2026-11-26T12:34:00Z");
    const inside = hourAt("2026-11-26T11");
    const outside = hourAt("2026-11-26T08");
    await putObject(stack.s3Client, "kr-events", "events", inside, makeRecords("events", inside, 4, 21));
    await putObject(stack.s3Client, "kr-events", "events", outside, makeRecords("events", outside, 4, 22));
    const config = stack.config({ LOAD_LOOKBACK_HOURS: "3" });
    const deps = stack.deps(config);
    const report = await runLoad(config, {}, { ...deps, now: () => now }).finally(() => deps.close());
    expect(report.trigger).toBe("lookback");
    expect(report.range).toEqual({ from: "2026-11-26T10", to: "2026-11-26T12", hours: 3 });
    expect(stream(report, "events")).toMatchObject({ files: 1, inserted: 4 });
  });
});
