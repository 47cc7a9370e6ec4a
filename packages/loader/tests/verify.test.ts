// `status --verify` against a real local stack: objects written as Firehose would (gzip and plain, a
// redelivered record, a bad line), loaded by the loader itself, then rows deleted behind its back.
// Every hour's lines must equal loaded + rejected + duplicates until the rows go; then the hour is
// flagged, and only that hour.

import { makeRecords } from "@kr/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoadRequest, runCli, runLoad } from "../src/index";
import { parseLambdaEvent } from "../src/lambda-event";
import type { StatusReport } from "../src/status/grid";
import { runStatus } from "../src/status/read";
import type { HourReconciliation } from "../src/status/reconcile";
import { runVerify, VerifyDeadlineError } from "../src/status/verify";
import { hourAt, putObject } from "./helpers/data";
import { BUCKET, startStack, type TestStack } from "./helpers/stack";

let stack: TestStack;
const h10 = makeRecords("events", hourAt("2026-11-21T10"), 20, 101);
const h11a = makeRecords("events", hourAt("2026-11-21T11"), 15, 102);
const h11b = makeRecords("events", hourAt("2026-11-21T11"), 15, 103);
const utm10 = makeRecords("utm", hourAt("2026-11-21T10"), 8, 104);

async function load(request: LoadRequest) {
  const config = stack.config();
  const deps = stack.deps(config);
  try {
    return await runLoad(config, request, deps);
  } finally {
    deps.close();
  }
}

async function verify(from: string, to: string): Promise<StatusReport> {
  const config = stack.config();
  const deps = stack.deps(config);
  const progress: number[] = [];
  try {
    const report = await runStatus(
      config,
      { from, to, verify: true },
      { ...deps, onVerifyProgress: (p) => progress.push(p.filesDone) },
    );
    // Every object of the range is read once, and the progress says so.
    expect(progress.at(-1)).toBe(report.verify?.files);
    return report;
  } finally {
    deps.close();
  }
}

const hourOf = (report: StatusReport, stream: string, hour: string): HourReconciliation | undefined =>
  report.verify?.hours.find((h) => h.stream === stream && h.hour === hour);

const counts = (h: HourReconciliation | undefined) =>
  h && [h.lines, h.loaded, h.rejected, h.duplicates, h.unaccounted, h.reconciled];

beforeAll(async () => {
  stack = await startStack();
  const first = h10[0];
  // 10:00 events: 20 records, one delivered twice (Firehose redelivery), one line that is not JSON.
  await putObject(stack.s3Client, BUCKET, "events", hourAt("2026-11-21T10"), [
    ...h10,
    ...(first ? [first] : []),
  ]);
  await putObject(stack.s3Client, BUCKET, "events", hourAt("2026-11-21T10"), ["not json at all"], {
    gzip: false,
  });
  await putObject(stack.s3Client, BUCKET, "events", hourAt("2026-11-21T11"), h11a);
  await putObject(stack.s3Client, BUCKET, "events", hourAt("2026-11-21T11"), h11b, { gzip: false });
  await putObject(stack.s3Client, BUCKET, "utm", hourAt("2026-11-21T10"), utm10);
  // One run for both hours: its batch spans them, so 10:00's reject is shared with 11:00.
  const report = await load({ from: "2026-11-21T10", to: "2026-11-21T11" });
  expect(report.totals).toMatchObject({ inserted: 58, duplicatesDropped: 1, rejected: 1 });
});
afterAll(() => stack.close());

describe("status --verify", () => {
  it("after a load every hour reconciles: lines = loaded + rejected + duplicates", async () => {
    const report = await verify("2026-11-21T10", "2026-11-21T12");
    expect(counts(hourOf(report, "events", "2026-11-21T10"))).toEqual([22, 20, 1, 1, 0, true]);
    expect(counts(hourOf(report, "events", "2026-11-21T11"))).toEqual([30, 30, 0, 0, 0, true]);
    expect(counts(hourOf(report, "utm", "2026-11-21T10"))).toEqual([8, 8, 0, 0, 0, true]);
    expect(counts(hourOf(report, "events", "2026-11-21T12"))).toEqual([0, 0, 0, 0, 0, true]);
    expect(hourOf(report, "events", "2026-11-21T10")).toMatchObject({
      ledgerRejected: 1,
      rejectedExact: false,
    });
    expect(report.verify?.unreconciled).toEqual([
      { stream: "events", hours: [] },
      { stream: "utm", hours: [] },
    ]);
    expect(report.verify).toMatchObject({ files: 5, lines: 60 });
  });

  it("rows deleted behind the loader's back flag their hour, and only that hour", async () => {
    const gone = h11b.slice(0, 3).map((r) => r.event_id);
    await stack.query("DELETE FROM public.events WHERE event_id = ANY($1)", [gone]);
    const report = await verify("2026-11-21T10", "2026-11-21T11");
    expect(counts(hourOf(report, "events", "2026-11-21T11"))).toEqual([30, 27, 0, 0, 3, false]);
    // The shared batch's one reject is spent once, on 10:00's own bad line: it does not hide 11:00's loss.
    expect(counts(hourOf(report, "events", "2026-11-21T10"))).toEqual([22, 20, 1, 1, 0, true]);
    expect(report.verify?.unreconciled).toEqual([
      { stream: "events", hours: ["2026-11-21T11"] },
      { stream: "utm", hours: [] },
    ]);
    // The ledger alone cannot see it: the status grid still calls the hour loaded.
    expect(report.rows[1]?.cells[0]?.state).toBe("loaded");
  });

  it("a re-import of the hour brings the rows back and the hour reconciles again", async () => {
    await load({ from: "2026-11-21T11", streams: ["events"], reimport: true });
    const report = await verify("2026-11-21T11", "2026-11-21T11");
    expect(counts(hourOf(report, "events", "2026-11-21T11"))).toEqual([30, 30, 0, 0, 0, true]);
  });

  it("a file not loaded yet leaves its hour unreconciled, and says why", async () => {
    const late = makeRecords("utm", hourAt("2026-11-21T10"), 4, 105);
    await putObject(stack.s3Client, BUCKET, "utm", hourAt("2026-11-21T10"), late);
    const report = await verify("2026-11-21T10", "2026-11-21T10");
    expect(hourOf(report, "utm", "2026-11-21T10")).toMatchObject({
      lines: 12,
      loaded: 8,
      unaccounted: 4,
      filesNotLoaded: 1,
      reconciled: false,
    });
    await load({ from: "2026-11-21T10", streams: ["utm"] });
    const after = await verify("2026-11-21T10", "2026-11-21T10");
    expect(hourOf(after, "utm", "2026-11-21T10")).toMatchObject({ lines: 12, loaded: 12, reconciled: true });
  });

  it("the CLI prints the reconciliation and marks the unreconciled hour", async () => {
    const gone = h10.slice(5, 7).map((r) => r.event_id);
    await stack.query("DELETE FROM public.events WHERE event_id = ANY($1)", [gone]);
    let printed = "";
    const io = {
      stdout: {
        write: (chunk: string) => {
          printed += chunk;
          return true;
        },
      },
      stderr: { write: () => true },
      loadConfig: () => stack.config(),
    };
    expect(await runCli(["status", "--from", "2026-11-21T10", "--to", "2026-11-21T11", "--verify"], io)).toBe(
      0,
    );
    expect(printed).toMatch(/│ 2026-11-21T10 │ events │\s+22 │\s+18 │\s+1 │\s+1 │\s+2 │ UNRECONCILED\s+│/);
    expect(printed).toMatch(/│ 2026-11-21T11 │ events │\s+30 │\s+30 │\s+0 │\s+0 │\s+0 │ ok\s+│/);
    expect(printed).toContain("verify: unreconciled hours — events 2026-11-21T10");
    printed = "";
    expect(await runCli(["status", "--from", "2026-11-21T10", "--verify", "--json"], io)).toBe(0);
    expect((JSON.parse(printed) as StatusReport).verify?.unreconciled[0]?.hours).toEqual(["2026-11-21T10"]);
    expect(await runCli(["--verify"], io)).toBe(2);
  });

  it("the Lambda's status action takes verify (what the CLI sends in AWS mode)", () => {
    expect(parseLambdaEvent({ action: "status", from: "2026-11-21T10", verify: true })).toEqual({
      action: "status",
      scheduled: false,
      request: { from: "2026-11-21T10", verify: true },
    });
    expect(() => parseLambdaEvent({ from: "2026-11-21T10", verify: true })).toThrow(
      "verify belongs to the status action",
    );
  });

  it("stops at its deadline instead of outliving the invocation (the scheduled run's guard)", async () => {
    const config = stack.config();
    const deps = stack.deps(config);
    try {
      await expect(
        runVerify(
          config,
          { from: "2026-11-21T10" },
          { s3: deps.s3, connect: deps.connect, deadline: Date.now() - 1 },
        ),
      ).rejects.toThrow(VerifyDeadlineError);
    } finally {
      deps.close();
    }
  });
});
