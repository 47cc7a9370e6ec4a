// `ping` (what `make doctor` asks the deployed Lambda): the handler connects on the loader's normal
// path, runs SELECT 1 and says which of the stream tables and the ledger exist — on the local
// warehouse (PGlite, or the PostgreSQL server at PG_URL), across the same JSON boundary as AWS.
import type { InvokeCommand } from "@aws-sdk/client-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invokePing } from "../src/aws-invoke";
import { createTables, UsageError } from "../src/index";
import { handleLambdaEvent, type LambdaRuntime, parseLambdaEvent } from "../src/lambda-event";
import { startStack, type TestStack } from "./helpers/stack";

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ createTables: false });
});
afterAll(() => stack?.close());

const runtime = (overrides: Record<string, string> = {}): LambdaRuntime => ({
  config: () => stack.config(overrides),
  deps: (c) => stack.deps(c),
  log: () => {},
});

/** A Lambda client whose function is the handler on the local stack, behind JSON like AWS's. */
const lambda = (overrides: Record<string, string> = {}) => ({
  async send(command: InvokeCommand) {
    const payload = JSON.parse(Buffer.from(command.input.Payload as Uint8Array).toString("utf8"));
    const response = await handleLambdaEvent(payload, runtime(overrides));
    return { Payload: Buffer.from(JSON.stringify(response)) };
  },
});

describe("the ping event", () => {
  it("is {action: ping} and nothing else", () => {
    expect(parseLambdaEvent({ action: "ping" })).toEqual({ action: "ping", scheduled: false, request: {} });
    expect(() => parseLambdaEvent({ action: "ping", from: "2026-12-01" })).toThrow(
      new UsageError("a ping carries nothing but {action: ping}"),
    );
  });
});

describe("ping against the warehouse", () => {
  it("connects and runs SELECT 1 before any table exists, and says the tables and the ledger are missing", async () => {
    const response = await handleLambdaEvent({ action: "ping" }, runtime());
    expect(response).toEqual({
      ok: true,
      ping: {
        selectOne: true,
        connectMs: expect.any(Number),
        queryMs: expect.any(Number),
        tables: { "public.events": false, "public.utm": false },
        ledger: false,
      },
    });
  });

  it("after create-tables, reports every stream table and the ledger (through invokePing, as the doctor does)", async () => {
    const deps = stack.deps();
    await createTables(stack.config(), {}, deps);
    deps.close();
    const ping = await invokePing({ aws: { functionName: "kr-loader" } }, { lambda: lambda() });
    expect(ping).toMatchObject({
      selectOne: true,
      tables: { "public.events": true, "public.utm": true },
      ledger: true,
    });
    expect(ping.connectMs).toBeGreaterThanOrEqual(0);
    expect(ping.queryMs).toBeGreaterThanOrEqual(0);
    // A stream configured but never created is named.
    const more = await invokePing(
      { aws: { functionName: "kr-loader" } },
      { lambda: lambda({ KR_STREAMS: "events,utm,clicks" }) },
    );
    expect(more.tables).toEqual({ "public.events": true, "public.utm": true, "public.clicks": false });
  });

  it("a warehouse it cannot reach is a failed ping that says what to check (exit 1)", async () => {
    const response = await handleLambdaEvent({ action: "ping" }, runtime({ RS_PORT: "1" }));
    expect(response).toMatchObject({
      ok: false,
      error: {
        type: "LoadFailedError",
        exitCode: 1,
        message: expect.stringMatching(/^cannot connect to the warehouse at .*:1\//),
      },
    });
  });
});
