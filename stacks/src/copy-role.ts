// The role Redshift assumes for COPY: read-only on account A's stream prefixes (cross-account, also
// granted by A's bucket policy) and on B's manifest bucket. Nothing else.
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { policyDocument, serviceTrustPolicy } from "./policy";

export interface CopyRoleProps {
  /** Role name; account A's bucket policy names the resulting ARN, so it is fixed. */
  readonly roleName: string;
  /** ARN of account A's events bucket. */
  readonly eventsBucketArn: string;
  readonly streams: readonly string[];
  /** ARN of the manifest bucket in this account. */
  readonly manifestBucketArn: string;
}

export class CopyRole extends Construct {
  readonly role: IamRole;
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: CopyRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      assumeRolePolicy: serviceTrustPolicy("redshift.amazonaws.com"),
    });
    new IamRolePolicy(this, "policy", {
      name: "copy-from-streams",
      role: this.role.id,
      policy: policyDocument([
        {
          Sid: "ListStreamPrefixes",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: props.eventsBucketArn,
          Condition: { StringLike: { "s3:prefix": props.streams.map((s) => `${s}/*`) } },
        },
        {
          Sid: "ReadStreamObjects",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: props.streams.map((s) => `${props.eventsBucketArn}/${s}/*`),
        },
        {
          Sid: "ReadManifests",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:ListBucket"],
          Resource: [props.manifestBucketArn, `${props.manifestBucketArn}/*`],
        },
      ]),
    });
    this.roleArn = this.role.arn;
  }
}
