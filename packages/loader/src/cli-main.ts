// The `load` command: parse → run the core (here, or through the Lambda in AWS mode) → print.
// Returns the exit code: 0 loaded, 1 load failed and rolled back, 2 usage or configuration error.
import {
  createLambdaClient,
  type InvokeDeps,
  invokeCreateTables,
  invokeLoad,
  invokeRejects,
  invokeReplay,
  invokeStatus,
} from "./aws-invoke";
import { type CliCommand, parseCliArgs, USAGE } from "./cli-args";
import { type LoaderConfig, loadConfigFromEnvironment } from "./config";
import { type CreateTablesReport, createTables } from "./create-tables";
import { createRuntimeDeps, type RuntimeDeps } from "./deps";
import { errorInfo, exitCodeOf, LoadFailedError, UsageError } from "./errors";
import { runLoad } from "./load";
import { createProgress, type ProgressSink } from "./progress";
import { listRejects, runReplay } from "./quarantine";
import { formatRejects, formatReplay } from "./quarantine-format";
import type { LoadReport } from "./report";
import { formatPlan, formatReportTable } from "./report-format";
import type { StatusReport } from "./status/grid";
import { runStatus } from "./status/read";
import { formatStatus } from "./status/render";

export interface CliIO {
  /** isTTY: colour the status grid. */
  stdout: { write(chunk: string): boolean; isTTY?: boolean };
  stderr: ProgressSink;
  /** Defaults to ./.env over the process environment. */
  loadConfig?: () => LoaderConfig;
  /** Defaults to the real clients for the config. */
  runtimeDeps?: (config: LoaderConfig) => RuntimeDeps;
  lambda?: (config: LoaderConfig) => InvokeDeps["lambda"] & { destroy?(): void };
}

export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const err = (text: string) => io.stderr.write(`${text}\n`);
  let json = false;
  try {
    const command = parseCliArgs(argv);
    if (command.kind === "help") {
      out(USAGE);
      return 0;
    }
    json = command.json;
    const config = (io.loadConfig ?? (() => loadConfigFromEnvironment()))();
    if (command.direct && config.mode === "local") {
      throw new UsageError(
        "--direct is for AWS mode (KR_MODE=aws); local mode already runs the loader on this machine",
      );
    }
    const viaLambda = config.mode === "aws" && !command.direct;
    if (command.kind === "create-tables") {
      const report = await runCreateTables(config, command, viaLambda, io);
      out(json ? JSON.stringify(report, null, 2) : formatTables(report));
      return 0;
    }
    if (command.kind === "status") {
      const status = await runStatusCommand(config, command, viaLambda, io);
      out(json ? JSON.stringify(status, null, 2) : formatStatus(status, { color: io.stdout.isTTY === true }));
      return 0;
    }
    if (command.kind === "rejects" || command.kind === "replay") {
      const text = await runQuarantineCommand(config, command, viaLambda, io);
      out(text);
      return 0;
    }
    const report = await runLoadCommand(config, command, viaLambda, io);
    out(
      json ? JSON.stringify(report, null, 2) : report.dryRun ? formatPlan(report) : formatReportTable(report),
    );
    return 0;
  } catch (error) {
    const report = error instanceof LoadFailedError ? error.report : undefined;
    if (json) {
      out(JSON.stringify({ ok: false, error: errorInfo(error), ...(report && { report }) }, null, 2));
    } else if (report) {
      out(formatReportTable(report));
    }
    err(`error: ${errorInfo(error).message}`);
    if (error instanceof UsageError) err("run with --help for usage");
    return exitCodeOf(error);
  }
}

async function runLoadCommand(
  config: LoaderConfig,
  command: Extract<CliCommand, { kind: "load" }>,
  viaLambda: boolean,
  io: CliIO,
): Promise<LoadReport> {
  const progress = createProgress(io.stderr, !command.json && !command.request.dryRun);
  try {
    if (viaLambda) {
      const lambda = (io.lambda ?? createLambdaClient)(config);
      try {
        return await invokeLoad(config, command.request, { lambda, onInvocation: progress.onInvocation });
      } finally {
        lambda.destroy?.();
      }
    }
    const deps = (io.runtimeDeps ?? createRuntimeDeps)(config);
    try {
      return await runLoad(config, command.request, { ...deps, onProgress: progress.onLoad });
    } finally {
      deps.close();
    }
  } finally {
    progress.stop();
  }
}

/** `rejects` and `replay`: here against the warehouse, or through the Lambda in AWS mode. */
async function runQuarantineCommand(
  config: LoaderConfig,
  command: Extract<CliCommand, { kind: "rejects" | "replay" }>,
  viaLambda: boolean,
  io: CliIO,
): Promise<string> {
  const show = (report: unknown, format: () => string) =>
    command.json ? JSON.stringify(report, null, 2) : format();
  if (viaLambda) {
    const lambda = (io.lambda ?? createLambdaClient)(config);
    try {
      if (command.kind === "rejects") {
        const rejects = await invokeRejects(config, command.request, { lambda });
        return show(rejects, () => formatRejects(rejects));
      }
      const replay = await invokeReplay(config, command.request, { lambda });
      return show(replay, () => formatReplay(replay));
    } finally {
      lambda.destroy?.();
    }
  }
  const deps = (io.runtimeDeps ?? createRuntimeDeps)(config);
  try {
    if (command.kind === "rejects") {
      const rejects = await listRejects(config, command.request, deps);
      return show(rejects, () => formatRejects(rejects));
    }
    const replay = await runReplay(config, command.request, deps);
    return show(replay, () => formatReplay(replay));
  } finally {
    deps.close();
  }
}

async function runStatusCommand(
  config: LoaderConfig,
  command: Extract<CliCommand, { kind: "status" }>,
  viaLambda: boolean,
  io: CliIO,
): Promise<StatusReport> {
  if (viaLambda) {
    const lambda = (io.lambda ?? createLambdaClient)(config);
    try {
      return await invokeStatus(config, command.request, { lambda });
    } finally {
      lambda.destroy?.();
    }
  }
  const deps = (io.runtimeDeps ?? createRuntimeDeps)(config);
  // --verify reads every object of the range: its cost shows as a progress bar on a terminal.
  const progress = createProgress(io.stderr, command.request.verify === true && !command.json);
  try {
    return await runStatus(config, command.request, { ...deps, onVerifyProgress: progress.onVerify });
  } finally {
    progress.stop();
    deps.close();
  }
}

async function runCreateTables(
  config: LoaderConfig,
  command: Extract<CliCommand, { kind: "create-tables" }>,
  viaLambda: boolean,
  io: CliIO,
): Promise<CreateTablesReport> {
  const request = { streams: command.streams, dryRun: command.dryRun };
  // The DDL of the built-in tables needs no warehouse, so a dry run never goes through the Lambda.
  if (viaLambda && !command.dryRun) {
    const lambda = (io.lambda ?? createLambdaClient)(config);
    try {
      return await invokeCreateTables(config, request, { lambda });
    } finally {
      lambda.destroy?.();
    }
  }
  const deps = (io.runtimeDeps ?? createRuntimeDeps)(config);
  try {
    return await createTables(config, request, deps);
  } finally {
    deps.close();
  }
}

function formatTables(report: CreateTablesReport): string {
  const lines = report.dryRun
    ? [
        `dry run: the ${report.dialect} DDL that create-tables would run — nothing is written`,
        ...report.statements.map((s) => `${s};`),
      ]
    : [
        `created the stream tables and the ledger (${report.dialect}, ${report.statements.length} statements, all IF NOT EXISTS)`,
      ];
  for (const stream of report.existing)
    lines.push(`${stream}: no built-in definition; the existing table is used as is`);
  return lines.join("\n");
}
