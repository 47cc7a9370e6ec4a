// The Redshift parse of raw lines (copy-builder raw-lines.ts) checks a timestamp's shape in SQL
// before TRY_CAST judges the calendar; that shape must accept exactly what the local engine's check
// accepts. (The parse itself runs on PostgreSQL in same-answer.test.ts and redshift-driver.test.ts.)
import { TIMESTAMP_SHAPE } from "@kr/copy-builder";
import { describe, expect, it } from "vitest";
import { isTimestamp } from "../src/staging/value-checks";

describe("the timestamp shape of the Redshift parse", () => {
  it("accepts exactly what the local engine's check accepts, for calendar-valid values", () => {
    const shape = new RegExp(TIMESTAMP_SHAPE);
    const samples = [
      "2026-12-02",
      "2026-12-02T05:03",
      "2026-12-02T05:03:07",
      "2026-12-02T05:03:07.123456Z",
      "2026-12-02 05:03:07+01",
      "2026-12-02 05:03:07 +01:30",
      "2026-12-02t05:03:07-0130",
      "2026-12-02T05:03:07 ",
      "2026-12-02T05:03:07z",
      "2026-12-02T5:03",
      "26-12-02",
      "2026-12-02T05:03:07.Z",
      "2026-12-02T05:03:07+1",
      "December 2, 2026",
      " 2026-12-02",
      "",
    ];
    for (const sample of samples) expect(shape.test(sample), sample).toBe(isTimestamp(sample));
    // Calendar and ranges are TRY_CAST's to refuse; the shape lets them through.
    expect(shape.test("2026-02-30T00:00:00Z")).toBe(true);
    expect(isTimestamp("2026-02-30T00:00:00Z")).toBe(false);
  });
});
