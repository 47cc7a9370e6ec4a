// Synth-time security check. The aspect resolves the stack to the JSON Terraform will receive and
// annotates every offending construct with an error (so synth fails listing them all) for: a public bucket, an unencrypted bucket or
// cluster, a publicly accessible cluster, an IAM Allow of "*" actions on "*" resources, a plaintext
// secret anywhere, an SNS topic that is unencrypted or encrypted with the AWS-managed alias/aws/sns
// (CloudWatch alarms cannot publish to it), or a symmetric KMS key without rotation. The rules run on plain JSON, so they also check any cdk.tf.json.
import { Annotations, type IAspect, TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";

export type SecurityRule =
  | "public-bucket"
  | "unencrypted-bucket"
  | "unencrypted-cluster"
  | "public-cluster"
  | "wildcard-iam"
  | "plaintext-secret"
  | "unencrypted-topic"
  | "unrotated-key";

export interface SecurityViolation {
  readonly rule: SecurityRule;
  /** Terraform address, e.g. `aws_s3_bucket.events_bucket_1A2B3C4D`. */
  readonly address: string;
  /** Construct path, when the JSON carries it. */
  readonly path?: string;
  readonly message: string;
}

/** The violations as one error, for callers of findSecurityViolations (the aspect annotates instead). */
export class SecurityViolationError extends Error {
  constructor(
    readonly stackName: string,
    readonly violations: readonly SecurityViolation[],
  ) {
    super(
      `Security check failed for stack ${stackName} (${violations.length} violation${violations.length === 1 ? "" : "s"}):\n` +
        violations
          .map((v) => `  - [${v.rule}] ${v.address}${v.path ? ` (${v.path})` : ""}: ${v.message}`)
          .join("\n"),
    );
    this.name = "SecurityViolationError";
  }
}

/**
 * Reports every violation of each stack it is applied to as an error annotation on the offending
 * construct (`Annotations.of(node).addError`), so one synth lists them all with their construct
 * paths and cdktf fails the synth ("Encountered Annotations with level ERROR").
 */
export class SecurityAspect implements IAspect {
  /** Aspects may run more than once per construct (synth twice): report each finding once. */
  private readonly reported = new WeakMap<IConstruct, Set<string>>();

  visit(node: IConstruct): void {
    if (!TerraformStack.isStack(node)) return;
    const violations = findSecurityViolations(node.toTerraform() as TerraformJson);
    if (violations.length === 0) return;
    const byPath = new Map(node.node.findAll().map((c) => [c.node.path, c] as const));
    for (const v of violations) {
      const target = (v.path && byPath.get(v.path)) || node;
      const message = formatViolation(v);
      const seen = this.reported.get(target) ?? new Set<string>();
      if (seen.has(message)) continue;
      seen.add(message);
      this.reported.set(target, seen);
      Annotations.of(target).addError(message);
    }
  }
}

/** `[rule] address: message`, the line a violation is reported with. */
export function formatViolation(v: SecurityViolation): string {
  return `[${v.rule}] ${v.address}: ${v.message}`;
}

type Attrs = Record<string, unknown>;
export interface TerraformJson {
  resource?: Record<string, Record<string, Attrs>>;
  data?: Record<string, Record<string, Attrs>>;
  provider?: Record<string, Attrs[]>;
  terraform?: { backend?: Record<string, Attrs> };
  variable?: Record<string, Attrs>;
}

interface Element {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly attrs: Attrs;
  readonly path?: string;
}

const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PAB_FLAGS = [
  "block_public_acls",
  "block_public_policy",
  "ignore_public_acls",
  "restrict_public_buckets",
];
/** Attribute names that hold a password (`manage_master_password` is a boolean and never matches a string). */
const PASSWORD_KEY = /(^|_)password(_wo)?$/i;
const SECRET_BODY_KEYS = new Set(["secret_string", "secret_binary", "secret_string_wo"]);
/** Environment variable names that suggest a credential... */
const SECRET_ENV_NAME = /PASS(WORD|WD)?|PWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL/i;
/** ...unless they only point at one (a secret's ARN, a key id, a name). */
const POINTER_ENV_NAME = /_(ARN|ID|NAME|URL|ENDPOINT)$/i;
/** The AWS-managed SNS key, by alias name or alias ARN. */
const AWS_MANAGED_SNS_KEY = /(^|:)alias\/aws\/sns$/;
const CREDENTIAL_VALUE = /\b(AKIA|ASIA)[0-9A-Z]{16}\b|-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export function findSecurityViolations(tf: TerraformJson): SecurityViolation[] {
  const resources = elements(tf.resource, "");
  const dataSources = elements(tf.data, "data.");
  const out: SecurityViolation[] = [];
  const add = (e: Pick<Element, "address" | "path">, rule: SecurityRule, message: string) =>
    out.push({ rule, address: e.address, ...(e.path ? { path: e.path } : {}), message });

  checkBuckets(resources, add);
  for (const e of resources.filter((r) => r.type === "aws_redshift_cluster")) {
    if (!isTrue(e.attrs.encrypted)) add(e, "unencrypted-cluster", 'encrypted must be "true"');
    if (!isFalse(e.attrs.publicly_accessible)) add(e, "public-cluster", "publicly_accessible must be false");
  }
  for (const e of resources.filter((r) => r.type === "aws_sns_topic")) {
    const key = e.attrs.kms_master_key_id;
    if (!isSet(key)) add(e, "unencrypted-topic", "kms_master_key_id is not set");
    else if (typeof key === "string" && AWS_MANAGED_SNS_KEY.test(key)) {
      add(
        e,
        "unencrypted-topic",
        `kms_master_key_id is the AWS-managed ${key}: its policy cannot let CloudWatch (or other services) publish; use a customer-managed key that does`,
      );
    }
  }
  for (const e of resources.filter((r) => r.type === "aws_kms_key")) {
    const spec = e.attrs.customer_master_key_spec;
    const symmetric = spec === undefined || spec === "SYMMETRIC_DEFAULT";
    if (symmetric && !isTrue(e.attrs.enable_key_rotation)) {
      add(e, "unrotated-key", 'enable_key_rotation must be "true"');
    }
  }
  for (const e of [...resources, ...dataSources]) {
    for (const statement of policyStatements(e)) {
      if (statement.allow && statement.actions.some(isWildcardAction) && statement.resources.includes("*")) {
        add(e, "wildcard-iam", 'a policy statement allows "*" actions on "*" resources');
      }
    }
    for (const message of plaintextSecrets(e.attrs)) add(e, "plaintext-secret", message);
  }
  for (const [name, configs] of Object.entries(tf.provider ?? {})) {
    for (const config of configs) {
      for (const key of ["access_key", "secret_key", "token"]) {
        if (isSet(config[key])) add({ address: `provider.${name}` }, "plaintext-secret", `sets ${key}`);
      }
    }
  }
  for (const [name, config] of Object.entries(tf.terraform?.backend ?? {})) {
    for (const key of ["access_key", "secret_key", "token", "sse_customer_key"]) {
      if (isSet(config[key])) add({ address: `backend.${name}` }, "plaintext-secret", `sets ${key}`);
    }
  }
  for (const [name, variable] of Object.entries(tf.variable ?? {})) {
    if ((PASSWORD_KEY.test(name) || SECRET_ENV_NAME.test(name)) && isSet(variable.default)) {
      add({ address: `var.${name}` }, "plaintext-secret", "a secret-looking variable has a default value");
    }
  }
  return out;
}

function elements(blocks: TerraformJson["resource"], prefix: string): Element[] {
  return Object.entries(blocks ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, attrs]) => {
      const path = (attrs["//"] as { metadata?: { path?: string } } | undefined)?.metadata?.path;
      return { address: `${prefix}${type}.${name}`, type, name, attrs, ...(path ? { path } : {}) };
    }),
  );
}

type Add = (e: Pick<Element, "address" | "path">, rule: SecurityRule, message: string) => void;

function checkBuckets(resources: Element[], add: Add): void {
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  for (const bucket of ofType("aws_s3_bucket")) {
    // A companion resource belongs to this bucket if it references it or names it literally.
    const refersTo = (r: Element) => {
      const value = r.attrs.bucket;
      return (
        typeof value === "string" &&
        (value.includes(`aws_s3_bucket.${bucket.name}.`) ||
          (bucket.attrs.bucket !== undefined && value === bucket.attrs.bucket))
      );
    };
    if (typeof bucket.attrs.acl === "string" && PUBLIC_ACLS.has(bucket.attrs.acl)) {
      add(bucket, "public-bucket", `acl "${bucket.attrs.acl}" grants public access`);
    }
    for (const acl of ofType("aws_s3_bucket_acl").filter(refersTo)) {
      if (typeof acl.attrs.acl === "string" && PUBLIC_ACLS.has(acl.attrs.acl)) {
        add(bucket, "public-bucket", `${acl.address} grants "${acl.attrs.acl}"`);
      }
    }
    const blocks = ofType("aws_s3_bucket_public_access_block").filter(refersTo);
    if (blocks.length === 0) {
      add(bucket, "public-bucket", "no aws_s3_bucket_public_access_block blocks public access");
    }
    for (const block of blocks) {
      const off = PAB_FLAGS.filter((flag) => !isTrue(block.attrs[flag]));
      if (off.length > 0)
        add(bucket, "public-bucket", `${block.address} does not set ${off.join(", ")} to true`);
    }
    const policies = [bucket, ...ofType("aws_s3_bucket_policy").filter(refersTo)];
    for (const policy of policies) {
      for (const statement of policyStatements(policy)) {
        if (statement.allow && statement.anonymous && !statement.conditional) {
          add(bucket, "public-bucket", `${policy.address} allows anonymous principal "*"`);
        }
      }
    }
    const encrypted =
      bucket.attrs.server_side_encryption_configuration !== undefined ||
      ofType("aws_s3_bucket_server_side_encryption_configuration").some(refersTo);
    if (!encrypted)
      add(bucket, "unencrypted-bucket", "no aws_s3_bucket_server_side_encryption_configuration");
  }
}

interface Statement {
  allow: boolean;
  actions: string[];
  resources: string[];
  anonymous: boolean;
  conditional: boolean;
}

/** Statements of every JSON policy string in the element, and of aws_iam_policy_document blocks. */
function policyStatements(e: Element): Statement[] {
  const found: Statement[] = [];
  walk(e.attrs, (value) => {
    if (typeof value !== "string" || !value.includes("Statement")) return;
    let doc: unknown;
    try {
      doc = JSON.parse(value);
    } catch {
      return; // a jsonencode() expression or not a policy
    }
    const raw = (doc as { Statement?: unknown }).Statement;
    for (const s of (Array.isArray(raw) ? raw : raw ? [raw] : []) as Attrs[]) {
      found.push({
        allow: s.Effect !== "Deny",
        actions: list(s.Action),
        resources: list(s.Resource),
        anonymous: s.Principal === "*" || list((s.Principal as Attrs | undefined)?.AWS).includes("*"),
        conditional: s.Condition !== undefined,
      });
    }
  });
  if (e.type === "aws_iam_policy_document") {
    for (const s of list(e.attrs.statement) as unknown as Attrs[]) {
      const principals = list(s.principals) as unknown as Attrs[];
      found.push({
        allow: s.effect !== "Deny",
        actions: list(s.actions),
        resources: list(s.resources),
        anonymous: principals.some((p) => list(p.identifiers).includes("*")),
        conditional: s.condition !== undefined,
      });
    }
  }
  return found;
}

function plaintextSecrets(attrs: Attrs): string[] {
  const found: string[] = [];
  const visit = (value: unknown, key: string, inEnvironment: boolean) => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item, key, inEnvironment);
      return;
    }
    if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value as Attrs)) {
        if (k === "//") continue;
        visit(v, k, inEnvironment || k === "environment");
      }
      return;
    }
    if (typeof value !== "string" || value === "") return;
    if (inEnvironment && SECRET_ENV_NAME.test(key) && !POINTER_ENV_NAME.test(key)) {
      found.push(`environment variable ${key} holds a secret-looking value`);
    } else if (PASSWORD_KEY.test(key)) found.push(`sets ${key} (the password would live in code and state)`);
    else if (SECRET_BODY_KEYS.has(key) && !value.includes("${")) found.push(`${key} is a literal`);
    else if (CREDENTIAL_VALUE.test(value)) found.push(`${key} holds an access key or private key`);
  };
  visit(attrs, "", false);
  return found;
}

function walk(value: unknown, fn: (value: unknown) => void): void {
  fn(value);
  if (Array.isArray(value)) for (const item of value) walk(item, fn);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) walk(v, fn);
}

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as string[];
}

const isWildcardAction = (action: string) => action === "*" || action === "*:*";
const isTrue = (v: unknown) => v === true || v === "true";
const isFalse = (v: unknown) => v === false || v === "false";
const isSet = (v: unknown) => v !== undefined && v !== null && v !== "";
