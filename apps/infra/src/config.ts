// The infra app's only reader of settings: the process environment over ./.env, build.tfvars, and
// defaults. Every setting is validated at once; a ConfigError names each bad one. The result is the
// frozen, typed InfraSettings both stacks are built from.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  deepFreeze,
  firehoseRoleName,
  readSettings,
  type SettingName,
  SettingsError,
  type SettingValues,
} from "@kr/contract";
import { type InfraSettings, nodeCountProblem } from "@kr/stacks";
import { z } from "zod";

export type EnvRecord = Readonly<Record<string, string | undefined>>;
export type TfvarsValue = string | number | boolean;

/** One or more settings are wrong: the contract's SettingsError (one line per problem, exit code 2). */
export { SettingsError as ConfigError };

const ConfigError = SettingsError;

/** Loader Lambda entry, relative to this file so synth works from any working directory. */
export const DEFAULT_LOADER_ENTRY = fileURLToPath(
  new URL("../../../packages/loader/src/lambda.ts", import.meta.url),
);

/** S3 refuses IA transitions before 30 days. */
const MIN_TRANSITION_DAYS: Record<string, number> = { STANDARD_IA: 30, ONEZONE_IA: 30 };
/** Names Redshift keeps for itself or SQL reserves. */
const RESERVED_USERS = new Set(["rdsdb", "public", "user", "admin_user", "postgres"]);
/** Placeholder account ids: synth works out of the box; deploys are refused by allowed_account_ids. */
const PLACEHOLDER_ACCOUNT_A = "111111111111";
const PLACEHOLDER_ACCOUNT_B = "222222222222";

/** Every setting the infra app reads from the environment (definitions in @kr/contract). */
const ENV_SETTINGS = [
  "KR_PROJECT",
  "KR_STREAMS",
  "AWS_REGION",
  "ACCOUNT_A_ID",
  "ACCOUNT_B_ID",
  "ACCOUNT_A_PROFILE",
  "ACCOUNT_B_PROFILE",
  "ACCOUNT_A_STATE_BUCKET",
  "ACCOUNT_B_STATE_BUCKET",
  "TF_STATE_KEY_PREFIX",
  "FIREHOSE_BUFFER_SIZE_MB",
  "FIREHOSE_BUFFER_INTERVAL_SECONDS",
  "FIREHOSE_SOURCE",
  "EVENTS_TRANSITION_DAYS",
  "EVENTS_TRANSITION_STORAGE_CLASS",
  "EVENTS_EXPIRATION_DAYS",
  "MANIFEST_EXPIRATION_DAYS",
  "LOG_RETENTION_DAYS",
  "VPC_ID",
  "SUBNET_IDS",
  "VPC_CIDR",
  "VPC_ENDPOINTS",
  "RS_DATABASE",
  "RS_SCHEMA",
  "RS_PORT",
  "LOAD_SCHEDULE",
  "LOAD_LOOKBACK_HOURS",
  "LOAD_MAX_ERRORS",
  "LOAD_BATCH_MAX_BYTES",
  "LOAD_BATCH_MAX_FILES",
  "LOAD_CHAIN_MAX",
  "LOAD_DEDUPE_WINDOW_HOURS",
  "LOADER_MEMORY_MB",
  "LOADER_TIMEOUT_SECONDS",
  "LOADER_RESERVED_CONCURRENCY",
  "ALARM_EMAIL",
  "ALARM_LAG_MINUTES",
  "ALARM_REJECTED_RECORDS",
  "ALARM_DURATION_PERCENT",
  "ALARM_FRESHNESS_MINUTES",
  "ALARM_RUNBOOK_URL",
] as const satisfies readonly SettingName[];
type Env = SettingValues<(typeof ENV_SETTINGS)[number]>;

/** The infra app's rules that span settings (or narrow one for AWS), reported with the others. */
function crossChecks(s: Env): string[] {
  const problems: string[] = [];
  const accountA = s.ACCOUNT_A_ID ?? PLACEHOLDER_ACCOUNT_A;
  const accountB = s.ACCOUNT_B_ID ?? PLACEHOLDER_ACCOUNT_B;
  if (accountA === accountB) {
    problems.push(
      `ACCOUNT_A_ID and ACCOUNT_B_ID must differ (both are ${accountA}): ingest and warehouse are separate accounts`,
    );
  }
  if ((s.VPC_ID === undefined) !== (s.SUBNET_IDS === undefined)) {
    problems.push(
      s.VPC_ID
        ? "SUBNET_IDS is required with VPC_ID (at least two private subnets)"
        : "VPC_ID is required with SUBNET_IDS",
    );
  }
  // Redshift clusters listen on 1150-65535 (CreateCluster Port).
  if (s.RS_PORT < 1150)
    problems.push(`RS_PORT must be at least 1150 for a Redshift cluster (got ${s.RS_PORT})`);
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
  // Alarms that would fire between healthy runs or deliveries.
  const interval = scheduleIntervalMinutes(s.LOAD_SCHEDULE);
  if (interval !== undefined && s.ALARM_LAG_MINUTES <= interval) {
    problems.push(
      `ALARM_LAG_MINUTES (${s.ALARM_LAG_MINUTES}) must be more than the LOAD_SCHEDULE interval (${interval} minutes): the loader would count as stopped between two runs`,
    );
  }
  if (
    s.ALARM_FRESHNESS_MINUTES !== undefined &&
    s.ALARM_FRESHNESS_MINUTES * 60 <= s.FIREHOSE_BUFFER_INTERVAL_SECONDS
  ) {
    problems.push(
      `ALARM_FRESHNESS_MINUTES (${s.ALARM_FRESHNESS_MINUTES}) must be more than FIREHOSE_BUFFER_INTERVAL_SECONDS (${s.FIREHOSE_BUFFER_INTERVAL_SECONDS} s): Firehose holds records that long by design`,
    );
  }
  for (const stream of s.KR_STREAMS) {
    // The longest derived name: the delivery stream's role (IAM: 64).
    const roleName = firehoseRoleName(s.KR_PROJECT, stream);
    if (roleName.length > 64) {
      problems.push(
        `KR_STREAMS: "${stream}" with KR_PROJECT "${s.KR_PROJECT}" makes ${roleName}, longer than 64 characters`,
      );
    }
  }
  return problems;
}

/** Minutes between runs of a `rate(N unit)` schedule; undefined for a cron expression. */
export function scheduleIntervalMinutes(schedule: string): number | undefined {
  const m = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(schedule);
  if (!m) return undefined;
  return Number(m[1]) * { minute: 1, hour: 60, day: 1440 }[m[2] as "minute" | "hour" | "day"];
}

/** Unset ALARM_FRESHNESS_MINUTES: Firehose's buffer interval plus this. */
const FRESHNESS_HEADROOM_MINUTES = 10;

/** Runbook the alarm descriptions link to when ALARM_RUNBOOK_URL is unset. */
export const DEFAULT_RUNBOOK = "docs/operations.md";

/** Terraform variables of account-b, from build.tfvars. */
const tfvarsSchema = z
  .object({
    master_username: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,126}$/, "must be lowercase letters, digits and _, starting with a letter")
      .refine((u) => !RESERVED_USERS.has(u), "is reserved"),
    // Any string here: the node type and count are checked together below, with the reason.
    node_type: z.string('must be a node type, e.g. "ra3.xlplus"'),
    number_of_nodes: z
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(128, "must be at most 128"),
    skip_final_snapshot: z.boolean("must be true or false"),
  })
  .superRefine((v, ctx) => {
    // A count that failed its own check above is reported once, there.
    if (!Number.isInteger(v.number_of_nodes) || v.number_of_nodes < 1 || v.number_of_nodes > 128) return;
    const problem = nodeCountProblem(v.node_type, v.number_of_nodes);
    if (problem)
      ctx.addIssue({ code: "custom", path: ["node_type"], message: `and number_of_nodes: ${problem}` });
  });

const TFVARS_DEFAULTS: z.input<typeof tfvarsSchema> = {
  master_username: "kr_admin",
  node_type: "ra3.xlplus",
  number_of_nodes: 2,
  skip_final_snapshot: false,
};

/** Setting names the infra app reads from the environment, and the variables it reads from build.tfvars. */
export const INFRA_ENV_SETTINGS: readonly string[] = ENV_SETTINGS;
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

  let envValues: Env | undefined;
  try {
    envValues = readSettings(env, ENV_SETTINGS, crossChecks);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    problems.push(...error.problems);
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
  if (!envValues || !parsedTfvars.success || problems.length > 0) throw new ConfigError(problems);
  const s = envValues;
  const v = parsedTfvars.data;
  const streams = [...s.KR_STREAMS];

  const settings: InfraSettings = {
    project: s.KR_PROJECT,
    region: s.AWS_REGION,
    streams,
    ingest: accountSettings(
      s.ACCOUNT_A_ID ?? PLACEHOLDER_ACCOUNT_A,
      s.ACCOUNT_A_PROFILE,
      s.ACCOUNT_A_STATE_BUCKET,
    ),
    warehouse: accountSettings(
      s.ACCOUNT_B_ID ?? PLACEHOLDER_ACCOUNT_B,
      s.ACCOUNT_B_PROFILE,
      s.ACCOUNT_B_STATE_BUCKET,
    ),
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
      subnetIds: s.SUBNET_IDS ? [...s.SUBNET_IDS] : [],
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
      batchMaxBytes: s.LOAD_BATCH_MAX_BYTES,
      batchMaxFiles: s.LOAD_BATCH_MAX_FILES,
      chainMax: s.LOAD_CHAIN_MAX,
      dedupeWindowHours: s.LOAD_DEDUPE_WINDOW_HOURS,
      memoryMb: s.LOADER_MEMORY_MB,
      timeoutSeconds: s.LOADER_TIMEOUT_SECONDS,
      reservedConcurrency: s.LOADER_RESERVED_CONCURRENCY,
    },
    manifestExpirationDays: s.MANIFEST_EXPIRATION_DAYS,
    logRetentionDays: s.LOG_RETENTION_DAYS,
    alarms: {
      emails: s.ALARM_EMAIL ? [...s.ALARM_EMAIL] : [],
      lagMinutes: s.ALARM_LAG_MINUTES,
      rejectedRecords: s.ALARM_REJECTED_RECORDS,
      durationPercent: s.ALARM_DURATION_PERCENT,
      freshnessMinutes:
        s.ALARM_FRESHNESS_MINUTES ??
        Math.ceil(s.FIREHOSE_BUFFER_INTERVAL_SECONDS / 60) + FRESHNESS_HEADROOM_MINUTES,
      runbookUrl: s.ALARM_RUNBOOK_URL ?? DEFAULT_RUNBOOK,
    },
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
