// @kr/loader: the programmatic face of the loader (the demo and bench apps call this; the CLI and the
// Lambda are thin layers over the same functions).

export {
  createLambdaClient,
  type InvokeDeps,
  invokeCreateTables,
  invokeLoad,
  invokePing,
  type LambdaInvoker,
} from "./aws-invoke";
export { type CliCommand, parseCliArgs, USAGE } from "./cli-args";
export { type CliIO, runCli } from "./cli-main";
export {
  type AwsSettings,
  type EnvRecord,
  LOCAL_S3_CREDENTIALS,
  type LoaderConfig,
  type LoadSettings,
  loadConfig,
  loadConfigFromEnvironment,
  type S3Settings,
  type WarehouseSettings,
} from "./config";
export { type CreateTablesReport, type CreateTablesRequest, createTables } from "./create-tables";
export { createRuntimeDeps, type RuntimeDeps } from "./deps";
export { createPostgresDriver, type PostgresDriverOptions } from "./drivers/postgres";
export { createRedshiftDriver, type RedshiftDriverOptions } from "./drivers/redshift";
export type { ReplayLine, StageOutcome, StageRequest, WarehouseDriver } from "./drivers/types";
export {
  ConfigError,
  type ErrorInfo,
  errorInfo,
  exitCodeOf,
  LoaderError,
  LoadFailedError,
  TooManyRejectedError,
  UsageError,
} from "./errors";
export {
  handleLambdaEvent,
  type LambdaCommand,
  type LambdaResponse,
  type LambdaRuntime,
  type LoaderPayload,
  parseLambdaEvent,
} from "./lambda-event";
export {
  type LoadDeps,
  type LoadProgress,
  type LoadRequest,
  type ResolvedRequest,
  resolveRequest,
  runLoad,
} from "./load";
export { LEDGER_TABLE, type PingReport, runPing } from "./ping";
export {
  listRejects,
  type QuarantinedRecord,
  REPLAY_BATCH_LINES,
  type RejectsReport,
  type RejectsRequest,
  type ReplayReport,
  type ReplayRequest,
  type ReplayStreamReport,
  runReplay,
} from "./quarantine";
export { formatRejects, formatReplay } from "./quarantine-format";
export { type Counts, type LoadReport, mergeReports, type StreamReport, type StreamStatus } from "./report";
export { formatPlan, formatReportTable } from "./report-format";
export { createS3Client, type PlannedFile } from "./s3-objects";
export type { RejectedRecord } from "./staging/index";
export type { StatusReport } from "./status/grid";
export { runStatus, type StatusRequest } from "./status/read";
export { formatStatus } from "./status/render";
export { formatBytes, formatDuration } from "./units";
export { type Connect, readTableColumns, warehouseConnector } from "./warehouse";
