// The two stacks never reference each other's state: each side derives the other's names from the
// same settings. These tests read both synthesized stacks and check the wiring meets in the middle.
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { AccountAStack, AccountBStack, namesOf } from "../src/index";
import { ACCOUNT_A, ACCOUNT_B, policies, resources, synthA, synthB, testSettings } from "./fixtures";

const a = synthA();
const b = synthB();

const roleArnsInB = resources(b, "aws_iam_role").map(([, r]) => `arn:aws:iam::${ACCOUNT_B}:role/${r.name}`);
const eventsBucket = resources(a, "aws_s3_bucket")[0]?.[1].bucket as string;
const bPolicies = policies(b, "aws_iam_role_policy");
/** Every S3 resource in B's identity policies that points into account A's bucket. */
const bResourcesInA = bPolicies
  .flatMap((p) => p.Statement)
  .flatMap((s) => [s.Resource].flat() as string[])
  .filter((r) => r.includes(eventsBucket));

describe("cross-account wiring", () => {
  it("A's bucket policy trusts exactly B's COPY role and loader role", () => {
    const principals = new Set(
      (policies(a, "aws_s3_bucket_policy")[0]?.Statement ?? [])
        .filter((s) => s.Effect === "Allow")
        .flatMap((s) => (s.Principal as { AWS: string[] }).AWS),
    );
    const copy = roleArnsInB.find((arn) => arn.endsWith("/kr-redshift-copy"));
    const loader = roleArnsInB.find((arn) => arn.endsWith("/kr-loader"));
    expect([...principals].sort()).toEqual([copy, loader].sort());
  });

  it("B's roles read exactly A's bucket and stream prefixes", () => {
    expect(eventsBucket).toBe(`kr-events-${ACCOUNT_A}`);
    const bucketArn = `arn:aws:s3:::${eventsBucket}`;
    const get = (policies(a, "aws_s3_bucket_policy")[0]?.Statement ?? []).find(
      (s) => s.Action === "s3:GetObject",
    );
    const streamArns = (get?.Resource ?? []) as string[];
    expect(new Set(bResourcesInA)).toEqual(new Set([bucketArn, ...streamArns]));
    // Both the COPY role and the loader role list and get there; neither can write.
    for (const sid of ["ListStreamPrefixes", "ReadStreamObjects"]) {
      const statements = bPolicies.flatMap((p) => p.Statement).filter((s) => s.Sid === sid);
      expect(statements).toHaveLength(2);
    }
    for (const s of bPolicies.flatMap((p) => p.Statement)) {
      if ([s.Resource].flat().some((r) => String(r).includes(eventsBucket))) {
        expect(["s3:ListBucket", "s3:GetObject"]).toContain(s.Action);
      }
    }
  });

  it("the loader's S3 settings name A's bucket and B's manifest bucket as the stacks create them", () => {
    const env = (
      Object.values(b.resource.aws_lambda_function ?? {})[0] as {
        environment: { variables: Record<string, string> };
      }
    ).environment.variables;
    const names = namesOf(testSettings());
    expect(`kr-events-${env.ACCOUNT_A_ID}`).toBe(eventsBucket);
    expect(env.LOAD_MANIFEST_BUCKET).toBe(resources(b, "aws_s3_bucket")[0]?.[1].bucket);
    expect(env.LOAD_MANIFEST_BUCKET).toBe(names.manifestBucket);
  });

  it("each stack synthesizes alone, without the other's state", () => {
    const settings = testSettings();
    const onlyA = Testing.app();
    new AccountAStack(onlyA, settings);
    const onlyB = Testing.app();
    new AccountBStack(onlyB, settings);
    for (const app of [onlyA, onlyB]) {
      const [stack] = app.node.children;
      const json = JSON.parse(Testing.synth(stack as AccountAStack));
      expect(json.data?.terraform_remote_state).toBeUndefined();
    }
    expect(JSON.stringify(a)).not.toContain("terraform_remote_state");
    expect(JSON.stringify(b)).not.toContain("terraform_remote_state");
  });

  it("derives ARNs in the partition of the region", () => {
    const china = testSettings({ region: "cn-north-1" });
    const chinaA = synthA(china);
    const principals = (policies(chinaA, "aws_s3_bucket_policy")[0]?.Statement ?? [])
      .filter((s) => s.Effect === "Allow")
      .flatMap((s) => (s.Principal as { AWS: string[] }).AWS);
    expect(principals.every((p) => p.startsWith("arn:aws-cn:iam::"))).toBe(true);
  });
});
