// The loader's only reader of the environment. Parses an env-like record (./.env under the process
// environment), reports every bad setting at once, and returns a frozen, typed config.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  deepFreeze,
  type EnvRecord,
  eventsBucketName,
  LOCAL_S3_CREDENTIALS,
  LOCAL_S3_ENDPOINT,
  loaderFunctionName,
  MODE_SETTINGS,
  manifestBucketName,
  readSettings,
  resolveMode,
  type SettingName,
  SettingsError,
  type SettingValues,
} from "@kr/contract";
import { type Dialect, loaderApplicationName } from "@kr/copy-builder";
import { ConfigError } from "./errors";

export type { EnvRecord };
/** The local S3 server's credentials and endpoint (defined in @kr/contract; re-exported). */
export { LOCAL_S3_CREDENTIALS, LOCAL_S3_ENDPOINT };

export interface S3Settings {
  bucket: string;
  region: string;
  /** Set for a local S3-compatible server; undefined means AWS S3. */
  endpoint?: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** AWS profile (CLI only; the Lambda uses its role). */
  profile?: string;
}

export interface WarehouseSettings {
  dialect: Dialect;
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  /** Secrets Manager secret with {username, password} (the cluster's managed master secret). */
  secretArn?: string;
  schema: string;
  ssl: boolean;
  /** `kr-loader:<project>`: tags every loader session (see terminateStaleSessions). */
  applicationName: string;
}

export interface LoadSettings {
  maxErrors: number;
  lookbackHours: number;
  maxRangeHours: number;
  /** GZIP bytes per batch (each stream's pending files are cut into batches, oldest first). */
  batchMaxBytes: number;
  /** Files per batch (on Redshift rounded down to whole rounds of the cluster's slices). */
  batchMaxFiles: number;
  /** Seconds a CLI run may take (0 = no budget); the Lambda uses its remaining time instead. */
  timeBudgetSeconds: number;
  /** Self-continuations of a scheduled Lambda run that ends with work pending (0 = none). */
  chainMax: number;
  listConcurrency: number;
  stageConcurrency: number;
  /** Hours the merge's delete bound is widened on both sides (same id, other occurred_at). */
  dedupeWindowHours: number;
  /** Loader sessions older than this are terminated at the start of a run; 0 = never. */
  staleSessionSeconds: number;
  /** PostgreSQL: work_mem for the batch's transactions. */
  workMemMb: number;
  /** statement_timeout when the run has no deadline (CLI without a budget); 0 = none. */
  statementTimeoutSeconds: number;
}

export interface AwsSettings {
  accountA?: string;
  accountB?: string;
  profileA?: string;
  profileB?: string;
  /** Deployed loader Lambda the CLI invokes in AWS mode. */
  functionName: string;
  /** Bucket in account B the Redshift driver writes COPY manifests to. */
  manifestBucket?: string;
  /** Role chain for COPY, or the cluster's default role. */
  copyRoles: "default" | readonly string[];
}

export interface LoaderConfig {
  mode: "local" | "aws";
  project: string;
  region: string;
  streams: readonly string[];
  /** The events bucket (account A) the loader lists and reads. */
  source: S3Settings;
  warehouse: WarehouseSettings;
  load: LoadSettings;
  aws: AwsSettings;
}

/** Every setting the loader reads (definitions in @kr/contract). */
export const LOADER_SETTINGS = [
  ...MODE_SETTINGS,
  "KR_PROJECT",
  "KR_STREAMS",
  "AWS_REGION",
  "ACCOUNT_A_ID",
  "ACCOUNT_B_ID",
  "ACCOUNT_A_PROFILE",
  "ACCOUNT_B_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "S3_BUCKET",
  "RS_PORT",
  "RS_DATABASE",
  "RS_USER",
  "RS_PASSWORD",
  "RS_SCHEMA",
  "RS_SECRET_ARN",
  "RS_SSL",
  "LOAD_MAX_ERRORS",
  "LOAD_LOOKBACK_HOURS",
  "LOAD_MAX_RANGE_HOURS",
  "LOAD_BATCH_MAX_BYTES",
  "LOAD_BATCH_MAX_FILES",
  "LOAD_TIME_BUDGET_SECONDS",
  "LOAD_CHAIN_MAX",
  "LOAD_LIST_CONCURRENCY",
  "LOAD_STAGE_CONCURRENCY",
  "LOAD_DEDUPE_WINDOW_HOURS",
  "LOAD_STALE_SESSION_SECONDS",
  "LOAD_WORK_MEM_MB",
  "LOAD_STATEMENT_TIMEOUT_SECONDS",
  "LOAD_MANIFEST_BUCKET",
  "LOAD_COPY_ROLE_ARN",
  "LOAD_FUNCTION_NAME",
] as const satisfies readonly SettingName[];

type Values = SettingValues<(typeof LOADER_SETTINGS)[number]>;

/** Settings that were removed: a .env that still sets one gets told what replaced it. */
const REMOVED_SETTINGS: Readonly<Record<string, string>> = {
  LOAD_COPY_ROLE_ARNS:
    "COPY runs with one role, LOAD_COPY_ROLE_ARN (account B's COPY role, which account A's bucket policy trusts directly); role chaining was never wired in the stacks. Rename it, with a single ARN",
  LOAD_CHUNK_HOURS:
    "batches are now cut by bytes and files (LOAD_BATCH_MAX_BYTES, LOAD_BATCH_MAX_FILES) and a run stops at its time budget; remove it from .env",
};

/** The loader's rules that span settings; reported with the per-setting problems. */
function crossChecks(s: Values): string[] {
  const problems: string[] = [];
  if (resolveMode(s) === "aws") {
    if (!s.ACCOUNT_A_ID) {
      problems.push(
        "ACCOUNT_A_ID is required in aws mode: the events bucket is <KR_PROJECT>-events-<ACCOUNT_A_ID>",
      );
    }
    if (!s.LOAD_MANIFEST_BUCKET && !s.ACCOUNT_B_ID) {
      problems.push(
        "LOAD_MANIFEST_BUCKET (or ACCOUNT_B_ID) is required in aws mode: COPY manifests are written there",
      );
    }
  }
  if (s.RS_PORT === 0) problems.push("RS_PORT must be the warehouse's port (0 only lets local-up pick one)");
  if ((s.AWS_ACCESS_KEY_ID === undefined) !== (s.AWS_SECRET_ACCESS_KEY === undefined)) {
    problems.push("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  }
  if (s.LOAD_LOOKBACK_HOURS > s.LOAD_MAX_RANGE_HOURS) {
    problems.push(
      `LOAD_LOOKBACK_HOURS (${s.LOAD_LOOKBACK_HOURS}) must not exceed LOAD_MAX_RANGE_HOURS (${s.LOAD_MAX_RANGE_HOURS})`,
    );
  }
  return problems;
}

/**
 * Parses settings from an env-like record. Empty values count as unset. Throws ConfigError naming
 * every bad or missing setting. Local mode is the default unless something points at AWS.
 */
export function loadConfig(env: EnvRecord): LoaderConfig {
  const removed = Object.entries(REMOVED_SETTINGS)
    .filter(([name]) => env[name]?.trim())
    .map(([name, why]) => `${name} is no longer supported: ${why}`);
  let s: Values;
  try {
    s = readSettings(env, LOADER_SETTINGS, crossChecks);
  } catch (error) {
    if (error instanceof SettingsError) throw new ConfigError([...removed, ...error.problems]);
    throw error;
  }
  if (removed.length > 0) throw new ConfigError(removed);
  const mode = resolveMode(s);
  const project = s.KR_PROJECT;
  const local = mode === "local";
  // AWS names follow the stacks (@kr/contract names): the bucket in A, the manifests in B.
  const sourceBucket = !local && s.ACCOUNT_A_ID ? eventsBucketName(project, s.ACCOUNT_A_ID) : s.S3_BUCKET;
  const manifestBucket =
    s.LOAD_MANIFEST_BUCKET ?? (s.ACCOUNT_B_ID ? manifestBucketName(project, s.ACCOUNT_B_ID) : undefined);
  const keys =
    s.AWS_ACCESS_KEY_ID && s.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: s.AWS_ACCESS_KEY_ID, secretAccessKey: s.AWS_SECRET_ACCESS_KEY }
      : undefined;
  const source: S3Settings = local
    ? {
        bucket: sourceBucket,
        region: s.AWS_REGION,
        endpoint: s.S3_ENDPOINT ?? LOCAL_S3_ENDPOINT,
        forcePathStyle: true,
        credentials: keys ?? { ...LOCAL_S3_CREDENTIALS },
      }
    : {
        bucket: sourceBucket,
        region: s.AWS_REGION,
        ...(s.S3_ENDPOINT && { endpoint: s.S3_ENDPOINT }),
        forcePathStyle: false,
        ...(keys && { credentials: keys }),
        ...(s.ACCOUNT_A_PROFILE && { profile: s.ACCOUNT_A_PROFILE }),
      };
  const config: LoaderConfig = {
    mode,
    project,
    region: s.AWS_REGION,
    streams: [...s.KR_STREAMS],
    source,
    warehouse: {
      dialect: local ? "postgres" : "redshift",
      host: s.RS_HOST,
      port: s.RS_PORT,
      database: s.RS_DATABASE,
      user: s.RS_USER,
      ...(s.RS_PASSWORD !== undefined ? { password: s.RS_PASSWORD } : local ? { password: "" } : {}),
      ...(s.RS_SECRET_ARN && { secretArn: s.RS_SECRET_ARN }),
      schema: s.RS_SCHEMA,
      ssl: s.RS_SSL ?? !local,
      applicationName: loaderApplicationName(project),
    },
    load: {
      maxErrors: s.LOAD_MAX_ERRORS,
      lookbackHours: s.LOAD_LOOKBACK_HOURS,
      maxRangeHours: s.LOAD_MAX_RANGE_HOURS,
      batchMaxBytes: s.LOAD_BATCH_MAX_BYTES,
      batchMaxFiles: s.LOAD_BATCH_MAX_FILES,
      timeBudgetSeconds: s.LOAD_TIME_BUDGET_SECONDS,
      chainMax: s.LOAD_CHAIN_MAX,
      listConcurrency: s.LOAD_LIST_CONCURRENCY,
      stageConcurrency: s.LOAD_STAGE_CONCURRENCY,
      dedupeWindowHours: s.LOAD_DEDUPE_WINDOW_HOURS,
      staleSessionSeconds: s.LOAD_STALE_SESSION_SECONDS,
      workMemMb: s.LOAD_WORK_MEM_MB,
      statementTimeoutSeconds: s.LOAD_STATEMENT_TIMEOUT_SECONDS,
    },
    aws: {
      ...(s.ACCOUNT_A_ID && { accountA: s.ACCOUNT_A_ID }),
      ...(s.ACCOUNT_B_ID && { accountB: s.ACCOUNT_B_ID }),
      ...(s.ACCOUNT_A_PROFILE && { profileA: s.ACCOUNT_A_PROFILE }),
      ...(s.ACCOUNT_B_PROFILE && { profileB: s.ACCOUNT_B_PROFILE }),
      functionName: s.LOAD_FUNCTION_NAME ?? loaderFunctionName(project),
      ...(manifestBucket && { manifestBucket }),
      copyRoles: s.LOAD_COPY_ROLE_ARN ? [s.LOAD_COPY_ROLE_ARN] : "default",
    },
  };
  return deepFreeze(config);
}

/**
 * The process environment over ./.env (process.loadEnvFile never overrides variables already set),
 * then loadConfig. The CLI and the Lambda call this; everything else receives the config.
 */
export function loadConfigFromEnvironment(options: { envFile?: string | false } = {}): LoaderConfig {
  const file = options.envFile === false ? undefined : resolve(options.envFile ?? ".env");
  if (file && existsSync(file)) process.loadEnvFile(file);
  return loadConfig(process.env);
}
