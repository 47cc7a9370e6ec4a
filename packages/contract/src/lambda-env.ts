// The stack → Lambda contract: account B's stack builds the loader Lambda's environment with this
// function, so every variable is a setting the loader's config reads, spelled as it reads it.
// Values may be Terraform tokens (e.g. the cluster's host); a test synthesizes the stack, substitutes
// them and feeds the result to the loader's reader.
import type { SettingName } from "./settings/definitions";

export interface LoaderLambdaInputs {
  readonly project: string;
  readonly streams: readonly string[];
  /** Ingest account: the loader derives the events bucket name from it. */
  readonly accountA: string;
  readonly accountB: string;
  readonly manifestBucket: string;
  /** The role COPY runs with: account B's COPY role (A's bucket policy trusts it directly). */
  readonly copyRoleArn: string;
  readonly lookbackHours: number;
  readonly maxErrors: number;
  readonly batchMaxBytes: number;
  readonly batchMaxFiles: number;
  readonly chainMax: number;
  readonly dedupeWindowHours: number;
  /** The function's timeout: a loader session older than it (plus a margin) is an orphan. */
  readonly timeoutSeconds: number;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly schema: string;
  /** The cluster's managed master-password secret; no password ever goes into the environment. */
  readonly secretArn: string;
}

type LoaderLambdaSetting =
  | "KR_MODE"
  | "KR_PROJECT"
  | "KR_STREAMS"
  | "ACCOUNT_A_ID"
  | "ACCOUNT_B_ID"
  | "LOAD_MANIFEST_BUCKET"
  | "LOAD_COPY_ROLE_ARN"
  | "LOAD_LOOKBACK_HOURS"
  | "LOAD_MAX_ERRORS"
  | "LOAD_BATCH_MAX_BYTES"
  | "LOAD_BATCH_MAX_FILES"
  | "LOAD_CHAIN_MAX"
  | "LOAD_DEDUPE_WINDOW_HOURS"
  | "LOAD_STALE_SESSION_SECONDS"
  | "RS_HOST"
  | "RS_PORT"
  | "RS_DATABASE"
  | "RS_USER"
  | "RS_SCHEMA"
  | "RS_SECRET_ARN";

/**
 * No healthy run outlives the function's timeout, so a loader session older than it plus this margin
 * was left by a killed invocation (LOAD_STALE_SESSION_SECONDS; 900 s → the setting's default 960).
 */
export const STALE_SESSION_MARGIN_SECONDS = 60;

export function staleSessionSeconds(timeoutSeconds: number): number {
  return timeoutSeconds + STALE_SESSION_MARGIN_SECONDS;
}

/** The loader Lambda's environment, keyed by setting name (type-checked against the definitions). */
export function loaderLambdaEnvironment(
  i: LoaderLambdaInputs,
): Record<LoaderLambdaSetting & SettingName, string> {
  return {
    KR_MODE: "aws",
    KR_PROJECT: i.project,
    KR_STREAMS: i.streams.join(","),
    ACCOUNT_A_ID: i.accountA,
    ACCOUNT_B_ID: i.accountB,
    LOAD_MANIFEST_BUCKET: i.manifestBucket,
    LOAD_COPY_ROLE_ARN: i.copyRoleArn,
    LOAD_LOOKBACK_HOURS: String(i.lookbackHours),
    LOAD_MAX_ERRORS: String(i.maxErrors),
    LOAD_BATCH_MAX_BYTES: String(i.batchMaxBytes),
    LOAD_BATCH_MAX_FILES: String(i.batchMaxFiles),
    LOAD_CHAIN_MAX: String(i.chainMax),
    LOAD_DEDUPE_WINDOW_HOURS: String(i.dedupeWindowHours),
    LOAD_STALE_SESSION_SECONDS: String(staleSessionSeconds(i.timeoutSeconds)),
    RS_HOST: i.host,
    RS_PORT: String(i.port),
    RS_DATABASE: i.database,
    RS_USER: i.user,
    RS_SCHEMA: i.schema,
    RS_SECRET_ARN: i.secretArn,
  };
}
