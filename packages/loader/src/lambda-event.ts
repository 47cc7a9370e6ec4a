// The Lambda's input and output. A schedule (EventBridge) or an empty event loads the look-back
// window; a payload {from, to, streams, reimport, dryRun} loads that range (what the CLI sends); a
// {continuation} payload is a scheduled run's next step of a backlog drain (see chain.ts). Every run
// has a budget: the invocation's remaining time less a margin.
import { randomUUID } from "node:crypto";
import * as z from "zod/mini";
import { createLambdaClient, type LambdaInvoker } from "./aws-invoke";
import { lambdaBudgetMs } from "./budget";
import {
  type ChainStep,
  claimChain,
  invokeContinuation,
  LEASE_SLACK_MS,
  releaseChain,
  shouldContinue,
} from "./chain";
import type { LoaderConfig } from "./config";
import { type CreateTablesReport, createTables } from "./create-tables";
import { type ErrorInfo, errorInfo, LoadFailedError, UsageError } from "./errors";
import { type LoadRequest, runLoad } from "./load";
import type { Logger } from "./log";
import { publishRunMetrics } from "./metrics/publish";
import { type PingReport, runPing } from "./ping";
import {
  listRejects,
  type RejectsReport,
  type RejectsRequest,
  type ReplayReport,
  type ReplayRequest,
  runReplay,
} from "./quarantine";
import type { LoadReport } from "./report";
import type { RuntimeDeps } from "./runtime-clients";
import type { StatusReport } from "./status/grid";
import { runStatus, type StatusRequest } from "./status/read";

/** Quarantined lines one `rejects` answer may carry: up to 50 whole raw lines stay under Lambda's 6 MB. */
export const LAMBDA_REJECTS_LIMIT = 50;

const payloadSchema = z.strictObject({
  action: z.optional(z.enum(["load", "create-tables", "status", "ping", "rejects", "replay"])),
  from: z.optional(z.string()),
  to: z.optional(z.string()),
  streams: z.optional(z.array(z.string())),
  reimport: z.optional(z.boolean()),
  requestId: z.optional(z.string()),
  dryRun: z.optional(z.boolean()),
  verify: z.optional(z.boolean()),
  batchId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  pending: z.optional(z.boolean()),
  limit: z.optional(z.int().check(z.minimum(1), z.maximum(LAMBDA_REJECTS_LIMIT))),
  continuation: z.optional(
    z.strictObject({
      chainId: z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/)),
      step: z.int().check(z.minimum(1)),
    }),
  ),
});

export type LoaderPayload = z.input<typeof payloadSchema>;

export type LambdaCommand =
  | { action: "load"; scheduled: boolean; request: LoadRequest; chain?: ChainStep }
  | { action: "create-tables"; scheduled: false; request: { streams?: string[]; dryRun?: boolean } }
  | { action: "status"; scheduled: false; request: StatusRequest }
  | { action: "ping"; scheduled: false; request: Record<string, never> }
  | { action: "rejects"; scheduled: false; request: RejectsRequest }
  | { action: "replay"; scheduled: false; request: ReplayRequest };

export type LambdaResponse =
  | { ok: true; report: LoadReport; continuation?: LoaderPayload }
  /** A scheduled run that found another drain chain running: it leaves the work to that chain. */
  | { ok: true; skipped: string }
  | { ok: true; tables: CreateTablesReport }
  | { ok: true; status: StatusReport }
  | { ok: true; ping: PingReport }
  | { ok: true; rejects: RejectsReport }
  | { ok: true; replay: ReplayReport }
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

export function parseLambdaEvent(event: unknown, newChainId: () => string = randomUUID): LambdaCommand {
  if (isScheduled(event)) {
    return { action: "load", scheduled: true, request: {}, chain: { chainId: newChainId(), step: 0 } };
  }
  const parsed = payloadSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "event"}: ${i.message}`)
      .join("; ");
    throw new UsageError(
      `the loader expects {from, to, streams, reimport, requestId, dryRun} or a scheduled event: ${problems}`,
    );
  }
  const { action = "load", continuation, ...rest } = parsed.data;
  if (continuation) {
    if (action !== "load" || Object.values(rest).some((v) => v !== undefined)) {
      throw new UsageError("a continuation carries nothing but {action: load, continuation}");
    }
    return { action: "load", scheduled: true, request: {}, chain: continuation };
  }
  const request = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  if (action === "ping") {
    if (Object.keys(request).length > 0) throw new UsageError("a ping carries nothing but {action: ping}");
    return { action, scheduled: false, request: {} };
  }
  // Each action's request: the payload's fields it takes, left out where absent (or false / "").
  const only = <K extends keyof typeof rest>(...keys: K[]) =>
    Object.fromEntries(
      keys
        .filter((k) => rest[k] !== undefined && rest[k] !== false && rest[k] !== "")
        .map((k) => [k, rest[k]]),
    ) as { [P in K]?: NonNullable<(typeof rest)[P]> };
  if (action === "rejects") {
    const request: RejectsRequest = {
      ...only("from", "to", "streams", "batchId", "pending"),
      limit: rest.limit ?? LAMBDA_REJECTS_LIMIT,
    };
    return { action, scheduled: false, request };
  }
  if (action === "replay") {
    const request: ReplayRequest = only("batchId", "from", "to", "streams", "dryRun");
    return { action, scheduled: false, request };
  }
  if (rest.batchId !== undefined || rest.pending !== undefined || rest.limit !== undefined) {
    throw new UsageError("batchId, pending and limit belong to the rejects and replay actions");
  }
  if (action === "status") {
    const request: StatusRequest = only("from", "to", "streams", "verify");
    return { action, scheduled: false, request };
  }
  if (rest.verify !== undefined) throw new UsageError("verify belongs to the status action");
  return action === "create-tables"
    ? { action, scheduled: false, request: only("streams", "dryRun") }
    : { action, scheduled: false, request };
}

export interface LambdaRuntime {
  config(): LoaderConfig;
  deps(config: LoaderConfig): RuntimeDeps;
  log: Logger;
  /** The Lambda client a scheduled run continues itself with. */
  lambda?(config: LoaderConfig): LambdaInvoker & { destroy?(): void };
  /** Prints one CloudWatch EMF line (metrics/publish.ts); without it no metrics are gathered. */
  emit?(line: string): void;
}

/** The part of the Lambda context the loader uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  /** This function's ARN: the continuation invokes it (falls back to LOAD_FUNCTION_NAME). */
  invokedFunctionArn?: string;
}

/**
 * Runs one invocation. Failures are logged as structured JSON and returned as {ok: false} so the CLI
 * can show them; a failed scheduled run also throws, so Lambda counts it as an error (alarms, retries).
 */
export async function handleLambdaEvent(
  event: unknown,
  runtime: LambdaRuntime,
  context?: LambdaContext,
): Promise<LambdaResponse> {
  let command: LambdaCommand | undefined;
  let deps: RuntimeDeps | undefined;
  let claimed: { chain: ChainStep; deps: RuntimeDeps; now: () => Date } | undefined;
  try {
    command = parseLambdaEvent(event);
    const config = runtime.config();
    deps = runtime.deps(config);
    if (command.action === "status") {
      return { ok: true, status: await runStatus(config, command.request, deps) };
    }
    if (command.action === "ping") return { ok: true, ping: await runPing(config, deps) };
    if (command.action === "rejects") {
      return { ok: true, rejects: await listRejects(config, command.request, deps) };
    }
    if (command.action === "replay") {
      // Each replay batch commits on its own: a replay cut short by the Lambda's timeout is
      // continued by sending it again (what is replayed is not selected again).
      const replay = await runReplay(config, command.request, deps);
      runtime.log("info", "replay finished", { filter: replay.filter, streams: replay.streams });
      return { ok: true, replay };
    }
    if (command.action === "create-tables") {
      const tables = await createTables(config, command.request, deps);
      runtime.log("info", "tables created", { statements: tables.statements.length, dryRun: tables.dryRun });
      return { ok: true, tables };
    }
    const now = deps.now ?? (() => new Date());
    const remainingMs = context?.getRemainingTimeInMillis();
    const { chain } = command;
    if (chain) {
      const expiresAt = new Date(now().getTime() + (remainingMs ?? 900_000) + LEASE_SLACK_MS);
      if (!(await claimChain(deps.connect, chain, expiresAt, now()))) {
        const skipped = "another drain chain is running; it loads what is pending";
        runtime.log("info", "load skipped", { scheduled: true, chain, reason: skipped });
        return { ok: true, skipped };
      }
      claimed = { chain, deps, now };
    }
    const report = await runLoad(config, command.request, {
      ...deps,
      ...(remainingMs !== undefined && { budgetMs: lambdaBudgetMs(remainingMs) }),
    });
    let continuation: LoaderPayload | undefined;
    if (chain && shouldContinue(report, chain, config.load.chainMax)) {
      const lambda = (runtime.lambda ?? createLambdaClient)(config);
      try {
        continuation = await invokeContinuation(
          lambda,
          context?.invokedFunctionArn ?? config.aws.functionName,
          chain,
        );
      } finally {
        lambda.destroy?.();
      }
      claimed = undefined; // the continuation renews the lease
    }
    if (runtime.emit) {
      await publishRunMetrics({
        config,
        report,
        scheduled: command.scheduled,
        continued: continuation !== undefined,
        deps,
        now,
        ...(context && { remainingMs: () => context.getRemainingTimeInMillis() }),
        emit: runtime.emit,
        log: runtime.log,
      });
    }
    runtime.log("info", "load finished", {
      scheduled: command.scheduled,
      ...(chain && { chain }),
      ...(continuation && { continuation }),
      report: summary(report),
    });
    return { ok: true, report, ...(continuation && { continuation }) };
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
    // A chain that ends here (done, failed, or out of steps) gives the lease up for the next tick.
    if (claimed) {
      await releaseChain(claimed.deps.connect, claimed.chain, claimed.now()).catch((error: unknown) =>
        runtime.log("error", "drain lease not released", { error: errorInfo(error) }),
      );
    }
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
