// A private S3 bucket whose defaults are the secure choice: every public access block flag on,
// default encryption, ACLs disabled (BucketOwnerEnforced), a TLS-only policy, and lifecycle rules.
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { Construct } from "constructs";
import { type PolicyStatement, policyDocument } from "./policy";

export interface BucketLifecycleRule {
  /** Rule id, unique in the bucket. */
  readonly id: string;
  /** Key prefix the rule applies to; unset = the whole bucket. */
  readonly prefix?: string;
  /** Move objects to `storageClass` after this many days; unset/0 = never. */
  readonly transitionDays?: number;
  readonly storageClass?: string;
  /** Delete objects after this many days; unset/0 = never. */
  readonly expirationDays?: number;
}

export interface SecureBucketProps {
  readonly bucketName: string;
  /** Extra bucket policy statements (the TLS-only deny is always first). */
  readonly policyStatements?: readonly PolicyStatement[];
  readonly lifecycleRules?: readonly BucketLifecycleRule[];
  /** KMS key for SSE-KMS; default SSE-S3 (AES256), which cross-account readers can use without key grants. */
  readonly kmsKeyArn?: string;
  /** Days before incomplete multipart uploads are aborted. Default 7. */
  readonly abortIncompleteUploadDays?: number;
  /** Let `terraform destroy` delete a non-empty bucket. Default false: data outlives the stack. */
  readonly forceDestroy?: boolean;
}

export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  /** Bucket name (known at synth time). */
  readonly bucketName: string;
  /** Bucket ARN (a reference to the bucket resource). */
  readonly bucketArn: string;
  readonly policy: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucketName = props.bucketName;
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? false,
    });
    this.bucketArn = this.bucket.arn;

    const publicAccessBlock = new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });

    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: props.kmsKeyArn
            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }
            : { sseAlgorithm: "AES256" },
          bucketKeyEnabled: props.kmsKeyArn !== undefined,
        },
      ],
    });

    // ACLs off: every object belongs to the bucket owner, whoever wrote it.
    new S3BucketOwnershipControls(this, "ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });

    // A rule without an action is invalid in S3, so "never" (0) for both drops the rule.
    const withAction = (props.lifecycleRules ?? []).filter(
      (r) => (r.transitionDays ?? 0) + (r.expirationDays ?? 0) > 0,
    );
    const rules = withAction.map((rule) => ({
      id: rule.id,
      status: "Enabled",
      filter: [{ prefix: rule.prefix ?? "" }],
      ...(rule.transitionDays
        ? { transition: [{ days: rule.transitionDays, storageClass: rule.storageClass ?? "STANDARD_IA" }] }
        : {}),
      ...(rule.expirationDays ? { expiration: [{ days: rule.expirationDays }] } : {}),
    }));
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      // S3's default since 2024, written out: objects under 128 KB are never transitioned. STANDARD_IA
      // bills at least 128 KB per object and each transition is a request, so moving a small object
      // (a quiet hour's utm file) would cost more than keeping it in STANDARD.
      transitionDefaultMinimumObjectSize: "all_storage_classes_128K",
      rule: [
        ...rules,
        {
          id: "abort-incomplete-uploads",
          status: "Enabled",
          filter: [{ prefix: "" }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteUploadDays ?? 7 }],
        },
      ],
    });

    const tlsOnly: PolicyStatement = {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: policyDocument([tlsOnly, ...(props.policyStatements ?? [])]),
      // The public access block must exist first, or S3 could evaluate the policy without it.
      dependsOn: [publicAccessBlock],
    });
  }
}
