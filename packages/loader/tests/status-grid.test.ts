// The grid's pure rules, without S3 or a warehouse.
import { describe, expect, it } from "vitest";
import { buildStatus, cellOf, type LedgerEntry } from "../src/status/grid";

const h = (hour: string) => new Date(`2026-11-20T${hour}:00:00Z`);
const entry = (
  key: string,
  hour: Date,
  size: number,
  batchBytes: number,
  batchRows: number,
): LedgerEntry => ({
  key,
  hour,
  size,
  batchId: "b1",
  loadedAt: h("20"),
  batchBytes,
  batchRows,
});

describe("status grid rules", () => {
  it("a batch spanning hours shares its rows out by file bytes", () => {
    const ledger = [entry("a", h("10"), 300, 1000, 100), entry("b", h("10"), 200, 1000, 100)];
    const cell = cellOf(
      "events",
      h("10"),
      [
        { key: "a", size: 300, hour: h("10") },
        { key: "b", size: 200, hour: h("10") },
      ],
      ledger,
      [],
    );
    expect(cell).toMatchObject({ state: "loaded", rowsLoaded: 50, filesLoaded: 2, filesInS3: 2 });
  });

  it("a failure older than the hour's last successful load is not `failed`", () => {
    const objects = [
      { key: "a", size: 1, hour: h("10") },
      { key: "b", size: 1, hour: h("10") },
    ];
    const failure = { batchId: "f", hourFrom: h("09"), hourTo: h("11"), error: "boom", failedAt: h("19") };
    expect(cellOf("events", h("10"), objects, [entry("a", h("10"), 1, 1, 1)], [failure]).state).toBe(
      "partial",
    );
    expect(cellOf("events", h("10"), objects, [], [failure])).toMatchObject({
      state: "failed",
      error: "boom",
    });
    expect(cellOf("events", h("12"), objects, [], [failure]).state).toBe("pending");
  });

  it("a gap in every configured stream gets one command without --stream; lag is 0 when nothing is pending", () => {
    const report = buildStatus({
      range: { from: h("10"), to: h("12") },
      now: h("13"),
      allStreams: ["events", "utm"],
      streams: ["events", "utm"].map((stream) => ({
        stream,
        objects: [
          { key: `${stream}-1`, size: 5, hour: h("11"), lastModified: new Date(h("11").getTime() + 60_000) },
        ],
        ledger: [],
        failed: [],
      })),
    });
    expect(report.gaps.map((g) => g.command)).toEqual(["pnpm run load -- --from 2026-11-20T11"]);
    expect(report.lagSeconds).toBe(7140);
    expect(report.rows.map((r) => r.cells.map((c) => c.state))).toEqual([
      ["empty", "empty"],
      ["pending", "pending"],
      ["empty", "empty"],
    ]);
    expect(report.newestLoadedHour).toBeNull();
  });
});
