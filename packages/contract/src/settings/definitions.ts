// Every setting of the product, defined once. Packages read them with readSettings(env, names); the
// settings tables in README.md and docs/ are generated from here (`pnpm run docs`).
// Adding a setting: see packages/contract/README.md.
import { isIdentifier, validateBucket } from "../identifiers";
import { bool, int, intIn, list, number, oneOf, string, url } from "./readers";
import { setting } from "./setting";

const isBucket = (v: string) => {
  try {
    return Boolean(validateBucket(v));
  } catch {
    return false;
  }
};

/** Region names: eu-west-1, us-gov-west-1, us-isob-east-1, … (two-digit numbers included). */
export const REGION_PATTERN = /^[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/;
/**
 * KR_PROJECT prefixes bucket, cluster, role and stream names: 2-30 lowercase letters, digits and single
 * hyphens, starting with a letter and not ending with a hyphen (S3 and Redshift refuse the others).
 */
export const PROJECT_PATTERN = /^[a-z](?:[a-z0-9]|-(?!-)){0,28}[a-z0-9]$/;
/** A stream names a table, an S3 prefix and a delivery stream: a lowercase identifier starting with a letter. */
export const STREAM_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
const ACCOUNT = /^\d{12}$/;
/** What SNS accepts as an email endpoint, roughly: one @, no spaces, a dotted domain. */
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
const PROFILE = /^[A-Za-z0-9_.+@-]{1,64}$/;
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/[A-Za-z0-9+=.@_/-]{1,512}$/;
/**
 * Most bad records LOAD_MAX_ERRORS may tolerate: COPY fails at MAXERROR errors, so tolerating N takes
 * MAXERROR N + 1, and Redshift caps MAXERROR at 100000 (copy-builder's MAX_TOLERATED_ERRORS; a test pins it).
 */
const MAX_TOLERATED_ERRORS = 99_999;
/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_CHOICES = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const STORAGE_CLASSES = [
  "STANDARD_IA",
  "ONEZONE_IA",
  "INTELLIGENT_TIERING",
  "GLACIER_IR",
  "GLACIER",
  "DEEP_ARCHIVE",
] as const;

const account = (which: string) =>
  setting({
    reader: string({ pattern: ACCOUNT, message: "must be a 12-digit AWS account id" }),
    unset: which === "A" ? "synth: 111111111111 (placeholder)" : "synth: 222222222222 (placeholder)",
    description:
      which === "A"
        ? "Ingest account (events bucket, Firehose). AWS mode needs it; synth uses a placeholder that deploys refuse."
        : "Warehouse account (Redshift, loader). AWS mode derives the manifest bucket from it.",
    usedBy: ["loader", "infra", "doctor"],
    group: "accounts",
  });
const profile = (which: string) =>
  setting({
    reader: string({ pattern: PROFILE, message: "must be an AWS CLI profile name" }),
    unset: "the default credential chain",
    description: `AWS CLI profile of account ${which} (the stack's provider and the CLIs use it).`,
    usedBy: which === "A" ? ["loader", "generator", "infra", "doctor"] : ["loader", "infra", "doctor"],
    group: "accounts",
  });
const stateBucket = (which: string) =>
  setting({
    reader: string({ test: isBucket, message: "must be an S3 bucket name (3-63 of a-z 0-9 . -)" }),
    unset: "local state file",
    description: `S3 backend (with a lock file) for account ${which}'s Terraform state, in that account.`,
    usedBy: ["infra"],
    group: "accounts",
  });
const fraction = (description: string) =>
  setting({ reader: number(0, 1), default: "0", description, usedBy: ["local-aws"], group: "firehose" });

export const SETTINGS = {
  // --- mode ---
  KR_MODE: setting({
    reader: oneOf(["local", "aws"], 'must be "local" or "aws"'),
    unset: "local, unless RS_HOST is a remote host and S3_ENDPOINT is unset",
    description: "local: the stand-ins on this machine. aws: the deployed stacks.",
    usedBy: ["loader", "generator"],
    group: "mode",
  }),
  KR_PROJECT: setting({
    reader: string({
      pattern: PROJECT_PATTERN,
      message:
        "must be 2-30 lowercase letters, digits and single hyphens, starting with a letter (it prefixes bucket and cluster names)",
    }),
    default: "kr",
    description: "Name prefix of every resource (buckets, delivery streams, cluster, Lambda).",
    usedBy: ["loader", "generator", "local-aws", "infra", "doctor"],
    group: "mode",
  }),
  KR_STREAMS: setting({
    reader: list({
      item: (s) => STREAM_PATTERN.test(s),
      message:
        "must be comma-separated stream names (lowercase letters, digits and _, starting with a letter; at most 40 characters each)",
      repeated: "must not repeat a stream",
      accepts: "comma-separated stream names",
    }),
    default: "events,utm",
    description:
      "Streams; each has its own Firehose, S3 prefix `<stream>/` and table `<RS_SCHEMA>.<stream>`.",
    usedBy: ["loader", "generator", "local-aws", "infra", "doctor"],
    group: "mode",
  }),
  // --- accounts ---
  AWS_REGION: setting({
    reader: string({ pattern: REGION_PATTERN, message: "must be an AWS region like eu-west-1" }),
    default: "eu-west-1",
    description: "Region of both accounts' resources.",
    usedBy: ["loader", "generator", "infra", "doctor"],
    group: "accounts",
  }),
  ACCOUNT_A_ID: account("A"),
  ACCOUNT_B_ID: account("B"),
  ACCOUNT_A_PROFILE: profile("A"),
  ACCOUNT_B_PROFILE: profile("B"),
  AWS_ACCESS_KEY_ID: setting({
    reader: string(),
    unset: "the profile or role",
    description: "Explicit keys for S3 (set with AWS_SECRET_ACCESS_KEY; prefer profiles).",
    usedBy: ["loader"],
    group: "accounts",
  }),
  AWS_SECRET_ACCESS_KEY: setting({
    reader: string(),
    unset: "the profile or role",
    description: "Secret of AWS_ACCESS_KEY_ID.",
    usedBy: ["loader"],
    group: "accounts",
    secret: true,
  }),
  ACCOUNT_A_STATE_BUCKET: stateBucket("A"),
  ACCOUNT_B_STATE_BUCKET: stateBucket("B"),
  TF_STATE_KEY_PREFIX: setting({
    reader: string({
      pattern: /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/,
      message: "must be an S3 key prefix without leading or trailing /",
    }),
    unset: "KR_PROJECT",
    description: "Key prefix in the state buckets: `<prefix>/<stack>.tfstate`.",
    usedBy: ["infra"],
    group: "accounts",
  }),
  // --- s3 ---
  S3_BUCKET: setting({
    reader: string({ test: isBucket, message: "must be an S3 bucket name (3-63 of a-z 0-9 . -)" }),
    default: "kr-events",
    description: "Local events bucket. In AWS mode the bucket is `<KR_PROJECT>-events-<ACCOUNT_A_ID>`.",
    usedBy: ["loader", "local-aws"],
    group: "s3",
  }),
  S3_ENDPOINT: setting({
    reader: url(),
    unset: "local: http://127.0.0.1:4569; aws: AWS S3",
    description: "A local S3-compatible server; setting it means local mode.",
    usedBy: ["loader", "local-aws", "generator"],
    group: "s3",
  }),
  EVENTS_TRANSITION_DAYS: setting({
    reader: int(0, 36500),
    default: "30",
    description: "Days before event objects move to EVENTS_TRANSITION_STORAGE_CLASS (0 = never).",
    usedBy: ["infra"],
    group: "s3",
  }),
  EVENTS_TRANSITION_STORAGE_CLASS: setting({
    reader: oneOf(STORAGE_CLASSES, `must be one of ${STORAGE_CLASSES.join(", ")}`),
    default: "STANDARD_IA",
    description: "Storage class of the transition (IA classes need at least 30 days).",
    usedBy: ["infra"],
    group: "s3",
  }),
  EVENTS_EXPIRATION_DAYS: setting({
    reader: int(0, 36500),
    default: "0",
    description: "Days before event objects are deleted (0 keeps every hour re-importable).",
    usedBy: ["infra"],
    group: "s3",
  }),
  // --- firehose ---
  FIREHOSE_ENDPOINT: setting({
    reader: url("must be an http(s) URL like http://127.0.0.1:4573"),
    unset: "local: http://127.0.0.1:4573; aws: the regional endpoint",
    description: "The local Firehose.",
    usedBy: ["generator", "local-aws"],
    group: "firehose",
  }),
  FIREHOSE_BUFFER_SIZE_MB: setting({
    reader: int(1, 128),
    default: "64",
    description: "Firehose buffering hint: MiB per S3 object.",
    usedBy: ["local-aws", "infra", "bench"],
    group: "firehose",
  }),
  FIREHOSE_BUFFER_INTERVAL_SECONDS: setting({
    reader: int(0, 900),
    default: "300",
    description: "Firehose buffering hint: seconds before a buffer is written.",
    usedBy: ["local-aws", "infra", "bench"],
    group: "firehose",
  }),
  FIREHOSE_SOURCE: setting({
    reader: oneOf(["direct", "kinesis"], 'must be "direct" (PUT to Firehose) or "kinesis"'),
    default: "direct",
    description:
      "direct: producers PUT to Firehose. kinesis: an on-demand Kinesis stream per stream feeds it.",
    usedBy: ["infra"],
    group: "firehose",
  }),
  GENERATOR_RECORD_MAX_BYTES: setting({
    // Firehose bills each record as at least 5 KB; its record limit is 1,000 KiB.
    reader: int(1, 1_024_000),
    default: "5000",
    description:
      "Bytes of newline-terminated events the generator packs into one Firehose record (Firehose bills each record as at least 5 KB).",
    usedBy: ["generator"],
    group: "firehose",
  }),
  LOCAL_FIREHOSE_THROTTLE_RATE: fraction("Local Firehose: fraction of calls throttled."),
  LOCAL_FIREHOSE_PARTIAL_FAILURE_RATE: fraction("Local Firehose: fraction of records failed in a call."),
  LOCAL_FIREHOSE_DUPLICATE_RATE: fraction("Local Firehose: fraction of buffers delivered twice."),
  LOCAL_FIREHOSE_SEED: setting({
    reader: int(0, 2 ** 32 - 1),
    default: "1",
    description: "Local Firehose: seed of the injected faults.",
    usedBy: ["local-aws"],
    group: "firehose",
  }),
  // --- warehouse ---
  RS_HOST: setting({
    reader: string({ pattern: /^[A-Za-z0-9.-]+$/, message: "must be a host name or IP address" }),
    default: "127.0.0.1",
    description: "Warehouse host (the cluster endpoint in AWS mode).",
    usedBy: ["loader", "local-aws", "generator"],
    group: "warehouse",
  }),
  RS_PORT: setting({
    reader: int(0, 65535),
    default: "5439",
    description:
      "Warehouse port. 0: the local warehouse picks a free port (tests); the loader needs the real one, a Redshift cluster 1150-65535.",
    usedBy: ["loader", "local-aws", "infra"],
    group: "warehouse",
  }),
  RS_DATABASE: setting({
    reader: string({
      pattern: /^[a-z_][a-z0-9_$]{0,63}$/,
      message: "must be a lowercase database name (at most 64)",
    }),
    default: "dev",
    description: "Database of the stream tables.",
    usedBy: ["loader", "local-aws", "infra"],
    group: "warehouse",
  }),
  RS_USER: setting({
    reader: string({ pattern: /^[A-Za-z_][A-Za-z0-9_$.-]{0,126}$/, message: "must be a user name" }),
    default: "loader",
    description: "Warehouse user (AWS: taken from RS_SECRET_ARN's secret).",
    usedBy: ["loader", "local-aws"],
    group: "warehouse",
  }),
  RS_PASSWORD: setting({
    reader: string(),
    unset: "local: empty; aws: RS_SECRET_ARN",
    description: "Local only. In AWS the loader reads credentials from the cluster's secret.",
    usedBy: ["loader"],
    group: "warehouse",
    secret: true,
  }),
  RS_SCHEMA: setting({
    reader: string({
      test: isIdentifier,
      message: "must be a lowercase identifier (a-z, 0-9, _; at most 63 characters)",
    }),
    default: "public",
    description: "Schema of the stream tables.",
    usedBy: ["loader", "infra"],
    group: "warehouse",
  }),
  RS_SECRET_ARN: setting({
    reader: string({
      pattern: /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
      message: "must be a Secrets Manager secret ARN",
    }),
    unset: "RS_PASSWORD",
    description: "AWS: the cluster's managed master-password secret ({username, password}).",
    usedBy: ["loader"],
    group: "warehouse",
  }),
  RS_SSL: setting({
    reader: bool(),
    unset: "aws: true; local: false",
    description: "TLS to the warehouse.",
    usedBy: ["loader"],
    group: "warehouse",
  }),
  // --- loader ---
  LOAD_MAX_ERRORS: setting({
    reader: int(0, MAX_TOLERATED_ERRORS),
    default: "100",
    description:
      "Bad records tolerated per stream per batch (Redshift MAXERROR); above it the batch rolls back.",
    usedBy: ["loader", "infra"],
    group: "loader",
  }),
  LOAD_LOOKBACK_HOURS: setting({
    reader: int(1, 24 * 366),
    default: "48",
    description: "Scheduled runs load every not-yet-loaded file of the last N hours.",
    usedBy: ["loader", "infra"],
    group: "loader",
  }),
  LOAD_MAX_RANGE_HOURS: setting({
    reader: int(1, 24 * 366 * 10),
    default: "2160",
    description: "Longest accepted --from/--to range.",
    usedBy: ["loader"],
    group: "loader",
  }),
  LOAD_BATCH_MAX_BYTES: setting({
    reader: int(1024 * 1024, 64 * 1024 ** 3),
    // docs/capacity.md §6: 256 MiB of GZIP is ~3.6 min on 2 × ra3.xlplus, well under 10 min.
    default: "268435456",
    description:
      "GZIP bytes per batch: each stream's pending files load oldest first in batches (one COPY per stream per batch).",
    usedBy: ["loader", "infra"],
    group: "loader",
  }),
  LOAD_BATCH_MAX_FILES: setting({
    reader: int(1, 100_000),
    default: "512",
    description: "Files per batch; on Redshift rounded down to whole rounds of the cluster's slices.",
    usedBy: ["loader", "infra"],
    group: "loader",
  }),
  LOAD_TIME_BUDGET_SECONDS: setting({
    // Fractions allowed (e.g. 2.5): the bench gives its drain exactly a third of a batch's time.
    reader: number(0, 7 * 24 * 3600),
    default: "0",
    description:
      "Seconds a CLI run (local or --direct) may take: a batch starts only if its estimate fits; the rest is reported as pending. 0 = no budget. The Lambda uses its remaining time instead.",
    usedBy: ["loader"],
    group: "loader",
  }),
  LOAD_CHAIN_MAX: setting({
    reader: int(0, 100),
    default: "4",
    description:
      "AWS: times a scheduled Lambda run that ends with work pending re-invokes itself, per schedule tick (0 = never).",
    usedBy: ["loader", "infra"],
    group: "loader",
  }),
  LOAD_LIST_CONCURRENCY: setting({
    reader: int(1, 64),
    default: "16",
    description: "Hour prefixes listed at once per stream.",
    usedBy: ["loader"],
    group: "loader",
  }),
  LOAD_STAGE_CONCURRENCY: setting({
    reader: int(1, 16),
    default: "4",
    description: "S3 objects downloaded ahead while staging (PostgreSQL).",
    usedBy: ["loader"],
    group: "loader",
  }),
  LOAD_DEDUPE_WINDOW_HOURS: setting({
    reader: int(0, 24 * 7),
    default: "24",
    description:
      "Hours the merge's delete bound is widened on both sides of the staged occurred_at range: an event_id that comes back with another occurred_at within the window replaces its earlier row. 0 = the exact staged range.",
    usedBy: ["loader", "infra"],
    group: "loader",
  }),
  LOAD_STALE_SESSION_SECONDS: setting({
    reader: int(0, 7 * 24 * 3600),
    default: "960",
    description:
      "A run first terminates this project's loader sessions older than this (a Lambda killed at its timeout may leave one holding the lock); 960 = the Lambda's 900 s + 60; the deployed Lambda gets LOADER_TIMEOUT_SECONDS + 60. 0 = never.",
    usedBy: ["loader"],
    group: "loader",
  }),
  LOAD_WORK_MEM_MB: setting({
    reader: int(1, 4096),
    default: "128",
    description:
      "PostgreSQL: work_mem (MB) of the batch's transactions (SET LOCAL); Redshift sizes memory by WLM.",
    usedBy: ["loader"],
    group: "loader",
  }),
  LOAD_STATEMENT_TIMEOUT_SECONDS: setting({
    reader: int(0, 7 * 24 * 3600),
    default: "0",
    description:
      "statement_timeout of every batch statement when the run has no time budget (a budgeted run uses the time left). 0 = none.",
    usedBy: ["loader"],
    group: "loader",
  }),
  LOAD_MANIFEST_BUCKET: setting({
    reader: string({ test: isBucket, message: "must be an S3 bucket name (3-63 of a-z 0-9 . -)" }),
    unset: "<KR_PROJECT>-manifests-<ACCOUNT_B_ID>",
    description: "AWS: bucket for COPY manifests (account B).",
    usedBy: ["loader"],
    group: "loader",
  }),
  LOAD_COPY_ROLE_ARN: setting({
    reader: string({
      pattern: ROLE_ARN,
      message: "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
    }),
    unset: "IAM_ROLE default (the cluster's default role)",
    description:
      "AWS: the role COPY reads the events with, account B's COPY role (account A's bucket policy trusts it directly; no role chain).",
    usedBy: ["loader"],
    group: "loader",
  }),
  LOAD_FUNCTION_NAME: setting({
    reader: string({ pattern: /^[A-Za-z0-9_-]{1,64}$/, message: "must be a Lambda function name" }),
    unset: "<KR_PROJECT>-loader",
    description: "AWS: the loader Lambda the CLI invokes.",
    usedBy: ["loader", "doctor"],
    group: "loader",
  }),
  LOAD_SCHEDULE: setting({
    reader: string({
      pattern: /^(rate\((1 (minute|hour|day)|[1-9]\d* (minutes|hours|days))\)|cron\(\S+( \S+){5}\))$/,
      message: 'must be an EventBridge schedule like "rate(1 hour)" or "cron(5 * * * ? *)"',
    }),
    default: "rate(1 hour)",
    description: "AWS: EventBridge schedule of the loader Lambda.",
    usedBy: ["infra"],
    group: "loader",
  }),
  LOADER_MEMORY_MB: setting({
    reader: int(128, 10240),
    default: "512",
    description: "AWS: the loader Lambda's memory.",
    usedBy: ["infra"],
    group: "loader",
  }),
  LOADER_TIMEOUT_SECONDS: setting({
    reader: int(1, 900),
    default: "900",
    description: "AWS: the loader Lambda's timeout.",
    usedBy: ["infra"],
    group: "loader",
  }),
  LOADER_RESERVED_CONCURRENCY: setting({
    reader: int(1, 1000),
    default: "2",
    description: "AWS: the loader Lambda's reserved concurrency.",
    usedBy: ["infra"],
    group: "loader",
  }),
  MANIFEST_EXPIRATION_DAYS: setting({
    reader: int(1, 365),
    default: "7",
    description: "Days before COPY manifests in the manifest bucket are deleted.",
    usedBy: ["infra"],
    group: "loader",
  }),
  // --- infra ---
  VPC_ID: setting({
    reader: string({
      pattern: /^vpc-[0-9a-f]{8,17}$/,
      message: "must be a VPC id like vpc-0123456789abcdef0",
    }),
    unset: "a new private VPC",
    description: "Account B network: an existing VPC (set SUBNET_IDS with it).",
    usedBy: ["infra"],
    group: "infra",
  }),
  SUBNET_IDS: setting({
    reader: list({
      item: (s) => /^subnet-[0-9a-f]{8,17}$/.test(s),
      message: "must be a comma-separated list of subnet ids",
      min: 2,
      tooFew: "must list at least two subnets (two AZs)",
      accepts: "comma-separated subnet ids (two AZs)",
    }),
    unset: "new subnets",
    description: "At least two private subnets in different AZs.",
    usedBy: ["infra"],
    group: "infra",
  }),
  VPC_CIDR: setting({
    reader: string({
      pattern: /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)\/(1[6-9]|2[0-4])$/,
      message: "must be an IPv4 CIDR from /16 to /24",
    }),
    default: "10.42.0.0/16",
    description: "CIDR of the new VPC.",
    usedBy: ["infra"],
    group: "infra",
  }),
  VPC_ENDPOINTS: setting({
    reader: bool(),
    default: "true",
    description: "Create the VPC endpoints the loader needs (S3 gateway, Secrets Manager interface).",
    usedBy: ["infra"],
    group: "infra",
  }),
  LOG_RETENTION_DAYS: setting({
    reader: intIn(
      LOG_RETENTION_CHOICES,
      `must be a CloudWatch retention: ${LOG_RETENTION_CHOICES.join(", ")}`,
      "a CloudWatch retention (1, 3, 5, 7, 14, 30, …)",
    ),
    default: "30",
    description: "Retention of every log group the stacks create.",
    usedBy: ["infra"],
    group: "infra",
  }),
  // --- alarms ---
  ALARM_EMAIL: setting({
    reader: list({
      item: (s) => EMAIL.test(s),
      message: "must be a comma-separated list of email addresses",
      accepts: "comma-separated email addresses",
    }),
    unset: "no subscription (subscribe to the topics yourself)",
    description:
      "Email addresses subscribed to each account's alarm topic (each confirms the subscription once).",
    usedBy: ["infra"],
    group: "alarms",
  }),
  ALARM_LAG_MINUTES: setting({
    // CloudWatch evaluates an alarm over at most 7 days (Period × EvaluationPeriods ≤ 604,800 s).
    reader: int(15, 10080),
    default: "180",
    description:
      "Account B: alarm when a stream's load lag exceeds this, or the loader has not run for this long (more than the LOAD_SCHEDULE interval).",
    usedBy: ["infra"],
    group: "alarms",
  }),
  ALARM_REJECTED_RECORDS: setting({
    reader: int(1, 1_000_000),
    default: "1",
    description: "Account B: alarm when a stream rejects at least this many records in an hour.",
    usedBy: ["infra"],
    group: "alarms",
  }),
  ALARM_DURATION_PERCENT: setting({
    reader: int(50, 99),
    default: "95",
    description:
      "Account B: alarm when a loader run takes this share of LOADER_TIMEOUT_SECONDS (its budget stops at most 60 s short).",
    usedBy: ["infra"],
    group: "alarms",
  }),
  ALARM_FRESHNESS_MINUTES: setting({
    reader: int(2, 1440),
    unset: "FIREHOSE_BUFFER_INTERVAL_SECONDS + 10 minutes (15 with the default 300 s)",
    description:
      "Account A: alarm when Firehose's oldest undelivered record is older than this (more than FIREHOSE_BUFFER_INTERVAL_SECONDS).",
    usedBy: ["infra"],
    group: "alarms",
  }),
  ALARM_RUNBOOK_URL: setting({
    reader: url(
      "must be an http(s) URL like https://github.com/acme/kinesis-redshift/blob/main/docs/operations.md",
    ),
    unset: "docs/operations.md (the repository path)",
    description: "Runbook the alarm descriptions link to (section anchors are appended).",
    usedBy: ["infra"],
    group: "alarms",
  }),
  // --- bench ---
  PG_URL: setting({
    reader: string({
      pattern: /^postgres(ql)?:\/\//,
      message: "must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/postgres",
    }),
    unset: "PGlite (embedded)",
    description: "A PostgreSQL server the bench (and PG tests) measure against.",
    usedBy: ["bench"],
    group: "bench",
  }),
} as const;

export type Settings = typeof SETTINGS;
export type SettingName = keyof Settings;
