// The doctor's checks: each a name, what it needs first, and a run that turns facts from the accounts
// into PASS / FAIL / SKIP with the fix. Pure: the facts come through a DoctorPort (./aws.ts talks to
// AWS; tests pass their own), so every decision here is tested without an account.
import type { PingReport } from "@kr/loader";
import type { AccountConfig, DoctorConfig } from "./config";

export type Status = "pass" | "fail" | "skip";

export interface Outcome {
  status: Status;
  /** What was found. */
  detail: string;
  /** What to do (FAIL), or why it did not run (SKIP). */
  fix?: string;
}

export interface CheckResult extends Outcome {
  id: string;
  name: string;
}

export interface ClusterFacts {
  status: string;
  publiclyAccessible: boolean;
  iamRoles: readonly { arn: string; applyStatus?: string }[];
  defaultIamRoleArn?: string;
}

export interface FunctionFacts {
  /** Active, Pending, Inactive, Failed (absent on endpoints that do not report it). */
  state?: string;
  vpcId?: string;
  subnetIds: readonly string[];
  securityGroupIds: readonly string[];
}

export interface DeliveryStreamFacts {
  status: string;
  /** The S3 destination's bucket ARN. */
  bucketArn?: string;
}

/** What the checks ask the accounts. `undefined` = the resource does not exist. */
export interface DoctorPort {
  /** STS GetCallerIdentity with the account's profile. */
  accountOf(account: AccountConfig): Promise<string>;
  /** The events bucket's region (GetBucketLocation). */
  bucketRegion(): Promise<string | undefined>;
  /** The events bucket's policy: `{ bucket: false }` when the bucket is missing. */
  bucketPolicy(): Promise<{ bucket: false } | { bucket: true; policy?: string }>;
  /** A role of account B (IAM GetRole): its ARN. */
  roleArn(name: string): Promise<string | undefined>;
  cluster(): Promise<ClusterFacts | undefined>;
  loaderFunction(): Promise<FunctionFacts | undefined>;
  /** Invokes the loader Lambda's `ping` action. */
  ping(): Promise<PingReport>;
  deliveryStream(name: string): Promise<DeliveryStreamFacts | undefined>;
  /** The newest object under any of the prefixes of the events bucket. */
  newestObject(prefixes: readonly string[]): Promise<{ key: string; lastModified: Date } | undefined>;
}

export interface CheckContext {
  config: DoctorConfig;
  port: DoctorPort;
  now: Date;
  /** A delivery older than this is stale. */
  deliveryMaxAgeMinutes: number;
  /** Results so far (a check may read what an earlier one found, e.g. the ping report). */
  results: ReadonlyMap<string, CheckResult & { data?: unknown }>;
}

export interface Check {
  id: string;
  name: string;
  /** Checks that must PASS first; otherwise this one is skipped, naming them. */
  needs?: readonly string[];
  run(ctx: CheckContext): Promise<Outcome & { data?: unknown }>;
  /** The fix when `run` throws (an AWS error: access denied, endpoint unreachable, …). */
  onError: (config: DoctorConfig) => string;
}

const pass = (detail: string, data?: unknown) => ({
  status: "pass" as const,
  detail,
  ...(data !== undefined && { data }),
});
const fail = (detail: string, fix: string) => ({ status: "fail" as const, detail, fix });

const profileOf = (a: AccountConfig) => (a.profile ? `profile ${a.profile}` : "the default credentials");
const loginFix = (a: AccountConfig) =>
  a.profile
    ? `make ${a.profile} sign in to account ${a.which} (${a.id}): aws sso login --profile ${a.profile}, or aws configure --profile ${a.profile}; or set ${a.profileSetting} to a profile of that account`
    : `set ${a.profileSetting} to an AWS CLI profile of account ${a.which} (${a.id})`;

function accountCheck(which: "a" | "b"): Check {
  const label = which.toUpperCase();
  return {
    id: `account-${which}`,
    name: `${label === "A" ? "ingest" : "warehouse"} profile is account ${label}`,
    async run({ config, port }) {
      const account = config[which];
      const actual = await port.accountOf(account);
      if (actual === account.id) return pass(`${profileOf(account)} → ${actual}`);
      return fail(
        `${profileOf(account)} signs in to account ${actual}, not ACCOUNT_${label}_ID ${account.id}`,
        `point ${account.profileSetting} at a profile of account ${account.id}, or correct ACCOUNT_${label}_ID`,
      );
    },
    onError: (config) => loginFix(config[which]),
  };
}

/** An ARN of a role `name` in account `account`, in any partition. */
const isRoleOf = (arn: string, account: string, name: string) =>
  new RegExp(
    `^arn:aws[a-z-]*:iam::${account}:role/(?:.*/)?${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`,
  ).test(arn);

/** Every AWS principal of the policy's Allow statements. */
export function allowedPrincipals(policy: string): string[] {
  const doc = JSON.parse(policy) as { Statement?: unknown };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  const out: string[] = [];
  for (const st of statements as { Effect?: string; Principal?: unknown }[]) {
    if (st.Effect !== "Allow" || !st.Principal || typeof st.Principal !== "object") continue;
    const aws = (st.Principal as { AWS?: string | string[] }).AWS;
    out.push(...(Array.isArray(aws) ? aws : aws ? [aws] : []));
  }
  return [...new Set(out)];
}

const CREATE_INFRA = "deploy with make create-infra (account-b, then account-a)";

export const CHECKS: readonly Check[] = [
  accountCheck("a"),
  accountCheck("b"),
  {
    id: "region",
    name: "events bucket is in AWS_REGION",
    needs: ["account-a"],
    async run({ config, port }) {
      const region = await port.bucketRegion();
      if (region === undefined)
        return fail(`bucket ${config.bucket} does not exist in account A`, CREATE_INFRA);
      if (region === config.region) return pass(`${config.bucket} in ${region}`);
      return fail(
        `${config.bucket} is in ${region}, AWS_REGION is ${config.region}`,
        `set AWS_REGION=${region} (the region both stacks were deployed to)`,
      );
    },
    onError: (c) => `check that ${profileOf(c.a)} may s3:GetBucketLocation on ${c.bucket}`,
  },
  {
    id: "bucket-policy",
    name: "bucket policy names B's loader and COPY roles",
    needs: ["account-a"],
    async run({ config, port }) {
      const found = await port.bucketPolicy();
      if (!found.bucket) return fail(`bucket ${config.bucket} does not exist in account A`, CREATE_INFRA);
      if (!found.policy)
        return fail(`${config.bucket} has no bucket policy`, "apply account-a again: make create-infra");
      const principals = allowedPrincipals(found.policy);
      const missing = [config.loaderRole, config.copyRole].filter(
        (role) => !principals.some((p) => isRoleOf(p, config.b.id, role)),
      );
      if (missing.length === 0)
        return pass(`allows ${config.loaderRole} and ${config.copyRole} of ${config.b.id}`);
      // A role deleted and created again shows in the policy as its old unique id (AROA…).
      const stale = principals.filter((p) => /^AROA/.test(p));
      return fail(
        `the policy does not allow ${missing.map((r) => `arn:…:iam::${config.b.id}:role/${r}`).join(", ")}` +
          (stale.length ? ` (it names deleted roles ${stale.join(", ")})` : ""),
        "apply account-a after account-b (make create-infra), with ACCOUNT_B_ID set to the warehouse account",
      );
    },
    onError: (c) => `check that ${profileOf(c.a)} may s3:GetBucketPolicy on ${c.bucket}`,
  },
  {
    id: "roles",
    name: "B's loader and COPY roles exist",
    needs: ["account-b"],
    async run({ config, port }) {
      const names = [config.loaderRole, config.copyRole];
      const arns = await Promise.all(names.map((n) => port.roleArn(n)));
      const missing = names.filter((_, i) => arns[i] === undefined);
      if (missing.length === 0) return pass(arns.join(", "));
      return fail(`role ${missing.join(" and ")} does not exist in account B`, CREATE_INFRA);
    },
    onError: (c) => `check that ${profileOf(c.b)} may iam:GetRole in account B`,
  },
  {
    id: "cluster",
    name: "cluster is private and available",
    needs: ["account-b"],
    async run({ config, port }) {
      const cluster = await port.cluster();
      if (!cluster) return fail(`cluster ${config.cluster} does not exist in ${config.region}`, CREATE_INFRA);
      if (cluster.publiclyAccessible)
        return fail(
          `${config.cluster} is publicly accessible`,
          "apply account-b again (make create-infra): the stack sets publicly_accessible = false; find who changed it in CloudTrail",
        );
      if (cluster.status !== "available")
        return fail(
          `${config.cluster} is ${cluster.status}`,
          "wait for it to become available (aws redshift describe-clusters); a paused cluster: aws redshift resume-cluster",
        );
      return pass(`${config.cluster} available, not publicly accessible`);
    },
    onError: (c) => `check that ${profileOf(c.b)} may redshift:DescribeClusters in ${c.region}`,
  },
  {
    id: "copy-role",
    name: "COPY role attached to the cluster, its default",
    needs: ["account-b"],
    async run({ config, port }) {
      const cluster = await port.cluster();
      if (!cluster) return fail(`cluster ${config.cluster} does not exist in ${config.region}`, CREATE_INFRA);
      const attached = cluster.iamRoles.find((r) => isRoleOf(r.arn, config.b.id, config.copyRole));
      if (!attached)
        return fail(
          `${config.copyRole} is not attached to ${config.cluster}`,
          "apply account-b again (make create-infra): it attaches the role and makes it the default",
        );
      if (attached.applyStatus && attached.applyStatus !== "in-sync")
        return fail(
          `${config.copyRole} is ${attached.applyStatus} on ${config.cluster}`,
          "wait a few minutes and run make doctor again",
        );
      if (!cluster.defaultIamRoleArn || !isRoleOf(cluster.defaultIamRoleArn, config.b.id, config.copyRole))
        return fail(
          `the cluster's default role is ${cluster.defaultIamRoleArn ?? "not set"}, not ${config.copyRole} (COPY … IAM_ROLE default uses it)`,
          "apply account-b again (make create-infra), or set LOAD_COPY_ROLE_ARN to the COPY role",
        );
      return pass(`${attached.arn} attached and default`);
    },
    onError: (c) => `check that ${profileOf(c.b)} may redshift:DescribeClusters in ${c.region}`,
  },
  {
    id: "loader",
    name: "loader Lambda exists, in the VPC",
    needs: ["account-b"],
    async run({ config, port }) {
      const fn = await port.loaderFunction();
      if (!fn)
        return fail(
          `function ${config.functionName} does not exist in ${config.region}`,
          `${CREATE_INFRA}, or set LOAD_FUNCTION_NAME`,
        );
      if (fn.subnetIds.length === 0 || fn.securityGroupIds.length === 0)
        return fail(
          `${config.functionName} is not in a VPC (subnets ${fn.subnetIds.length}, security groups ${fn.securityGroupIds.length}); it cannot reach the private cluster`,
          "apply account-b again (make create-infra)",
        );
      if (fn.state && fn.state !== "Active")
        return fail(
          `${config.functionName} is ${fn.state}`,
          "see its last update in the Lambda console; apply account-b again",
        );
      return pass(
        `${config.functionName} in ${fn.vpcId ?? "a VPC"}, ${fn.subnetIds.length} subnets, ${fn.securityGroupIds.length} security groups`,
      );
    },
    onError: (c) => `check that ${profileOf(c.b)} may lambda:GetFunctionConfiguration on ${c.functionName}`,
  },
  {
    id: "ping",
    name: "loader reaches the secret and the cluster (SELECT 1)",
    needs: ["loader"],
    async run({ config, port }) {
      const ping = await port.ping();
      if (!ping.selectOne) return fail("SELECT 1 did not answer 1", "see the loader's CloudWatch logs");
      return pass(
        `SELECT 1 in ${ping.queryMs} ms; secret + connect ${ping.connectMs} ms (${config.functionName})`,
        ping,
      );
    },
    onError: (c) =>
      `the Lambda could not reach the cluster or its secret: check the security group admits the loader on the cluster port, the Secrets Manager VPC endpoint (VPC_ENDPOINTS) and RS_SECRET_ARN; details in /aws/lambda/${c.functionName}`,
  },
  {
    id: "tables",
    name: "stream tables and the ledger exist",
    needs: ["ping"],
    async run({ results }) {
      const ping = results.get("ping")?.data as PingReport;
      const missing = [
        ...Object.entries(ping.tables)
          .filter(([, exists]) => !exists)
          .map(([name]) => name),
        ...(ping.ledger ? [] : ["the ledger (loader.loaded_files)"]),
      ];
      if (missing.length === 0) return pass(`${Object.keys(ping.tables).join(", ")} and the ledger`);
      return fail(`missing: ${missing.join(", ")}`, "make create-redshift-tables");
    },
    onError: () => "make create-redshift-tables",
  },
];

/** Per stream: its delivery stream is active and writes to the bucket, and its last delivery is fresh. */
export function streamChecks(stream: string): Check[] {
  return [
    {
      id: `firehose-${stream}`,
      name: `Firehose ${stream} is active, into the bucket`,
      needs: ["account-a"],
      async run({ config, port }) {
        const name = config.deliveryStreams[stream] as string;
        const facts = await port.deliveryStream(name);
        if (!facts) return fail(`delivery stream ${name} does not exist in account A`, CREATE_INFRA);
        if (facts.status !== "ACTIVE")
          return fail(
            `${name} is ${facts.status}`,
            "wait for ACTIVE (aws firehose describe-delivery-stream); apply account-a again if it stays so",
          );
        if (facts.bucketArn && !facts.bucketArn.endsWith(`:::${config.bucket}`))
          return fail(
            `${name} delivers to ${facts.bucketArn}, not ${config.bucket}`,
            "apply account-a again (make create-infra)",
          );
        return pass(`${name} ACTIVE → ${config.bucket}`);
      },
      onError: (c) => `check that ${profileOf(c.a)} may firehose:DescribeDeliveryStream`,
    },
    {
      id: `delivery-${stream}`,
      name: `last ${stream} delivery is fresh`,
      needs: ["account-a"],
      async run({ config, port, now, deliveryMaxAgeMinutes }) {
        const hours = Math.ceil(deliveryMaxAgeMinutes / 60) + 1;
        const prefixes = Array.from({ length: hours }, (_, i) =>
          hourPrefix(stream, new Date(now.getTime() - i * 3_600_000)),
        );
        const newest = await port.newestObject(prefixes);
        const window = `${deliveryMaxAgeMinutes} min`;
        if (!newest)
          return fail(
            `no object under s3://${config.bucket}/${stream}/ in the last ${hours} hours`,
            `are producers sending? (make dump-dummy-data sends a few); else see the delivery stream's error output (${stream}-errors/) and its CloudWatch log group`,
          );
        const ageMinutes = Math.max(0, Math.round((now.getTime() - newest.lastModified.getTime()) / 60_000));
        if (ageMinutes > deliveryMaxAgeMinutes)
          return fail(
            `newest object ${newest.key} is ${ageMinutes} min old (> ${window})`,
            `are producers sending? see the delivery stream's error output (${stream}-errors/) and its DeliveryToS3.Success metric`,
          );
        return pass(`${newest.key} (${ageMinutes} min old)`);
      },
      onError: (c) => `check that ${profileOf(c.a)} may s3:ListBucket on ${c.bucket}`,
    },
  ];
}

/** `<stream>/YYYY/MM/DD/HH/`, Firehose's default layout (arrival hour, UTC). */
function hourPrefix(stream: string, at: Date): string {
  const iso = at.toISOString();
  return `${stream}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`;
}

/** Every check for the config, in the order they are reported. */
export function checksFor(config: DoctorConfig): Check[] {
  return [...CHECKS, ...config.streams.flatMap(streamChecks)];
}

export interface RunOptions {
  /** Check ids not checkable where the doctor runs (SKIP, "not checkable here: <reason>"). */
  skip?: ReadonlySet<string>;
  /** Why they are not checkable here (shown with each). */
  skipReason?: string;
  now?: Date;
  deliveryMaxAgeMinutes?: number;
}

/** Runs the checks in order: a check whose needs did not pass is skipped; a thrown error is a FAIL. */
export async function runChecks(
  checks: readonly Check[],
  config: DoctorConfig,
  port: DoctorPort,
  options: RunOptions = {},
): Promise<CheckResult[]> {
  const results = new Map<string, CheckResult & { data?: unknown }>();
  const ctx: CheckContext = {
    config,
    port,
    now: options.now ?? new Date(),
    deliveryMaxAgeMinutes: options.deliveryMaxAgeMinutes ?? 60,
    results,
  };
  for (const check of checks) {
    const head = { id: check.id, name: check.name };
    let outcome: Outcome & { data?: unknown };
    const unmet = (check.needs ?? []).filter((id) => results.get(id)?.status !== "pass");
    if (options.skip?.has(check.id)) {
      outcome = {
        status: "skip",
        detail: `not checkable here${options.skipReason ? `: ${options.skipReason}` : ""}`,
        fix: "skipped with --skip: check it against the real accounts",
      };
    } else if (unmet.length > 0) {
      const why = unmet
        .map((id) => `${id} ${results.get(id)?.status === "skip" ? "skipped" : "failed"}`)
        .join(", ");
      outcome = { status: "skip", detail: `not run: ${why}`, fix: `fix ${unmet.join(", ")} first` };
    } else {
      try {
        outcome = await check.run(ctx);
      } catch (error) {
        outcome = { status: "fail", detail: errorText(error), fix: check.onError(config) };
      }
    }
    results.set(check.id, { ...head, ...outcome });
  }
  return [...results.values()].map(({ data: _data, ...r }) => r);
}

/** One line for an AWS SDK error: its name and message, or what the endpoint answered. */
export function errorText(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const message = (e.message ?? String(error)).split("\n")[0] ?? "";
  const status = e.$metadata?.httpStatusCode;
  return `${e.name && e.name !== "Error" ? `${e.name}: ` : ""}${message}${status ? ` (HTTP ${status})` : ""}`;
}
