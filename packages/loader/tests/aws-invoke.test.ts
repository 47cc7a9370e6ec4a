// AWS mode from a workstation: the CLI invokes the loader Lambda until nothing is pending. The
// "Lambda" here is the real handler logic running in-process against the local stack, behind a JSON
// boundary like AWS's (or, for the loop itself, a Lambda that answers with prepared reports).
import type { InvokeCommand } from "@aws-sdk/client-lambda";
import { makeRecords } from "@kr/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokeLoad } from "../src/aws-invoke";
import { runCli } from "../src/cli-main";
import {
  ConfigError,
  type LoaderConfig,
  LoadFailedError,
  type LoadReport,
  loadConfig,
  UsageError,
} from "../src/index";
import { handleLambdaEvent, type LambdaRuntime } from "../src/lambda-event";
import { hourAt, putObject, writeDataset } from "./helpers/data";
import { BUCKET, startStack, type TestStack } from "./helpers/stack";

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
  const hours = Array.from(
    { length: 30 },
    (_, i) => new Date(hourAt("2026-12-30T00").getTime() + i * 3_600_000),
  );
  await writeDataset(stack.s3Client, BUCKET, ["utm"], hours, { filesPerHour: 1, perFile: 3, seed: 13 });
});
afterAll(() => stack.close());

/** Settings the workstation has in AWS mode (the Lambda's own settings are the stack's). */
const awsConfig = (extra: Record<string, string> = {}): LoaderConfig =>
  loadConfig({
    KR_MODE: "aws",
    ACCOUNT_A_ID: "111111111111",
    ACCOUNT_B_ID: "222222222222",
    ...extra,
  });

/** A Lambda client whose function is the loader's handler logic on the local stack. */
function localLambda() {
  const payloads: Record<string, unknown>[] = [];
  const runtime: LambdaRuntime = { config: () => stack.config(), deps: (c) => stack.deps(c), log: () => {} };
  return {
    payloads,
    async send(command: InvokeCommand) {
      const payload = JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString("utf8"));
      payloads.push(payload);
      expect(command.input).toMatchObject({ FunctionName: "kr-loader", InvocationType: "RequestResponse" });
      const response = await handleLambdaEvent(payload, runtime);
      return { Payload: Buffer.from(JSON.stringify(response)) };
    },
  };
}

describe("invokeLoad", () => {
  it("loads the whole range through the Lambda and reports it as the Lambda's", async () => {
    const lambda = localLambda();
    const report = await invokeLoad(awsConfig(), { from: "2026-12-30T00", to: "2026-12-31T05" }, { lambda });
    expect(lambda.payloads).toEqual([{ action: "load", from: "2026-12-30T00", to: "2026-12-31T05" }]);
    expect(report).toMatchObject({
      ok: true,
      runner: "lambda",
      range: { from: "2026-12-30T00", to: "2026-12-31T05", hours: 30 },
      pending: { files: 0, bytes: 0, oldestHour: null },
    });
    expect(report.streams.find((s) => s.stream === "utm")).toMatchObject({ files: 30, inserted: 90 });
    expect(report.totals).toMatchObject({ files: 30, rowsStaged: 90, inserted: 90 });
  });

  it("invokes again while work is pending, with the same payload, and shows bytes done of loaded + pending", async () => {
    const reports = [
      drainStep(10, 1000, { files: 20, bytes: 2000, oldestHour: "2026-12-30T10" }),
      drainStep(10, 1000, { files: 10, bytes: 1200, oldestHour: "2026-12-30T20" }),
      drainStep(12, 1200, { files: 0, bytes: 0, oldestHour: null }),
    ];
    const payloads: unknown[] = [];
    const lambda = {
      async send(command: InvokeCommand) {
        payloads.push(JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString("utf8")));
        return { Payload: Buffer.from(JSON.stringify({ ok: true, report: reports[payloads.length - 1] })) };
      },
    };
    const progress: string[] = [];
    const report = await invokeLoad(
      awsConfig(),
      { from: "2026-12-30T00", to: "2026-12-31T05", reimport: true },
      { lambda, onInvocation: (p) => progress.push(`${p.invocations}: ${p.bytesDone}/${p.bytesTotal}`) },
    );
    expect(payloads).toHaveLength(3);
    expect(new Set(payloads.map((p) => JSON.stringify(p))).size).toBe(1);
    expect(payloads[0]).toEqual({
      action: "load",
      from: "2026-12-30T00",
      to: "2026-12-31T05",
      reimport: true,
      requestId: expect.stringMatching(/^ri-[0-9a-f]{16}$/),
    });
    expect(progress).toEqual(["1: 1000/3000", "2: 2000/3200", "3: 3200/3200"]);
    expect(report.totals).toMatchObject({ files: 32, bytes: 3200 });
    expect(report.pending).toEqual({ files: 0, bytes: 0, oldestHour: null });
    expect(report.streams[0]?.batches).toBe(3);
  });

  it("stops with an error when an invocation loads nothing (its next batch never fits its budget)", async () => {
    const stuck = drainStep(0, 0, { files: 5, bytes: 500, oldestHour: "2026-12-30T00" }, 0);
    let calls = 0;
    const lambda = {
      async send() {
        calls++;
        return { Payload: Buffer.from(JSON.stringify({ ok: true, report: stuck })) };
      },
    };
    const error = await invokeLoad(awsConfig(), { from: "2026-12-30T00" }, { lambda }).catch(
      (e: unknown) => e,
    );
    expect(calls).toBe(1);
    expect(error).toBeInstanceOf(LoadFailedError);
    expect((error as Error).message).toContain(
      "its next batch does not fit its time budget (5 files pending from 2026-12-30T00)",
    );
  });

  it("checks the range before invoking anything", async () => {
    const lambda = localLambda();
    await expect(
      invokeLoad(awsConfig(), { from: "2026-12-31T05", to: "2026-12-30T00" }, { lambda }),
    ).rejects.toThrow(UsageError);
    expect(lambda.payloads).toEqual([]);
  });

  it("without a range sends one look-back invocation; streams and flags travel in the payload", async () => {
    const lambda = localLambda();
    await invokeLoad(awsConfig(), {}, { lambda });
    await invokeLoad(
      awsConfig(),
      { from: "2026-12-30T00", streams: ["utm"], reimport: true, dryRun: true },
      { lambda },
    );
    expect(lambda.payloads).toEqual([
      { action: "load" },
      {
        action: "load",
        from: "2026-12-30T00",
        to: "2026-12-30T00",
        streams: ["utm"],
        reimport: true,
        requestId: expect.stringMatching(/^ri-/),
        dryRun: true,
      },
    ]);
  });

  it("maps the Lambda's answers back to typed errors", async () => {
    const answer = (body: unknown, functionError?: string) => ({
      async send() {
        return {
          Payload: Buffer.from(JSON.stringify(body)),
          ...(functionError && { FunctionError: functionError }),
        };
      },
    });
    const request = { from: "2026-12-30T00" };
    await expect(
      invokeLoad(awsConfig(), request, {
        lambda: answer({ errorMessage: "Task timed out after 900.00 seconds" }, "Unhandled"),
      }),
    ).rejects.toThrow(
      "the loader Lambda kr-loader failed: Task timed out after 900.00 seconds (see its CloudWatch logs)",
    );
    await expect(
      invokeLoad(awsConfig(), request, {
        lambda: answer({
          ok: false,
          error: { type: "ConfigError", message: "RS_SECRET_ARN …", exitCode: 2 },
        }),
      }),
    ).rejects.toThrow(ConfigError);
    const failed = await invokeLoad(awsConfig(), request, {
      lambda: answer({
        ok: false,
        error: { type: "LoadFailedError", message: "utm: boom; the batch rolled back", exitCode: 1 },
      }),
    }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(LoadFailedError);
    const missing = {
      async send() {
        throw Object.assign(new Error("Function not found"), { name: "ResourceNotFoundException" });
      },
    };
    await expect(invokeLoad(awsConfig(), request, { lambda: missing })).rejects.toThrow(
      "the loader Lambda kr-loader does not exist: deploy with make create-infra, or set LOAD_FUNCTION_NAME",
    );
  });
});

describe("the CLI in AWS mode", () => {
  /** Runs the CLI in AWS mode against `lambda`; returns its exit code and what it printed. */
  async function cli(argv: string[], lambda = localLambda()) {
    let stdout = "";
    const code = await runCli(argv, {
      stdout: {
        write: (s: string) => {
          stdout += s;
          return true;
        },
      },
      stderr: { write: () => true, isTTY: false },
      loadConfig: () => awsConfig(),
      lambda: () => lambda,
    });
    return { code, stdout };
  }

  it("goes through the Lambda and prints the merged summary table", async () => {
    const { code, stdout } = await cli([
      "--",
      "--from",
      "2026-12-30T00",
      "--to",
      "2026-12-31T05",
      "--reimport",
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("re-import 2026-12-30T00..2026-12-31T05 (30 h, lambda)");
    // rows staged 90, inserted 0, replaced 0, unchanged 90 (the rows were identical)
    expect(stdout).toMatch(/│ utm +│ loaded +│ +30 │ .* │ +90 │ +0 │ +0 │ +90 │/);
  });

  it("status goes through the Lambda (a `status` action) and prints the grid", async () => {
    const lambda = localLambda();
    const { code, stdout } = await cli(
      ["status", "--from", "2026-12-30T00", "--to", "2026-12-30T02", "--stream", "utm"],
      lambda,
    );
    expect(code).toBe(0);
    expect(lambda.payloads).toEqual([
      { action: "status", from: "2026-12-30T00", to: "2026-12-30T02", streams: ["utm"] },
    ]);
    // Whatever earlier tests loaded, every hour of the range has its one object in S3.
    expect(stdout).toMatch(/│ 2026-12-30T01 │ [01]\/1 (loaded|pending) +│/);
    expect(stdout).toContain("newest fully loaded hour:");

    // --verify travels too: the Lambda reads the objects and answers the reconciliation with the grid.
    const verified = await cli(["status", "--from", "2026-12-30T01", "--stream", "utm", "--verify"], lambda);
    expect(verified.code).toBe(0);
    expect(lambda.payloads.at(-1)).toEqual({
      action: "status",
      from: "2026-12-30T01",
      streams: ["utm"],
      verify: true,
    });
    expect(verified.stdout).toMatch(/│ 2026-12-30T01 │ utm +│ +\d+ │/);
  });

  it("rejects and replay go through the Lambda (the cluster is private), exactly once", async () => {
    const hour = hourAt("2026-12-29T03");
    const fixable = {
      ...makeRecords("utm", hour, 1, 31)[0],
      event_id: "via-lambda",
      occurred_at: "2026-13-45T00:00:00Z",
    };
    await putObject(stack.s3Client, BUCKET, "utm", hour, [...makeRecords("utm", hour, 2, 32), fixable]);
    const lambda = localLambda();
    expect((await cli(["--from", "2026-12-29T03", "--stream", "utm"], lambda)).code).toBe(0);

    const listed = await cli(["rejects", "--stream", "utm", "--pending", "--json"], lambda);
    expect(listed.code).toBe(0);
    expect(lambda.payloads.at(-1)).toEqual({ action: "rejects", streams: ["utm"], pending: true });
    const rejects = JSON.parse(listed.stdout) as {
      total: number;
      records: { id: number; batchId: string; reason: string }[];
    };
    const record = rejects.records.find((r) => r.reason.startsWith("column occurred_at"));
    expect(record).toBeDefined();

    await stack.query("UPDATE loader.rejected_records SET raw_line = $1 WHERE id = $2", [
      JSON.stringify({ ...fixable, occurred_at: "2026-12-29T03:10:00Z" }),
      record?.id,
    ]);
    const replayed = await cli(["replay", "--batch", record?.batchId as string], lambda);
    expect(replayed.code).toBe(0);
    expect(lambda.payloads.at(-1)).toEqual({ action: "replay", batchId: record?.batchId });
    // selected 1, replayed 1, still rejected 0
    expect(replayed.stdout).toMatch(/│ utm +│ 1 +│ 1 +│ 0 +│/);
    const [row] = await stack.query<{ n: string }>(
      "SELECT COUNT(*) AS n FROM public.utm WHERE event_id = 'via-lambda'",
    );
    expect(row?.n).toBe("1");

    // A listing larger than one Lambda answer holds is refused before anything is invoked.
    const before = lambda.payloads.length;
    const tooMany = await cli(["rejects", "--limit", "51"], lambda);
    expect(tooMany.code).toBe(2);
    expect(lambda.payloads).toHaveLength(before);
  });

  it("create-tables --dry-run prints the Redshift DDL without invoking anything", async () => {
    const lambda = localLambda();
    const { code, stdout } = await cli(["create-tables", "--dry-run"], lambda);
    expect(code).toBe(0);
    expect(lambda.payloads).toEqual([]);
    expect(stdout).toContain("dry run: the redshift DDL that create-tables would run");
    expect(stdout).toContain('"properties" SUPER');
    expect(stdout).toContain('SORTKEY ("occurred_at");');
  });
});

/** One invocation's report in a drain: what it loaded and what it left pending. */
function drainStep(files: number, bytes: number, pending: LoadReport["pending"], batches = 1): LoadReport {
  const counts = {
    files,
    bytes,
    rowsStaged: files,
    inserted: files,
    replaced: 0,
    unchanged: 0,
    duplicatesDropped: 0,
    rejected: 0,
    durationMs: 1,
  };
  return {
    ok: true,
    dryRun: false,
    mode: "aws",
    runner: "redshift",
    trigger: "range",
    reimport: true,
    range: { from: "2026-12-30T00", to: "2026-12-31T05", hours: 30 },
    budgetMs: 840_000,
    startedAt: "2026-12-31T06:00:00.000Z",
    finishedAt: "2026-12-31T06:00:01.000Z",
    durationMs: 1000,
    streams: [
      {
        ...counts,
        stream: "events",
        table: "public.events",
        status: batches > 0 ? "loaded" : "pending",
        skippedFiles: 0,
        batches,
        pending,
        rejectedRecords: [],
      },
    ],
    totals: counts,
    pending,
  };
}
