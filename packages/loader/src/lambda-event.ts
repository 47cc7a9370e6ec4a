// The Lambda's input and output. A schedule (EventBridge) or an empty event loads the look-back
// window; a payload {from, to, streams, reimport, dryRun} loads that range (what the CLI sends).
import * as z from "zod/mini";
import type { LoaderConfig } from "./config";
import { type CreateTablesReport, createTables } from "./create-tables";
import type { RuntimeDeps } from "./deps";
import { type ErrorInfo, errorInfo, LoadFailedError, UsageError } from "./errors";
import { type LoadRequest, runLoad } from "./load";
import type { Logger } from "./log";
import type { LoadReport } from "./report";

const payloadSchema = z.strictObject({
  action: z.optional(z.enum(["load", "create-tables"])),
  from: z.optional(z.string()),
  to: z.optional(z.string()),
  streams: z.optional(z.array(z.string())),
  reimport: z.optional(z.boolean()),
  requestId: z.optional(z.string()),
  dryRun: z.optional(z.boolean()),
});

export type LoaderPayload = z.input<typeof payloadSchema>;

export type LambdaCommand =
  | { action: "load"; scheduled: boolean; request: LoadRequest }
  | { action: "create-tables"; scheduled: false; request: { streams?: string[]; dryRun?: boolean } };

export type LambdaResponse =
  | { ok: true; report: LoadReport }
  | { ok: true; tables: CreateTablesReport }
  | { ok: false; error: ErrorInfo; report?: LoadReport };

function isScheduled(event: unknown): boolean {
  if (event === null || event === undefined) return true;
  if (typeof event !== "object") return false;
  const e = event as Record<string, unknown>;
  return (
    Object.keys(e).length === 0 ||
    e["detail-type"] === "Scheduled Event" ||
    e.source === "aws.events" ||
    e.source === "aws.scheduler"
  );
}

export function parseLambdaEvent(event: unknown): LambdaCommand {
  if (isScheduled(event)) return { action: "load", scheduled: true, request: {} };
  const parsed = payloadSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "event"}: ${i.message}`)
      .join("; ");
    throw new UsageError(
      `the loader expects {from, to, streams, reimport, requestId, dryRun} or a scheduled event: ${problems}`,
    );
  }
  const { action = "load", ...rest } = parsed.data;
  const request = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return action === "create-tables"
    ? {
        action,
        scheduled: false,
        request: { ...(rest.streams && { streams: rest.streams }), ...(rest.dryRun && { dryRun: true }) },
      }
    : { action, scheduled: false, request };
}

export interface LambdaRuntime {
  config(): LoaderConfig;
  deps(config: LoaderConfig): RuntimeDeps;
  log: Logger;
}

/**
 * Runs one invocation. Failures are logged as structured JSON and returned as {ok: false} so the CLI
 * can show them; a failed scheduled run also throws, so Lambda counts it as an error (alarms, retries).
 */
export async function handleLambdaEvent(event: unknown, runtime: LambdaRuntime): Promise<LambdaResponse> {
  let command: LambdaCommand | undefined;
  let deps: RuntimeDeps | undefined;
  try {
    command = parseLambdaEvent(event);
    const config = runtime.config();
    deps = runtime.deps(config);
    if (command.action === "create-tables") {
      const tables = await createTables(config, command.request, deps);
      runtime.log("info", "tables created", { statements: tables.statements.length, dryRun: tables.dryRun });
      return { ok: true, tables };
    }
    const report = await runLoad(config, command.request, deps);
    runtime.log("info", "load finished", { scheduled: command.scheduled, report: summary(report) });
    return { ok: true, report };
  } catch (error) {
    const info = errorInfo(error);
    const report = error instanceof LoadFailedError ? error.report : undefined;
    runtime.log("error", "load failed", {
      scheduled: command?.scheduled ?? false,
      error: info,
      ...(report && { report: summary(report) }),
    });
    if (command?.scheduled) throw error;
    return { ok: false, error: info, ...(report && { report }) };
  } finally {
    deps?.close();
  }
}

/** The report without SQL and rejected samples, for log lines. */
function summary(report: LoadReport) {
  return {
    ...report,
    streams: report.streams.map(({ sql: _sql, rejectedRecords, ...s }) => ({
      ...s,
      rejectedRecords: rejectedRecords.slice(0, 5),
    })),
  };
}
