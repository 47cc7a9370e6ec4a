// The infra app's only reader of settings: the process environment over ./.env, build.tfvars, and
// defaults. Every setting is validated at once; a ConfigError names each bad one. The result is the
// frozen, typed InfraSettings both stacks are built from.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { InfraSettings } from "@kr/stacks";
import { z } from "zod";

export type EnvRecord = Readonly<Record<string, string | undefined>>;
export type TfvarsValue = string | number | boolean;

/** One or more settings are wrong; `problems` has one line per setting. Exit code 2. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly exitCode = 2;
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      problems.length === 1
        ? (problems[0] ?? "")
        : `${problems.length} settings are wrong:\n  ${problems.join("\n  ")}`,
    );
    this.problems = problems;
  }
}

/** Loader Lambda entry, relative to this file so synth works from any working directory. */
export const DEFAULT_LOADER_ENTRY = fileURLToPath(
  new URL("../../../packages/loader/src/lambda.ts", import.meta.url),
);

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
const STORAGE_CLASSES = [
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER_IR",
  "GLACIER",
  "DEEP_ARCHIVE",
];
/** S3 refuses IA transitions before 30 days. */
const MIN_TRANSITION_DAYS: Record<string, number> = { STANDARD_IA: 30, ONEZONE_IA: 30 };
const NODE_TYPES = ["ra3.large", "ra3.xlplus", "ra3.4xlarge", "ra3.16xlarge", "dc2.large", "dc2.8xlarge"];
/** Names Redshift keeps for itself or SQL reserves. */
const RESERVED_USERS = new Set(["rdsdb", "public", "user", "admin_user", "postgres"]);

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const bool = z
  .string()
  .regex(/^(true|false|1|0|yes|no)$/i, "must be true or false")
  .transform((v) => /^(true|1|yes)$/i.test(v));
const list = (item: RegExp, what: string) =>
  z
    .string()
    .transform((v) => v.split(",").map((s) => s.trim()))
    .refine((l) => l.every((s) => item.test(s)), `must be a comma-separated list of ${what}`)
    .refine((l) => new Set(l).size === l.length, "must not repeat an entry");
const account = z.string().regex(/^\d{12}$/, "must be a 12-digit AWS account id");
const profile = z.string().regex(/^[A-Za-z0-9_.+@-]{1,64}$/, "must be an AWS CLI profile name");
const bucket = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 of a-z 0-9 . -)");

const envSchema = z.object({
  KR_PROJECT: z
    .string()
    .regex(
      /^[a-z](?:[a-z0-9]|-(?!-)){0,28}[a-z0-9]$/,
      "must be 2-30 lowercase letters, digits and single hyphens, starting with a letter (it prefixes bucket and cluster names)",
    ),
  KR_STREAMS: list(/^[a-z][a-z0-9_]{0,39}$/, "stream names (lowercase letters, digits, _; at most 40)"),
  AWS_REGION: z
    .string()
    .regex(/^[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/, "must be an AWS region like eu-west-1"),
  ACCOUNT_A_ID: account,
  ACCOUNT_B_ID: account,
  ACCOUNT_A_PROFILE: profile,
  ACCOUNT_B_PROFILE: profile,
  ACCOUNT_A_STATE_BUCKET: bucket,
  ACCOUNT_B_STATE_BUCKET: bucket,
  TF_STATE_KEY_PREFIX: z
    .string()
    .regex(
      /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/,
      "must be an S3 key prefix without leading or trailing /",
    ),
  FIREHOSE_BUFFER_SIZE_MB: int(1, 128),
  FIREHOSE_BUFFER_INTERVAL_SECONDS: int(0, 900),
  FIREHOSE_SOURCE: z.enum(["direct", "kinesis"], 'must be "direct" (PUT to Firehose) or "kinesis"'),
  EVENTS_TRANSITION_DAYS: int(0, 36500),
  EVENTS_TRANSITION_STORAGE_CLASS: z.enum(STORAGE_CLASSES, `must be one of ${STORAGE_CLASSES.join(", ")}`),
  EVENTS_EXPIRATION_DAYS: int(0, 36500),
  MANIFEST_EXPIRATION_DAYS: int(1, 365),
  LOG_RETENTION_DAYS: int(1, 3653).refine(
    (d) => LOG_RETENTION_DAYS.includes(d),
    `must be a CloudWatch retention: ${LOG_RETENTION_DAYS.join(", ")}`,
  ),
  VPC_ID: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, "must be a VPC id like vpc-0123456789abcdef0"),
  SUBNET_IDS: list(/^subnet-[0-9a-f]{8,17}$/, "subnet ids").refine(
    (l) => l.length >= 2,
    "must list at least two subnets (two AZs)",
  ),
  VPC_CIDR: z
    .string()
    .regex(
      /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(1[6-9]|2[0-4])$/,
      "must be an IPv4 CIDR from /16 to /24",
    ),
  VPC_ENDPOINTS: bool,
  RS_DATABASE: z.string().regex(/^[a-z_][a-z0-9_$]{0,63}$/, "must be a lowercase database name (at most 64)"),
  RS_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lowercase identifier"),
  RS_PORT: int(1150, 65535),
  LOAD_SCHEDULE: z
    .string()
    .regex(
      /^(rate\((1 (minute|hour|day)|[1-9]\d* (minutes|hours|days))\)|cron\(\S+( \S+){5}\))$/,
      'must be an EventBridge schedule like "rate(1 hour)" or "cron(5 * * * ? *)"',
    ),
  LOAD_LOOKBACK_HOURS: int(1, 24 * 366),
  // Tolerating N bad records takes MAXERROR N + 1, and Redshift caps MAXERROR at 100000.
  LOAD_MAX_ERRORS: int(0, 99_999),
  LOADER_MEMORY_MB: int(128, 10240),
  LOADER_TIMEOUT_SECONDS: int(1, 900),
  LOADER_RESERVED_CONCURRENCY: int(1, 1000),
});

/** Terraform variables of account-b, from build.tfvars. */
const tfvarsSchema = z.object({
  master_username: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,126}$/, "must be lowercase letters, digits and _, starting with a letter")
    .refine((u) => !RESERVED_USERS.has(u), "is reserved"),
  node_type: z.enum(NODE_TYPES, `must be one of ${NODE_TYPES.join(", ")}`),
  number_of_nodes: z
    .number()
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(128, "must be at most 128"),
  skip_final_snapshot: z.boolean("must be true or false"),
});

type Env = z.output<typeof envSchema>;
/** Settings without a default: unset means "not used" (no profile, local state, a new VPC). */
type OptionalSetting =
  | "ACCOUNT_A_PROFILE"
  | "ACCOUNT_B_PROFILE"
  | "ACCOUNT_A_STATE_BUCKET"
  | "ACCOUNT_B_STATE_BUCKET"
  | "TF_STATE_KEY_PREFIX"
  | "VPC_ID"
  | "SUBNET_IDS";

const ENV_DEFAULTS: Record<Exclude<keyof Env, OptionalSetting>, string> = {
  KR_PROJECT: "kr",
  KR_STREAMS: "events,utm",
  AWS_REGION: "eu-west-1",
  // Placeholders: synth works out of the box; deploys are refused by allowed_account_ids until set.
  ACCOUNT_A_ID: "111111111111",
  ACCOUNT_B_ID: "222222222222",
  FIREHOSE_BUFFER_SIZE_MB: "64",
  FIREHOSE_BUFFER_INTERVAL_SECONDS: "300",
  FIREHOSE_SOURCE: "direct",
  EVENTS_TRANSITION_DAYS: "30",
  EVENTS_TRANSITION_STORAGE_CLASS: "STANDARD_IA",
  EVENTS_EXPIRATION_DAYS: "0",
  MANIFEST_EXPIRATION_DAYS: "7",
  LOG_RETENTION_DAYS: "30",
  VPC_CIDR: "10.42.0.0/16",
  VPC_ENDPOINTS: "true",
  RS_DATABASE: "dev",
  RS_SCHEMA: "public",
  RS_PORT: "5439",
  LOAD_SCHEDULE: "rate(1 hour)",
  LOAD_LOOKBACK_HOURS: "48",
  LOAD_MAX_ERRORS: "100",
  LOADER_MEMORY_MB: "512",
  LOADER_TIMEOUT_SECONDS: "900",
  LOADER_RESERVED_CONCURRENCY: "2",
};

const TFVARS_DEFAULTS: z.input<typeof tfvarsSchema> = {
  master_username: "kr_admin",
  node_type: "ra3.xlplus",
  number_of_nodes: 2,
  skip_final_snapshot: false,
};

/** Setting names the infra app reads from the environment, and the variables it reads from build.tfvars. */
export const INFRA_ENV_SETTINGS = Object.keys(envSchema.shape);
export const INFRA_TFVARS = Object.keys(TFVARS_DEFAULTS);

export interface ParseOptions {
  /** Directory of the local state files. Default the working directory. */
  readonly stateDir?: string;
  readonly loaderEntry?: string;
  /** Name of the tfvars file in messages. */
  readonly tfvarsName?: string;
}

/**
 * Validates settings from an env-like record (empty values count as unset) and parsed build.tfvars.
 * Throws ConfigError naming every bad setting.
 */
export function parseInfraConfig(
  env: EnvRecord,
  tfvars: Readonly<Record<string, TfvarsValue>> = {},
  options: ParseOptions = {},
): InfraSettings {
  const tfvarsName = options.tfvarsName ?? "build.tfvars";
  const problems: string[] = [];

  const envInput: Record<string, string> = {};
  for (const key of INFRA_ENV_SETTINGS) {
    const value = env[key]?.trim() || (ENV_DEFAULTS as Record<string, string | undefined>)[key];
    if (value) envInput[key] = value;
  }
  const parsedEnv = envSchema.partial().safeParse(envInput);
  if (!parsedEnv.success) {
    for (const issue of parsedEnv.error.issues) {
      const key = String(issue.path[0]);
      problems.push(`${key} ${issue.message} (got ${JSON.stringify(envInput[key])})`);
    }
  }

  for (const key of Object.keys(tfvars)) {
    if (!INFRA_TFVARS.includes(key)) {
      problems.push(
        `${tfvarsName}: ${key} is not a variable of the stacks (known: ${INFRA_TFVARS.join(", ")})`,
      );
    }
  }
  const tfvarsInput = { ...TFVARS_DEFAULTS, ...pick(tfvars, INFRA_TFVARS) };
  const parsedTfvars = tfvarsSchema.safeParse(tfvarsInput);
  if (!parsedTfvars.success) {
    for (const issue of parsedTfvars.error.issues) {
      const key = String(issue.path[0]);
      problems.push(
        `${tfvarsName}: ${key} ${issue.message} (got ${JSON.stringify((tfvarsInput as Record<string, unknown>)[key])})`,
      );
    }
  }
  if (!parsedEnv.success || !parsedTfvars.success) throw new ConfigError(problems);

  // Every setting with a default is present; the others may be unset.
  const s = parsedEnv.data as Omit<Env, OptionalSetting> & Partial<Pick<Env, OptionalSetting>>;
  const v = parsedTfvars.data;
  const streams = s.KR_STREAMS;

  // Rules that span settings.
  if (s.ACCOUNT_A_ID === s.ACCOUNT_B_ID) {
    problems.push(
      `ACCOUNT_A_ID and ACCOUNT_B_ID must differ (both are ${s.ACCOUNT_A_ID}): ingest and warehouse are separate accounts`,
    );
  }
  if ((s.VPC_ID === undefined) !== (s.SUBNET_IDS === undefined)) {
    problems.push(
      s.VPC_ID
        ? "SUBNET_IDS is required with VPC_ID (at least two private subnets)"
        : "VPC_ID is required with SUBNET_IDS",
    );
  }
  const minTransition = MIN_TRANSITION_DAYS[s.EVENTS_TRANSITION_STORAGE_CLASS] ?? 0;
  if (s.EVENTS_TRANSITION_DAYS > 0 && s.EVENTS_TRANSITION_DAYS < minTransition) {
    problems.push(
      `EVENTS_TRANSITION_DAYS must be at least ${minTransition} for ${s.EVENTS_TRANSITION_STORAGE_CLASS} (got ${s.EVENTS_TRANSITION_DAYS})`,
    );
  }
  if (s.EVENTS_EXPIRATION_DAYS > 0 && s.EVENTS_EXPIRATION_DAYS <= s.EVENTS_TRANSITION_DAYS) {
    problems.push(
      `EVENTS_EXPIRATION_DAYS (${s.EVENTS_EXPIRATION_DAYS}) must be 0 (never) or more than EVENTS_TRANSITION_DAYS (${s.EVENTS_TRANSITION_DAYS})`,
    );
  }
  for (const stream of streams) {
    // The longest derived name: the delivery stream's role, <project>-<stream>-firehose (IAM: 64).
    const roleName = `${s.KR_PROJECT}-${stream}-firehose`;
    if (roleName.length > 64) {
      problems.push(
        `KR_STREAMS: "${stream}" with KR_PROJECT "${s.KR_PROJECT}" makes ${roleName}, longer than 64 characters`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const settings: InfraSettings = {
    project: s.KR_PROJECT,
    region: s.AWS_REGION,
    streams,
    ingest: accountSettings(s.ACCOUNT_A_ID, s.ACCOUNT_A_PROFILE, s.ACCOUNT_A_STATE_BUCKET),
    warehouse: accountSettings(s.ACCOUNT_B_ID, s.ACCOUNT_B_PROFILE, s.ACCOUNT_B_STATE_BUCKET),
    firehose: {
      bufferSizeMb: s.FIREHOSE_BUFFER_SIZE_MB,
      bufferIntervalSeconds: s.FIREHOSE_BUFFER_INTERVAL_SECONDS,
      kinesisSource: s.FIREHOSE_SOURCE === "kinesis",
    },
    eventsLifecycle: {
      transitionDays: s.EVENTS_TRANSITION_DAYS,
      transitionStorageClass: s.EVENTS_TRANSITION_STORAGE_CLASS,
      expirationDays: s.EVENTS_EXPIRATION_DAYS,
    },
    network: {
      ...(s.VPC_ID ? { vpcId: s.VPC_ID } : {}),
      subnetIds: s.SUBNET_IDS ?? [],
      vpcCidr: s.VPC_CIDR,
      createEndpoints: s.VPC_ENDPOINTS,
    },
    cluster: {
      masterUsername: v.master_username,
      nodeType: v.node_type,
      numberOfNodes: v.number_of_nodes,
      skipFinalSnapshot: v.skip_final_snapshot,
      databaseName: s.RS_DATABASE,
      port: s.RS_PORT,
    },
    loader: {
      entry: options.loaderEntry ?? DEFAULT_LOADER_ENTRY,
      schema: s.RS_SCHEMA,
      schedule: s.LOAD_SCHEDULE,
      lookbackHours: s.LOAD_LOOKBACK_HOURS,
      maxErrors: s.LOAD_MAX_ERRORS,
      memoryMb: s.LOADER_MEMORY_MB,
      timeoutSeconds: s.LOADER_TIMEOUT_SECONDS,
      reservedConcurrency: s.LOADER_RESERVED_CONCURRENCY,
    },
    manifestExpirationDays: s.MANIFEST_EXPIRATION_DAYS,
    logRetentionDays: s.LOG_RETENTION_DAYS,
    state: { localDir: resolve(options.stateDir ?? "."), keyPrefix: s.TF_STATE_KEY_PREFIX ?? s.KR_PROJECT },
  };
  return deepFreeze(settings);
}

function accountSettings(id: string, profile?: string, stateBucket?: string) {
  return { id, ...(profile ? { profile } : {}), ...(stateBucket ? { stateBucket } : {}) };
}

/**
 * Parses the simple HCL subset build.tfvars uses: `name = "string" | number | true | false`, one per
 * line, with `#` and `//` comments. Anything else is reported with its line number.
 */
export function parseTfvars(text: string, name = "build.tfvars"): Record<string, TfvarsValue> {
  const values: Record<string, TfvarsValue> = {};
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = stripComment(raw).trim();
    if (line === "") return;
    const m = /^([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*(.+)$/.exec(line);
    const value = m?.[2] ? parseValue(m[2].trim()) : undefined;
    if (!m?.[1] || value === undefined) {
      problems.push(
        `${name}:${index + 1}: expected name = "string" | number | true | false, got ${JSON.stringify(raw.trim())}`,
      );
      return;
    }
    if (m[1] in values) problems.push(`${name}:${index + 1}: ${m[1]} is set twice`);
    values[m[1]] = value;
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

function parseValue(text: string): TfvarsValue | undefined {
  if (text === "true" || text === "false") return text === "true";
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const m = /^"((?:[^"\\$]|\\["\\nt])*)"$/.exec(text);
  if (!m) return undefined; // interpolation, lists, maps: not part of the subset
  return (m[1] ?? "").replace(/\\(["\\nt])/g, (_, c: string) => ({ n: "\n", t: "\t" })[c] ?? c);
}

/** Drops a trailing `#` or `//` comment that is not inside a string. */
function stripComment(line: string): string {
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "\\" && inString) i++;
    else if (c === '"') inString = !inString;
    else if (!inString && (c === "#" || (c === "/" && line[i + 1] === "/"))) return line.slice(0, i);
  }
  return line;
}

export interface LoadOptions extends ParseOptions {
  /** Working directory holding .env and build.tfvars. Default process.cwd(). */
  readonly cwd?: string;
  /** Default `<cwd>/.env`; false = do not read one. */
  readonly envFile?: string | false;
  /** Default `<cwd>/build.tfvars`; false = do not read one. */
  readonly tfvarsFile?: string | false;
}

/**
 * The process environment over ./.env (process.loadEnvFile never overrides variables already set),
 * build.tfvars when present, then parseInfraConfig. Only the infra app's entry calls this.
 */
export function loadInfraConfig(options: LoadOptions = {}): InfraSettings {
  const cwd = resolve(options.cwd ?? process.cwd());
  const envFile = options.envFile === false ? undefined : resolve(cwd, options.envFile ?? ".env");
  if (envFile && existsSync(envFile)) process.loadEnvFile(envFile);
  const tfvarsFile =
    options.tfvarsFile === false ? undefined : resolve(cwd, options.tfvarsFile ?? "build.tfvars");
  const tfvars =
    tfvarsFile && existsSync(tfvarsFile) ? parseTfvars(readFileSync(tfvarsFile, "utf8"), tfvarsFile) : {};
  return parseInfraConfig(process.env, tfvars, { stateDir: cwd, ...options });
}

function pick<T>(record: Readonly<Record<string, T>>, keys: readonly string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => keys.includes(k)));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
