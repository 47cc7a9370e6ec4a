// The Lambda's metrics: EMF lines printed by local runs of the handler against the real local stack,
// parsed back as CloudWatch would (the `_aws` directive, then the named members), and checked for
// the contract's namespace, dimensions, units and the run's values.

import type { InvokeCommand } from "@aws-sdk/client-lambda";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import {
  LOADER_METRIC_DIMENSIONS,
  LOADER_METRICS,
  LOADER_METRICS_NAMESPACE,
  type LoaderMetricName,
} from "@kr/contract";
import { makeRecords } from "@kr/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntimeDeps } from "../src/deps";
import { createHandler } from "../src/lambda";
import { handleLambdaEvent, type LambdaResponse, type LambdaRuntime } from "../src/lambda-event";
import { emfDocument, emfLines } from "../src/metrics/emf";
import { hourAt, putObject } from "./helpers/data";
import { BUCKET, startStack, type TestStack } from "./helpers/stack";

/** What CloudWatch extracts from one EMF line: the directive's metrics with their values. */
function extract(line: string) {
  const document = JSON.parse(line) as Record<string, unknown> & {
    _aws: {
      Timestamp: number;
      CloudWatchMetrics: {
        Namespace: string;
        Dimensions: string[][];
        Metrics: { Name: LoaderMetricName; Unit: string }[];
      }[];
    };
  };
  const [directive, ...others] = document._aws.CloudWatchMetrics;
  expect(others).toEqual([]);
  if (!directive) throw new Error("no CloudWatchMetrics directive");
  const dimensions = Object.fromEntries(
    (directive.Dimensions[0] ?? []).map((name) => [name, document[name] as string]),
  );
  const values: Partial<Record<LoaderMetricName, number>> = {};
  for (const metric of directive.Metrics) {
    const value = document[metric.Name];
    expect(typeof value).toBe("number");
    values[metric.Name] = value as number;
  }
  return { document, directive, dimensions, values };
}

describe("EMF documents (pure)", () => {
  it("declare the contract's namespace, dimensions and units, and only the metrics given", () => {
    const at = new Date("2026-12-20T10:30:00Z");
    const document = emfDocument("kr", "events", { RowsInserted: 12, LoadLagSeconds: 0 }, at);
    expect(document).toEqual({
      _aws: {
        Timestamp: at.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: "KinesisRedshift/Loader",
            Dimensions: [["Project", "Stream"]],
            Metrics: [
              { Name: "LoadLagSeconds", Unit: "Seconds" },
              { Name: "RowsInserted", Unit: "Count" },
            ],
          },
        ],
      },
      Project: "kr",
      Stream: "events",
      LoadLagSeconds: 0,
      RowsInserted: 12,
    });
    expect(emfLines("kr", new Map([["utm", {}]]), at)).toEqual([]);
  });
});

describe("the Lambda prints one EMF line per stream", () => {
  let stack: TestStack;
  const logs: Record<string, unknown>[] = [];
  const lines: string[] = [];
  const now = new Date("2026-12-20T10:30:00Z");
  let runtime: LambdaRuntime;
  /** The first run's continuation: the drain chain holds the lease until it runs. */
  let continuation: unknown;
  const events09 = makeRecords("events", hourAt("2026-12-20T09"), 12, 71);
  const context = (remainingMs: number) => ({
    getRemainingTimeInMillis: () => remainingMs,
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:222222222222:function:kr-loader",
  });
  /** The lines one invocation printed, by stream. */
  const run = async (event: unknown, remainingMs: number) => {
    lines.length = 0;
    const response = await handleLambdaEvent(event, runtime, context(remainingMs));
    const byStream = new Map(lines.map((line) => [extract(line).dimensions.Stream, extract(line)]));
    return { response, byStream };
  };

  beforeAll(async () => {
    stack = await startStack();
    runtime = {
      config: () => stack.config({ KR_PROJECT: "krtest" }),
      deps: (config) => ({ ...stack.deps(config), now: () => now }),
      log: (level, message, fields) => logs.push({ level, message, ...fields }),
      emit: (line) => lines.push(line),
      lambda: () => ({ send: async (_command: InvokeCommand) => ({}) }),
    };
    const hour = hourAt("2026-12-20T09");
    const first = events09[0];
    await putObject(stack.s3Client, BUCKET, "events", hour, [
      ...events09,
      ...(first ? [first] : []),
      "{oops",
    ]);
    await putObject(stack.s3Client, BUCKET, "utm", hour, makeRecords("utm", hour, 5, 72));
  });
  afterAll(() => stack.close());

  it("a run short of time: nothing loaded, the backlog and its lag (no reconciliation while it drains)", async () => {
    const { response, byStream } = await run({ source: "aws.events" }, 5_000);
    expect(response).toMatchObject({ ok: true, report: { pending: { files: 2 } }, continuation: {} });
    continuation = (response as { continuation?: unknown }).continuation;
    const listed = await stack.s3Client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const arrivals = new Map(
      (listed.Contents ?? []).map((o) => [o.Key?.split("/")[0], o.LastModified?.getTime() ?? 0]),
    );
    expect([...byStream.keys()]).toEqual(["events", "utm"]);
    for (const [stream, { document, directive, dimensions, values }] of byStream) {
      expect(directive.Namespace).toBe(LOADER_METRICS_NAMESPACE);
      expect(directive.Dimensions).toEqual([[...LOADER_METRIC_DIMENSIONS]]);
      expect(dimensions).toEqual({ Project: "krtest", Stream: stream });
      for (const metric of directive.Metrics) expect(metric.Unit).toBe(LOADER_METRICS[metric.Name]);
      expect(document._aws.Timestamp).toBe(now.getTime());
      expect(values).toEqual({
        LoadLagSeconds: Math.round((now.getTime() - (arrivals.get(stream) ?? 0)) / 1000),
        PendingFiles: 1,
        PendingBytes: expect.any(Number),
        RowsInserted: 0,
        RowsReplaced: 0,
        DuplicatesDropped: 0,
        Rejected: 0,
        BatchSeconds: expect.any(Number),
      });
      expect(values.PendingBytes).toBeGreaterThan(0);
    }
  });

  it("the run that drains it: rows, duplicates, rejects, no backlog, and the previous hour reconciles", async () => {
    const { response, byStream } = await run(continuation, 900_000);
    expect(response).toMatchObject({ ok: true, report: { pending: { files: 0 } } });
    expect(response).not.toHaveProperty("continuation");
    expect(byStream.get("events")?.values).toEqual({
      LoadLagSeconds: 0,
      PendingFiles: 0,
      PendingBytes: 0,
      RowsInserted: 12,
      RowsReplaced: 0,
      DuplicatesDropped: 1,
      Rejected: 1,
      BatchSeconds:
        ((response as Extract<LambdaResponse, { report: unknown }>).report.streams[0]?.durationMs ?? -1) /
        1000,
      UnreconciledHours: 0,
    });
    expect(byStream.get("utm")?.values).toMatchObject({ RowsInserted: 5, UnreconciledHours: 0 });
  });

  it("rows deleted behind the loader's back: the next scheduled run reports the hour unreconciled", async () => {
    const gone = events09.slice(0, 2).map((r) => r.event_id);
    await stack.query("DELETE FROM public.events WHERE event_id = ANY($1)", [gone]);
    const { byStream } = await run({ "detail-type": "Scheduled Event", source: "aws.events" }, 900_000);
    expect(byStream.get("events")?.values).toMatchObject({ RowsInserted: 0, UnreconciledHours: 1 });
    expect(byStream.get("utm")?.values).toMatchObject({ UnreconciledHours: 0 });
    expect(logs.find((l) => l.message === "unreconciled hour")).toMatchObject({
      level: "warn",
      hours: [{ stream: "events", hour: "2026-12-20T09", lines: 14, loaded: 10, unaccounted: 2 }],
    });
  });

  it("a range load through the Lambda reports what it loaded, not the schedule's backlog", async () => {
    const { byStream } = await run({ from: "2026-12-20T09", streams: ["utm"], reimport: true }, 900_000);
    expect([...byStream.keys()]).toEqual(["utm"]);
    expect(Object.keys(byStream.get("utm")?.values ?? {})).toEqual([
      "RowsInserted",
      "RowsReplaced",
      "DuplicatesDropped",
      "Rejected",
      "BatchSeconds",
    ]);
  });

  it("the deployed handler writes them to stdout, each its own JSON line beside the log lines", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, stack.env, { KR_PROJECT: "krtest" });
    const written: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      // The deployed handler's wiring with the local runtime in place of Redshift's.
      const handler = createHandler(createRuntimeDeps);
      const response = await handler({ from: "2026-12-20T09", streams: ["utm"], reimport: true });
      expect(response).toMatchObject({ ok: true });
    } finally {
      process.stdout.write = write;
      process.env = saved;
    }
    const emf = written.filter((chunk) => chunk.includes('"_aws"'));
    expect(emf).toHaveLength(1);
    expect(emf[0]?.endsWith("}\n")).toBe(true);
    expect(emf[0]?.trimEnd()).not.toContain("\n");
    const { dimensions, values } = extract(emf[0] ?? "");
    expect(dimensions).toEqual({ Project: "krtest", Stream: "utm" });
    expect(values).toMatchObject({ RowsInserted: 0, Rejected: 0 });
    // The log line of the same run is a separate line.
    expect(written.some((chunk) => chunk.includes('"message":"load finished"'))).toBe(true);
  });
});
