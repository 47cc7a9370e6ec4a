// The stack → Lambda contract: account B's synthesized Lambda environment, with its Terraform tokens
// replaced by what Terraform would resolve them to, must be accepted by the loader's own config reader
// and name the very resources both stacks create.
import { describe, expect, it } from "vitest";
import { LOADER_SETTINGS, loadConfig } from "../../../packages/loader/src/config";
import { iamRoleArn } from "../../../stacks/src/index";
import {
  ACCOUNT_A,
  ACCOUNT_B,
  only,
  resources,
  synthA,
  synthB,
  testSettings,
} from "../../../stacks/tests/fixtures";

type Tf = ReturnType<typeof synthB>;
const REGION = "eu-west-1";

/** What `${type.name.attribute}` and `${var.x}` resolve to after apply, from the synthesized resource. */
function substitute(tf: Tf, value: string): string {
  return value.replace(/\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\.([a-z_]+))?\}/g, (token, type, name, attr) => {
    if (type === "var") return String((tf.variable as Record<string, { default: unknown }>)[name]?.default);
    const resource = (tf.resource[type] as Record<string, Record<string, unknown>> | undefined)?.[name];
    if (!resource) throw new Error(`unresolved ${token}`);
    if (type === "aws_iam_role" && attr === "arn")
      return iamRoleArn(REGION, ACCOUNT_B, String(resource.name));
    if (type === "aws_redshift_cluster" && attr === "dns_name")
      return `${resource.cluster_identifier}.c0ffee12.${REGION}.redshift.amazonaws.com`;
    if (type === "aws_redshift_cluster" && attr === "master_password_secret_arn")
      return `arn:aws:secretsmanager:${REGION}:${ACCOUNT_B}:secret:redshift!${resource.cluster_identifier}-admin-AbCdEf`;
    throw new Error(`no substitute for ${token}`);
  });
}

describe("account B's loader Lambda environment", () => {
  const settings = testSettings();
  const a = synthA(settings);
  const b = synthB(settings);
  const [, lambda] = resources(b, "aws_lambda_function")[0] as [string, Record<string, unknown>];
  const variables = (lambda.environment as { variables: Record<string, string> }).variables;
  const env = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, substitute(b, v)]));

  it("is accepted by the loader's config reader, in aws mode against Redshift", () => {
    const config = loadConfig(env);
    expect(config.mode).toBe("aws");
    expect(config.warehouse.dialect).toBe("redshift");
  });

  it("resolves the bucket, manifest bucket, secret and COPY role the stacks created", () => {
    const config = loadConfig(env);
    const bucketOf = (tf: Tf) => resources(tf, "aws_s3_bucket").map(([, r]) => String(r.bucket));
    expect(bucketOf(a)).toContain(config.source.bucket);
    expect(config.source.bucket).toBe(`kr-events-${ACCOUNT_A}`);
    expect(bucketOf(b)).toContain(config.aws.manifestBucket);
    const roleNames = resources(b, "aws_iam_role").map(([, r]) => String(r.name));
    // One role, no chain: account A's bucket policy trusts B's COPY role directly.
    expect(config.aws.copyRoles).toHaveLength(1);
    const copyRole = (config.aws.copyRoles as readonly string[])[0] as string;
    expect(roleNames).toContain(copyRole.split("/").pop());
    const cluster = only(b, "aws_redshift_cluster");
    expect(config.warehouse.secretArn).toContain(String(cluster.cluster_identifier));
    expect(config.warehouse.host.startsWith(`${cluster.cluster_identifier}.`)).toBe(true);
    expect(config.warehouse.port).toBe(cluster.port);
    expect(config.warehouse.database).toBe(cluster.database_name);
    expect(config.aws.functionName).toBe(lambda.function_name);
    expect(config.streams).toEqual(settings.streams);
  });

  it("carries the batch bounds, the drain chain and a stale-session age derived from the timeout", () => {
    const config = loadConfig(env);
    expect(config.load.batchMaxBytes).toBe(settings.loader.batchMaxBytes);
    expect(config.load.batchMaxFiles).toBe(settings.loader.batchMaxFiles);
    expect(config.load.chainMax).toBe(settings.loader.chainMax);
    expect(config.load.dedupeWindowHours).toBe(settings.loader.dedupeWindowHours);
    expect(lambda.timeout).toBe(settings.loader.timeoutSeconds);
    // Older than any invocation can be, so the sweep never ends a live run's session.
    expect(config.load.staleSessionSeconds).toBe(settings.loader.timeoutSeconds + 60);

    const short = synthB({
      ...settings,
      loader: { ...settings.loader, timeoutSeconds: 300, batchMaxFiles: 64 },
    });
    const [, fn] = resources(short, "aws_lambda_function")[0] as [string, Record<string, unknown>];
    const vars = (fn.environment as { variables: Record<string, string> }).variables;
    expect(vars.LOAD_STALE_SESSION_SECONDS).toBe("360");
    expect(vars.LOAD_BATCH_MAX_FILES).toBe("64");
  });

  it("holds settings only: every variable is one the loader reads, no password", () => {
    expect(Object.keys(variables).filter((k) => !(LOADER_SETTINGS as readonly string[]).includes(k))).toEqual(
      [],
    );
    expect(Object.keys(variables).filter((k) => /PASSWORD|SECRET_ACCESS/.test(k))).toEqual([]);
  });
});
