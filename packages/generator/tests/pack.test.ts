import { describe, expect, it } from "vitest";
import { type GeneratedRecord, PUT_RECORD_BATCH_LIMITS, packBatches } from "../src/index";

// The AWS numbers, pinned as literals (PutRecordBatch API reference: "These limits cannot be changed"),
// so a change to the constants the code uses is a failing test, not a shifted expectation.
const LIMITS = { records: 500, bytes: 4_194_304 /* 4 MiB */, recordBytes: 1_024_000 /* 1,000 KiB */ };
let n = 0;
const record = (bytes: number, stream: "events" | "utm" = "events"): GeneratedRecord => ({
  stream,
  eventId: String(n++),
  data: Buffer.alloc(bytes, 0x61),
  malformed: false,
});

const pack = (records: GeneratedRecord[]) => {
  const oversize: GeneratedRecord[] = [];
  const batches = [...packBatches(records, (r) => oversize.push(r))];
  return { batches, oversize };
};

describe("packing PutRecordBatch calls to the API limits", () => {
  it("packs to Firehose's own numbers", () => {
    expect(PUT_RECORD_BATCH_LIMITS).toEqual(LIMITS);
  });

  it("fills calls to exactly 500 records", () => {
    const { batches } = pack(Array.from({ length: 1201 }, () => record(100)));
    expect(batches.map((b) => b.records.length)).toEqual([500, 500, 201]);
  });

  it("fills calls up to 4 MiB of data, never over", () => {
    const max = LIMITS.recordBytes; // 1,000 KiB: four fit in 4 MiB, a fifth does not
    const rest = LIMITS.bytes - 4 * max;
    const records = [
      record(max),
      record(max),
      record(max),
      record(max),
      record(rest),
      record(1),
      record(max),
    ];
    const { batches } = pack(records);
    expect(batches.map((b) => b.bytes)).toEqual([LIMITS.bytes, 1 + max]);
    expect(batches.map((b) => b.records.length)).toEqual([5, 2]);
  });

  it("accepts a record of exactly 1,000 KiB and sets aside one byte more, which can never be sent", () => {
    const fits = record(LIMITS.recordBytes);
    const tooBig = record(LIMITS.recordBytes + 1);
    const { batches, oversize } = pack([fits, tooBig]);
    expect(batches.flatMap((b) => b.records)).toEqual([fits]);
    expect(oversize).toEqual([tooBig]);
  });

  it("keeps streams in separate calls and every record once, in order", () => {
    const records = Array.from({ length: 1500 }, (_, i) =>
      record(50 + (i % 700), i % 3 === 0 ? "utm" : "events"),
    );
    const { batches } = pack(records);
    for (const batch of batches) {
      expect(new Set(batch.records.map((r) => r.stream))).toEqual(new Set([batch.stream]));
      expect(batch.records.length).toBeLessThanOrEqual(LIMITS.records);
      expect(batch.bytes).toBeLessThanOrEqual(LIMITS.bytes);
    }
    for (const stream of ["events", "utm"]) {
      const sent = batches.filter((b) => b.stream === stream).flatMap((b) => b.records);
      expect(sent).toEqual(records.filter((r) => r.stream === stream));
    }
  });
});
