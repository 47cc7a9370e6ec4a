// AWS mode from a workstation: the cluster is private, so the CLI invokes the deployed loader Lambda
// synchronously, again and again while its report says work is pending (each invocation loads what
// fits its own time budget), and merges the reports.
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { honourProfileEndpoint } from "@kr/aws-clients";
import { formatHour } from "@kr/copy-builder";
import type { LoaderConfig } from "./config";
import type { CreateTablesReport, CreateTablesRequest } from "./create-tables";
import { ConfigError, LoadFailedError, UsageError } from "./errors";
import { LAMBDA_REJECTS_LIMIT, type LambdaResponse, type LoaderPayload } from "./lambda-event";
import { type LoadRequest, resolveRequest } from "./load";
import type { PingReport } from "./ping";
import type { RejectsReport, RejectsRequest, ReplayReport, ReplayRequest } from "./quarantine";
import { type LoadReport, mergeReports } from "./report";
import type { StatusReport } from "./status/grid";
import type { StatusRequest } from "./status/read";

/** The part of LambdaClient used here (tests pass a fake). */
export interface LambdaInvoker {
  send(
    command: InvokeCommand,
  ): Promise<{ Payload?: Uint8Array | undefined; FunctionError?: string | undefined }>;
}

export function createLambdaClient(config: LoaderConfig): LambdaClient {
  const client = new LambdaClient({
    region: config.region,
    ...(config.aws.profileB && { profile: config.aws.profileB }),
    // An invocation may run up to the Lambda's 15-minute limit; do not give up on the socket before it.
    requestHandler: { requestTimeout: 16 * 60_000, connectionTimeout: 10_000 },
    maxAttempts: 1,
  });
  return honourProfileEndpoint(client, config.aws.profileB);
}

async function invoke(
  config: { aws: Pick<LoaderConfig["aws"], "functionName"> },
  lambda: LambdaInvoker,
  payload: LoaderPayload,
): Promise<LambdaResponse> {
  const name = config.aws.functionName;
  let response: Awaited<ReturnType<LambdaInvoker["send"]>>;
  try {
    response = await lambda.send(
      new InvokeCommand({
        FunctionName: name,
        InvocationType: "RequestResponse",
        Payload: JSON.stringify(payload),
      }),
    );
  } catch (error) {
    const message = (error as Error).message;
    if ((error as Error).name === "ResourceNotFoundException") {
      throw new ConfigError(
        `the loader Lambda ${name} does not exist: deploy with make create-infra, or set LOAD_FUNCTION_NAME`,
      );
    }
    throw new LoadFailedError(
      `invoking ${name} failed: ${message} — check ACCOUNT_B_PROFILE and AWS_REGION`,
      { cause: error },
    );
  }
  const text = response.Payload ? Buffer.from(response.Payload).toString("utf8") : "null";
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (response.FunctionError) {
    const detail = (body as { errorMessage?: string } | null)?.errorMessage ?? text;
    throw new LoadFailedError(`the loader Lambda ${name} failed: ${detail} (see its CloudWatch logs)`);
  }
  return body as LambdaResponse;
}

function raise(response: Extract<LambdaResponse, { ok: false }>, loaded: LoadReport[]): never {
  const { error } = response;
  const report = response.report
    ? mergeReports([...loaded, response.report])
    : loaded.length > 0
      ? mergeReports(loaded)
      : undefined;
  if (error.exitCode === 2)
    throw error.type === "ConfigError" ? new ConfigError(error.message) : new UsageError(error.message);
  throw new LoadFailedError(error.message, report ? { report } : undefined);
}

/** The answers of the one-shot actions, by the key that carries each. */
interface Answers {
  tables: CreateTablesReport;
  status: StatusReport;
  rejects: RejectsReport;
  replay: ReplayReport;
  ping: PingReport;
}

/** A one-shot action (not a load): its answer under `key`, or the Lambda's error, typed. */
async function ask<K extends keyof Answers>(
  config: { aws: Pick<LoaderConfig["aws"], "functionName"> },
  lambda: LambdaInvoker,
  payload: LoaderPayload,
  key: K,
  what: string,
): Promise<Answers[K]> {
  const response = await invoke(config, lambda, payload);
  if (!response.ok) raise(response, []);
  if (!(key in response)) throw new LoadFailedError(`the loader Lambda answered without ${what}`);
  return (response as unknown as Answers)[key];
}

/** The hours and streams a request selects, as payload fields (absent ones left out). */
function selection(request: { from?: string; to?: string; streams?: readonly string[] }): LoaderPayload {
  return {
    ...(request.from !== undefined && { from: request.from }),
    ...(request.to !== undefined && { to: request.to }),
    ...(request.streams && request.streams.length > 0 && { streams: [...request.streams] }),
  };
}

export interface InvokeDeps {
  lambda: LambdaInvoker;
  /** After each invocation: bytes loaded so far of bytes loaded + still pending. */
  onInvocation?: (progress: { invocations: number; bytesDone: number; bytesTotal: number }) => void;
  now?: () => Date;
}

/** A safety stop for a backlog that keeps growing faster than the Lambda loads it. */
const MAX_INVOCATIONS = 1000;

/**
 * Loads through the Lambda: the request is checked here first, then sent again while the report says
 * work is pending (each invocation continues where the previous stopped; a re-import keeps its
 * request id, so each file is re-imported once).
 */
export async function invokeLoad(
  config: LoaderConfig,
  request: LoadRequest,
  deps: InvokeDeps,
): Promise<LoadReport> {
  const resolved = resolveRequest(config, request, (deps.now ?? (() => new Date()))());
  // The look-back window is the Lambda's own (it decides "now"); a range is pinned here.
  const payload: LoaderPayload = {
    action: "load",
    ...(resolved.trigger === "range" && {
      from: formatHour(resolved.range.from),
      to: formatHour(resolved.range.to),
    }),
    ...(request.streams && { streams: [...resolved.streams] }),
    ...(resolved.reimport && { reimport: true }),
    ...(resolved.requestId !== undefined && { requestId: resolved.requestId }),
    ...(resolved.dryRun && { dryRun: true }),
  };
  const reports: LoadReport[] = [];
  let bytesDone = 0;
  for (;;) {
    const response = await invoke(config, deps.lambda, payload);
    if (!response.ok) raise(response, reports);
    if (!("report" in response)) throw new LoadFailedError("the loader Lambda answered without a report");
    const { report } = response;
    reports.push(report);
    bytesDone += report.totals.bytes;
    deps.onInvocation?.({
      invocations: reports.length,
      bytesDone,
      bytesTotal: bytesDone + report.pending.bytes,
    });
    if (report.dryRun || report.pending.files === 0) break;
    const batches = report.streams.reduce((n, s) => n + s.batches, 0);
    if (batches === 0) {
      throw new LoadFailedError(
        `the loader Lambda loaded nothing: its next batch does not fit its time budget (${report.pending.files} files pending from ${report.pending.oldestHour}); lower LOAD_BATCH_MAX_BYTES or raise LOADER_TIMEOUT_SECONDS`,
        { report: { ...mergeReports(reports), runner: "lambda" } },
      );
    }
    if (reports.length >= MAX_INVOCATIONS) break;
  }
  return { ...mergeReports(reports), runner: "lambda" };
}

export async function invokeCreateTables(
  config: LoaderConfig,
  request: CreateTablesRequest,
  deps: Pick<InvokeDeps, "lambda">,
): Promise<CreateTablesReport> {
  const payload: LoaderPayload = {
    action: "create-tables",
    ...selection(request),
    ...(request.dryRun && { dryRun: true }),
  };
  return ask(config, deps.lambda, payload, "tables", "a table report");
}

/** `status` in AWS mode: the Lambda reads the ledger (the cluster is private) and lists S3. */
export async function invokeStatus(
  config: LoaderConfig,
  request: StatusRequest,
  deps: Pick<InvokeDeps, "lambda" | "now">,
): Promise<StatusReport> {
  // Checked here first so a typo never costs an invocation.
  resolveRequest(config, request, (deps.now ?? (() => new Date()))());
  const payload: LoaderPayload = {
    action: "status",
    ...selection(request),
    ...(request.verify && { verify: true }),
  };
  return ask(config, deps.lambda, payload, "status", "a status");
}

/**
 * `rejects` in AWS mode: the Lambda reads the quarantine (the cluster is private). One answer holds
 * at most LAMBDA_REJECTS_LIMIT lines, so that whole raw lines stay within Lambda's response size.
 */
export async function invokeRejects(
  config: LoaderConfig,
  request: RejectsRequest,
  deps: Pick<InvokeDeps, "lambda">,
): Promise<RejectsReport> {
  if (request.limit !== undefined && request.limit > LAMBDA_REJECTS_LIMIT) {
    throw new UsageError(
      `--limit ${request.limit}: through the Lambda a listing holds at most ${LAMBDA_REJECTS_LIMIT} lines (narrow it with --from/--to, --stream or --batch, or use --direct)`,
    );
  }
  const payload: LoaderPayload = {
    action: "rejects",
    ...selection(request),
    ...(request.batchId !== undefined && { batchId: request.batchId }),
    ...(request.pending && { pending: true }),
    ...(request.limit !== undefined && { limit: request.limit }),
  };
  return ask(config, deps.lambda, payload, "rejects", "the quarantine");
}

/**
 * `replay` in AWS mode: the Lambda replays with its Redshift driver. Each replay batch commits on its
 * own, so a replay the Lambda's timeout cuts short is continued by running the same command again.
 */
export async function invokeReplay(
  config: LoaderConfig,
  request: ReplayRequest,
  deps: Pick<InvokeDeps, "lambda">,
): Promise<ReplayReport> {
  const payload: LoaderPayload = {
    action: "replay",
    ...(request.batchId !== undefined && { batchId: request.batchId }),
    ...selection(request),
    ...(request.dryRun && { dryRun: true }),
  };
  return ask(config, deps.lambda, payload, "replay", "a replay report");
}

/**
 * `ping` (make doctor): the deployed Lambda connects to the cluster on its normal path (secret, VPC),
 * runs SELECT 1 and reports whether the stream tables and the ledger exist.
 */
export async function invokePing(
  config: { aws: Pick<LoaderConfig["aws"], "functionName"> },
  deps: Pick<InvokeDeps, "lambda">,
): Promise<PingReport> {
  return ask(config, deps.lambda, { action: "ping" }, "ping", "a ping report");
}
