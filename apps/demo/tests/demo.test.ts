import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localS3Client, readDeliveredObjects, startLocalS3 } from "@kr/local-aws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DemoUsageError, loadDemoConfig } from "../src/config";
import { type DemoResult, runDemo } from "../src/demo";
import { formatDemoReport } from "../src/report";

function isJsonObject(line: string): boolean {
  try {
    const value = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

const free = { s3: 0, firehose: 0, warehouse: 0 };

describe("the demo's path: generate → deliver → load → re-import", () => {
  let dir: string;
  let result: DemoResult;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "kr-demo-"));
    const config = loadDemoConfig(
      [
        "--hours",
        "3",
        "--events-per-hour",
        "1500",
        "--malformed-rate",
        "0.004",
        "--redelivery-rate",
        "0.5",
        "--throttle-rate",
        "0.1",
        "--buffer-mb",
        "0.05",
        "--state-dir",
        join(dir, "state"),
      ],
      {},
    );
    result = await runDemo(config, { ports: free });
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("ends with every delivered valid event in its table exactly once", () => {
    expect(result.exactlyOnce.map((e) => e.stream)).toEqual(["events", "utm"]);
    for (const e of result.exactlyOnce) {
      expect(e.expected).toBeGreaterThan(0);
      expect({ rows: e.rows, distinct: e.distinct, missing: e.missing, unexpected: e.unexpected }).toEqual({
        rows: e.expected,
        distinct: e.expected,
        missing: 0,
        unexpected: 0,
      });
    }
  });

  it("rejects exactly the lines in S3 that are not JSON objects, redelivered copies included", async () => {
    const malformed = Object.values(result.generated.streams).reduce((n, s) => n + s.malformed, 0);
    expect(malformed).toBeGreaterThan(0);
    // Read the objects the demo left in its state directory back through a real S3 server.
    const s3 = await startLocalS3({ directory: join(dir, "state", "s3"), buckets: [], port: 0 });
    try {
      const objects = await readDeliveredObjects(localS3Client(s3.endpoint), "kr-events");
      const badLines = objects
        .flatMap((o) => o.content.toString("utf8").split("\n"))
        .filter((line) => line !== "" && !isJsonObject(line)).length;
      expect(badLines).toBeGreaterThanOrEqual(malformed);
      expect(result.load.totals.rejected).toBe(badLines);
      // Each rejected line is quarantined once, though the re-import rejected some of them again.
      expect(result.reimport.totals.rejected).toBeGreaterThan(0);
      expect(result.rejects.total).toBe(badLines);
      expect(result.rejects.records.every((r) => r.rawLine !== null && r.fileKey !== null)).toBe(true);
    } finally {
      await s3.close();
    }
  });

  it("drops the redelivered and client-duplicated copies, and the re-import of unchanged objects writes nothing", () => {
    expect(result.firehose.duplicateObjects).toBeGreaterThan(0);
    expect(result.load.totals.duplicatesDropped).toBeGreaterThan(0);
    expect(result.reimport.totals.inserted).toBe(0);
    expect(result.reimport.totals.replaced).toBe(0);
    // Every distinct row it staged was already there as it is: counted unchanged, not rewritten.
    const { rowsStaged, duplicatesDropped, unchanged } = result.reimport.totals;
    expect(unchanged).toBeGreaterThan(0);
    expect(unchanged).toBe(rowsStaged - duplicatesDropped);
  });

  it("retried throttled calls and lost nothing", () => {
    expect(result.firehose.throttledCalls).toBeGreaterThan(0);
    expect(result.generated.undelivered).toBe(0);
  });

  it("ends with the status grid of its hours: every cell loaded, nothing pending, no gap", () => {
    expect(result.status.range).toMatchObject({ from: result.hours[0], to: result.hours.at(-1) });
    const cells = result.status.rows.flatMap((r) => r.cells);
    expect(cells).toHaveLength(result.hours.length * 2);
    for (const cell of cells) {
      expect(cell.state).toBe("loaded");
      expect(cell.filesLoaded).toBe(cell.filesInS3);
      // The re-imported hours too: their rows stayed (unchanged), so the hour still holds rows.
      expect(cell.rowsLoaded).toBeGreaterThan(0);
    }
    expect(result.status.pendingFiles).toBe(0);
    expect(result.status.gaps).toEqual([]);
    expect(result.status.newestLoadedHour).toBe(result.hours.at(-1));
    const text = formatDemoReport(result);
    expect(text).toContain("Status of these hours (what `make status` shows)");
    expect(text).toContain(result.hours.at(-1) as string);
  });

  it("puts objects and rows in each backfilled hour", () => {
    for (const stream of ["events", "utm"]) {
      expect(result.objects[stream]?.every((h) => h.count > 0)).toBe(true);
      expect(result.rows[stream]?.map((r) => r.hour)).toEqual(result.hours);
    }
  });
});

describe("demo options", () => {
  it("names each bad option and exits with the usage code", () => {
    const attempt = () => loadDemoConfig(["--hours", "0", "--seed", "x"], {});
    expect(attempt).toThrow(DemoUsageError);
    expect(attempt).toThrow(/--hours[\s\S]*--seed/);
  });

  it("refuses to wipe a state directory that holds anything but the stand-ins' state", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kr-demo-foreign-"));
    await writeFile(join(dir, "precious.txt"), "keep me");
    const config = loadDemoConfig(["--state-dir", dir], {});
    await expect(runDemo(config, { ports: free })).rejects.toThrow(/precious\.txt/);
    await rm(dir, { recursive: true, force: true });
  });
});
