// The loader's only reader of the environment. Parses an env-like record (./.env under the process
// environment), reports every bad setting at once, and returns a frozen, typed config.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Dialect, isIdentifier, MAX_TOLERATED_ERRORS, validateBucket } from "@kr/copy-builder";
import * as z from "zod/mini";
import { ConfigError } from "./errors";

export type EnvRecord = Readonly<Record<string, string | undefined>>;

/** What the local S3 server (s3rver) accepts; equal to @kr/local-aws LOCAL_S3_CREDENTIALS (a test pins it). */
export const LOCAL_S3_CREDENTIALS = Object.freeze({ accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
export const LOCAL_S3_ENDPOINT = "http://127.0.0.1:4569";

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
}

export interface LoadSettings {
  maxErrors: number;
  lookbackHours: number;
  maxRangeHours: number;
  chunkHours: number;
  listConcurrency: number;
  stageConcurrency: number;
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

// zod/mini: the same validation as zod with a fraction of the bytes in the Lambda bundle.
const pattern = (re: RegExp, error: string) => z.string().check(z.regex(re, { error, abort: true }));
const refined = (test: (value: string) => boolean, error: string) =>
  z.string().check(z.refine(test, { error, abort: true }));
const list = (value: string) => value.split(",").map((s) => s.trim());
const int = (min: number, max: number) =>
  z.pipe(
    pattern(/^\d+$/, `must be a whole number from ${min} to ${max}`).check(
      z.refine((v) => Number(v) >= min, { error: `must be at least ${min}`, abort: true }),
      z.refine((v) => Number(v) <= max, `must be at most ${max}`),
    ),
    z.transform(Number),
  );
const isBucket = (v: string) => {
  try {
    return Boolean(validateBucket(v));
  } catch {
    return false;
  }
};
const identifier = refined(
  isIdentifier,
  "must be a lowercase identifier (a-z, 0-9, _; at most 63 characters)",
);
const bucket = refined(isBucket, "must be an S3 bucket name (3-63 of a-z 0-9 . -)");
const region = pattern(
  /^[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/,
  "must be an AWS region like eu-west-1",
);
const account = pattern(/^\d{12}$/, "must be a 12-digit AWS account id");
const roleArn = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/[A-Za-z0-9+=.@_/-]{1,512}$/;
const bool = z.pipe(
  pattern(/^(true|false|1|0|yes|no)$/i, "must be true or false"),
  z.transform((v: string) => /^(true|1|yes)$/i.test(v)),
);
const text = z.optional(z.string());

const schema = z.object({
  KR_MODE: z.optional(z.enum(["local", "aws"], 'must be "local" or "aws"')),
  KR_PROJECT: z.optional(
    pattern(
      /^[a-z][a-z0-9-]{0,29}$/,
      "must be lowercase letters, digits and -, starting with a letter, at most 30",
    ),
  ),
  KR_STREAMS: z.optional(
    z.pipe(
      z.string().check(
        z.refine((v) => list(v).every((s) => isIdentifier(s) && s.length <= 40), {
          error: "must be comma-separated lowercase identifiers (at most 40 characters each)",
          abort: true,
        }),
        z.refine((v) => new Set(list(v)).size === list(v).length, "must not repeat a stream"),
      ),
      z.transform(list),
    ),
  ),
  AWS_REGION: z.optional(region),
  ACCOUNT_A_ID: z.optional(account),
  ACCOUNT_B_ID: z.optional(account),
  ACCOUNT_A_PROFILE: text,
  ACCOUNT_B_PROFILE: text,
  AWS_ACCESS_KEY_ID: text,
  AWS_SECRET_ACCESS_KEY: text,
  S3_BUCKET: z.optional(bucket),
  S3_ENDPOINT: z.optional(
    z.url({ protocol: /^https?$/, error: "must be an http(s) URL like http://127.0.0.1:4569" }),
  ),
  RS_HOST: z.optional(pattern(/^[A-Za-z0-9.-]+$/, "must be a host name or IP address")),
  RS_PORT: z.optional(int(1, 65535)),
  RS_DATABASE: z.optional(pattern(/^[A-Za-z_][A-Za-z0-9_$-]{0,126}$/, "must be a database name")),
  RS_USER: z.optional(pattern(/^[A-Za-z_][A-Za-z0-9_$.-]{0,126}$/, "must be a user name")),
  RS_PASSWORD: text,
  RS_SCHEMA: z.optional(identifier),
  RS_SECRET_ARN: z.optional(
    pattern(
      /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
      "must be a Secrets Manager secret ARN",
    ),
  ),
  RS_SSL: z.optional(bool),
  LOAD_MAX_ERRORS: z.optional(int(0, MAX_TOLERATED_ERRORS)),
  LOAD_LOOKBACK_HOURS: z.optional(int(1, 24 * 366)),
  LOAD_MAX_RANGE_HOURS: z.optional(int(1, 24 * 366 * 10)),
  LOAD_CHUNK_HOURS: z.optional(int(1, 24 * 31)),
  LOAD_LIST_CONCURRENCY: z.optional(int(1, 64)),
  LOAD_STAGE_CONCURRENCY: z.optional(int(1, 16)),
  LOAD_MANIFEST_BUCKET: z.optional(bucket),
  LOAD_COPY_ROLE_ARNS: z.optional(
    z.pipe(
      refined(
        (v) => list(v).every((arn) => roleArn.test(arn)),
        "must be comma-separated IAM role ARNs (first the cluster's role, then the roles it chains to)",
      ),
      z.transform(list),
    ),
  ),
  LOAD_FUNCTION_NAME: z.optional(pattern(/^[A-Za-z0-9_-]{1,64}$/, "must be a Lambda function name")),
});

const SECRET_KEYS = new Set(["RS_PASSWORD", "AWS_SECRET_ACCESS_KEY"]);

function isLoopback(host: string | undefined): boolean {
  return host === undefined || /^(localhost|127\.\d+\.\d+\.\d+|::1)$/.test(host);
}

/**
 * Parses settings from an env-like record. Empty values count as unset. Throws ConfigError naming
 * every bad or missing setting. Local mode is the default unless something points at AWS.
 */
export function loadConfig(env: EnvRecord): LoaderConfig {
  const known = Object.keys(schema.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key]?.trim();
    if (value) input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0]);
        const got = SECRET_KEYS.has(key) ? "" : ` (got ${JSON.stringify(input[key])})`;
        return `${key} ${issue.message}${got}`;
      }),
    );
  }
  const s = parsed.data;
  const problems: string[] = [];
  const mode = s.KR_MODE ?? (s.S3_ENDPOINT || isLoopback(s.RS_HOST) ? "local" : "aws");
  const project = s.KR_PROJECT ?? "kr";
  const awsRegion = s.AWS_REGION ?? "eu-west-1";
  const local = mode === "local";

  // AWS names follow the stacks: <project>-events-<account A> and <project>-manifests-<account B>.
  let sourceBucket = s.S3_BUCKET ?? "kr-events";
  if (!local) {
    if (s.ACCOUNT_A_ID) sourceBucket = `${project}-events-${s.ACCOUNT_A_ID}`;
    else
      problems.push(
        "ACCOUNT_A_ID is required in aws mode: the events bucket is <KR_PROJECT>-events-<ACCOUNT_A_ID>",
      );
  }
  const manifestBucket =
    s.LOAD_MANIFEST_BUCKET ?? (s.ACCOUNT_B_ID ? `${project}-manifests-${s.ACCOUNT_B_ID}` : undefined);
  if (!local && !manifestBucket) {
    problems.push(
      "LOAD_MANIFEST_BUCKET (or ACCOUNT_B_ID) is required in aws mode: COPY manifests are written there",
    );
  }
  if ((s.AWS_ACCESS_KEY_ID === undefined) !== (s.AWS_SECRET_ACCESS_KEY === undefined)) {
    problems.push("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  }
  const loadSettings: LoadSettings = {
    maxErrors: s.LOAD_MAX_ERRORS ?? 100,
    lookbackHours: s.LOAD_LOOKBACK_HOURS ?? 48,
    maxRangeHours: s.LOAD_MAX_RANGE_HOURS ?? 2160,
    chunkHours: s.LOAD_CHUNK_HOURS ?? 12,
    listConcurrency: s.LOAD_LIST_CONCURRENCY ?? 16,
    stageConcurrency: s.LOAD_STAGE_CONCURRENCY ?? 4,
  };
  if (loadSettings.lookbackHours > loadSettings.maxRangeHours) {
    problems.push(
      `LOAD_LOOKBACK_HOURS (${loadSettings.lookbackHours}) must not exceed LOAD_MAX_RANGE_HOURS (${loadSettings.maxRangeHours})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const keys =
    s.AWS_ACCESS_KEY_ID && s.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: s.AWS_ACCESS_KEY_ID, secretAccessKey: s.AWS_SECRET_ACCESS_KEY }
      : undefined;
  const source: S3Settings = local
    ? {
        bucket: sourceBucket,
        region: awsRegion,
        endpoint: s.S3_ENDPOINT ?? LOCAL_S3_ENDPOINT,
        forcePathStyle: true,
        credentials: keys ?? { ...LOCAL_S3_CREDENTIALS },
      }
    : {
        bucket: sourceBucket,
        region: awsRegion,
        ...(s.S3_ENDPOINT && { endpoint: s.S3_ENDPOINT }),
        forcePathStyle: false,
        ...(keys && { credentials: keys }),
        ...(s.ACCOUNT_A_PROFILE && { profile: s.ACCOUNT_A_PROFILE }),
      };
  const config: LoaderConfig = {
    mode,
    project,
    region: awsRegion,
    streams: s.KR_STREAMS ?? ["events", "utm"],
    source,
    warehouse: {
      dialect: local ? "postgres" : "redshift",
      host: s.RS_HOST ?? "127.0.0.1",
      port: s.RS_PORT ?? 5439,
      database: s.RS_DATABASE ?? "dev",
      user: s.RS_USER ?? "loader",
      ...(s.RS_PASSWORD !== undefined ? { password: s.RS_PASSWORD } : local ? { password: "" } : {}),
      ...(s.RS_SECRET_ARN && { secretArn: s.RS_SECRET_ARN }),
      schema: s.RS_SCHEMA ?? "public",
      ssl: s.RS_SSL ?? !local,
    },
    load: loadSettings,
    aws: {
      ...(s.ACCOUNT_A_ID && { accountA: s.ACCOUNT_A_ID }),
      ...(s.ACCOUNT_B_ID && { accountB: s.ACCOUNT_B_ID }),
      ...(s.ACCOUNT_A_PROFILE && { profileA: s.ACCOUNT_A_PROFILE }),
      ...(s.ACCOUNT_B_PROFILE && { profileB: s.ACCOUNT_B_PROFILE }),
      functionName: s.LOAD_FUNCTION_NAME ?? `${project}-loader`,
      ...(manifestBucket && { manifestBucket }),
      copyRoles: s.LOAD_COPY_ROLE_ARNS ?? "default",
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
