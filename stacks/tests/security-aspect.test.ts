// One deliberately bad stack per rule: the aspect must fail synth and name the offending resource.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { RedshiftCluster, type RedshiftClusterConfig } from "@cdktf/provider-aws/lib/redshift-cluster";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { App, Aspects, TerraformStack, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import {
  findSecurityViolations,
  SecureBucket,
  SecurityAspect,
  type SecurityViolation,
  type TerraformJson,
} from "../src/index";
import { synthA, synthB } from "./fixtures";

/** A stack with the aspect applied; `build` adds the deliberately bad resources. */
function badStack(build: (stack: TerraformStack) => void): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "bad");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  build(stack);
  Aspects.of(stack).add(new SecurityAspect());
  return stack;
}

/**
 * Synthesizes and returns the violations and the error annotations the aspect put on the constructs
 * (fails the test if there are none): one annotation per violation, each on its construct.
 */
function violationsOf(stack: TerraformStack): { violations: SecurityViolation[]; message: string } {
  const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
  const errors = stack.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata.filter((m) => m.type === "@cdktf/error").map((m) => `[${c.node.path}] ${m.data}`),
    );
  const violations = findSecurityViolations(json);
  if (violations.length === 0) throw new Error("synth succeeded but should have failed the security check");
  expect(errors).toHaveLength(violations.length);
  return { violations, message: errors.join("\n") };
}

const cluster = (overrides: Partial<RedshiftClusterConfig>) => (stack: TerraformStack) =>
  new RedshiftCluster(stack, "cluster", {
    clusterIdentifier: "bad",
    nodeType: "ra3.xlplus",
    masterUsername: "admin_x",
    manageMasterPassword: true,
    encrypted: "true",
    publiclyAccessible: false,
    ...overrides,
  });

describe("security aspect", () => {
  it("passes both real stacks", () => {
    expect(findSecurityViolations(synthA() as TerraformJson)).toEqual([]);
    expect(findSecurityViolations(synthB() as TerraformJson)).toEqual([]);
  });

  it("fails a public bucket: no public access block, a flag off, or an anonymous policy", () => {
    const missing = violationsOf(
      badStack((s) => {
        const bucket = new S3Bucket(s, "open-bucket", { bucket: "open" });
        new S3BucketServerSideEncryptionConfigurationA(s, "sse", {
          bucket: bucket.id,
          rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        });
      }),
    );
    expect(missing.violations).toEqual([
      expect.objectContaining({
        rule: "public-bucket",
        address: expect.stringMatching(/^aws_s3_bucket\.open-bucket/),
      }),
    ]);
    expect(missing.message).toMatch(
      /\[public-bucket\] aws_s3_bucket\.open-bucket.*no aws_s3_bucket_public_access_block/,
    );

    const flagOff = violationsOf(
      badStack((s) => {
        const secure = new SecureBucket(s, "half-open", { bucketName: "half-open" });
        new S3BucketPublicAccessBlock(s, "second-pab", {
          bucket: secure.bucket.id,
          blockPublicAcls: true,
          blockPublicPolicy: false,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
      }),
    );
    expect(flagOff.message).toMatch(/aws_s3_bucket\.half-open.*does not set block_public_policy to true/);

    const anonymous = violationsOf(
      badStack((s) => {
        const secure = new SecureBucket(s, "shared", { bucketName: "shared" });
        new S3BucketPolicy(s, "anyone-reads", {
          bucket: secure.bucket.id,
          policy: JSON.stringify({
            Statement: [
              { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::shared/*" },
            ],
          }),
        });
      }),
    );
    expect(anonymous.message).toMatch(/aws_s3_bucket\.shared.*anyone-reads.*anonymous principal/);

    // The same anonymous principal spelled as {AWS: "*"} and hidden in a list {AWS: [account, "*"]}.
    for (const [id, principal] of [
      ["aws-star", { AWS: "*" }],
      ["aws-list-star", { AWS: ["arn:aws:iam::222222222222:root", "*"] }],
    ] as const) {
      const spelled = violationsOf(
        badStack((s) => {
          const secure = new SecureBucket(s, id, { bucketName: id });
          new S3BucketPolicy(s, `${id}-policy`, {
            bucket: secure.bucket.id,
            policy: JSON.stringify({
              Statement: [
                {
                  Effect: "Allow",
                  Principal: principal,
                  Action: "s3:GetObject",
                  Resource: `arn:aws:s3:::${id}/*`,
                },
              ],
            }),
          });
        }),
      );
      expect(spelled.violations, id).toEqual([expect.objectContaining({ rule: "public-bucket" })]);
      expect(spelled.message).toMatch(
        new RegExp(`\\[bad/${id}[^\\]]*\\] \\[public-bucket\\].*anonymous principal`),
      );
    }
  });

  it("fails an unencrypted bucket", () => {
    const error = violationsOf(
      badStack((s) => {
        const bucket = new S3Bucket(s, "plain-bucket", { bucket: "plain" });
        new S3BucketPublicAccessBlock(s, "pab", {
          bucket: bucket.id,
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
      }),
    );
    expect(error.violations).toEqual([
      expect.objectContaining({
        rule: "unencrypted-bucket",
        address: expect.stringMatching(/^aws_s3_bucket\.plain-bucket/),
      }),
    ]);
  });

  it("fails an unencrypted cluster", () => {
    const error = violationsOf(badStack(cluster({ encrypted: "false" })));
    expect(error.violations).toEqual([
      expect.objectContaining({
        rule: "unencrypted-cluster",
        address: expect.stringMatching(/^aws_redshift_cluster\.cluster/),
      }),
    ]);
  });

  it("fails a publicly accessible cluster, and one that does not say it is private", () => {
    const open = violationsOf(badStack(cluster({ publiclyAccessible: true })));
    expect(open.violations).toEqual([expect.objectContaining({ rule: "public-cluster" })]);
    expect(open.message).toMatch(/aws_redshift_cluster\.cluster.*publicly_accessible must be false/);
    const unsaid = violationsOf(badStack(cluster({ publiclyAccessible: undefined })));
    expect(unsaid.violations.map((v) => v.rule)).toEqual(["public-cluster"]);
  });

  it('fails an IAM statement allowing "*" actions on "*" resources', () => {
    const error = violationsOf(
      badStack((s) => {
        const role = new IamRole(s, "role", {
          name: "admin-ish",
          assumeRolePolicy: JSON.stringify({
            Statement: [
              { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
            ],
          }),
        });
        new IamRolePolicy(s, "god-mode", {
          role: role.id,
          policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["*"], Resource: "*" }] }),
        });
        // Scoped wildcards are fine: "s3:*" on "*" and "*" on one ARN are not this rule.
        new IamRolePolicy(s, "scoped", {
          role: role.id,
          policy: JSON.stringify({
            Statement: [
              { Effect: "Allow", Action: "s3:*", Resource: "*" },
              { Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::one" },
              { Effect: "Deny", Action: "*", Resource: "*" },
            ],
          }),
        });
      }),
    );
    expect(error.violations).toEqual([
      expect.objectContaining({
        rule: "wildcard-iam",
        address: expect.stringMatching(/^aws_iam_role_policy\.god-mode/),
      }),
    ]);
  });

  it("fails a plaintext secret: a master password, a literal secret string, a password in a Lambda env", () => {
    const password = violationsOf(
      badStack(cluster({ manageMasterPassword: false, masterPassword: "Hunter2hunter2" })),
    );
    expect(password.violations).toEqual([
      expect.objectContaining({
        rule: "plaintext-secret",
        message: expect.stringContaining("master_password"),
      }),
    ]);
    expect(password.message).not.toContain("Hunter2");

    const literal = violationsOf(
      badStack(
        (s) =>
          new SecretsmanagerSecretVersion(s, "literal", { secretId: "x", secretString: '{"password":"pw"}' }),
      ),
    );
    expect(literal.message).toMatch(/aws_secretsmanager_secret_version\.literal.*secret_string is a literal/);

    const env = violationsOf(
      badStack(
        (s) =>
          new LambdaFunction(s, "leaky", {
            functionName: "leaky",
            role: "arn:aws:iam::222222222222:role/x",
            environment: { variables: { RS_PASSWORD: "pw", RS_SECRET_ARN: "arn:aws:secretsmanager:x" } },
          }),
      ),
    );
    expect(env.violations).toEqual([
      expect.objectContaining({
        rule: "plaintext-secret",
        address: expect.stringMatching(/^aws_lambda_function\.leaky/),
        message: "environment variable RS_PASSWORD holds a secret-looking value",
      }),
    ]);
  });

  it("fails an SNS topic that is unencrypted or uses the AWS-managed key CloudWatch cannot use", () => {
    const { violations } = violationsOf(
      badStack((s) => {
        new SnsTopic(s, "plain", { name: "plain" });
        new SnsTopic(s, "aws-managed", { name: "aws-managed", kmsMasterKeyId: "alias/aws/sns" });
        new SnsTopic(s, "aws-managed-arn", {
          name: "aws-managed-arn",
          kmsMasterKeyId: "arn:aws:kms:eu-west-1:111111111111:alias/aws/sns",
        });
        const key = new KmsKey(s, "key", { enableKeyRotation: true });
        new SnsTopic(s, "good", { name: "good", kmsMasterKeyId: key.arn });
      }),
    );
    const found = violations.map((v) => `${v.rule} ${v.address.replace(/_[0-9A-F]{8}$/, "")}`).sort();
    expect(found).toEqual([
      "unencrypted-topic aws_sns_topic.aws-managed",
      "unencrypted-topic aws_sns_topic.aws-managed-arn",
      "unencrypted-topic aws_sns_topic.plain",
    ]);
    expect(violations.map((v) => v.message)).toContain(
      "kms_master_key_id is the AWS-managed alias/aws/sns: its policy cannot let CloudWatch (or other services) publish; use a customer-managed key that does",
    );
  });

  it("fails a symmetric KMS key without rotation (asymmetric keys cannot rotate)", () => {
    const { violations } = violationsOf(
      badStack((s) => {
        new KmsKey(s, "stale", {});
        new KmsKey(s, "rotated", { enableKeyRotation: true });
        new KmsKey(s, "signing", { customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY" });
      }),
    );
    expect(violations).toEqual([
      expect.objectContaining({
        rule: "unrotated-key",
        address: expect.stringMatching(/^aws_kms_key\.stale/),
      }),
    ]);
  });

  it("fails app.synth() too, naming the construct path, and reports every violation at once", () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), "kr-aspect-")), stackTraces: false });
    const stack = new TerraformStack(app, "bad");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    new S3Bucket(stack, "naked", { bucket: "naked" });
    cluster({ publiclyAccessible: true, encrypted: "false" })(stack);
    Aspects.of(stack).add(new SecurityAspect());
    let message = "";
    try {
      app.synth();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Encountered Annotations with level "ERROR"');
    // One synth lists every violation, each with its construct path.
    for (const line of [
      /\[bad\/naked\] \[public-bucket\] aws_s3_bucket\.naked/,
      /\[bad\/naked\] \[unencrypted-bucket\] aws_s3_bucket\.naked/,
      /\[bad\/cluster\] \[public-cluster\]/,
      /\[bad\/cluster\] \[unencrypted-cluster\]/,
    ])
      expect(message).toMatch(line);
  });
});
