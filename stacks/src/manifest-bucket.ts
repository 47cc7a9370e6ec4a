// Account B's manifest bucket: the loader writes one COPY manifest per stream per batch, Redshift
// reads it. Manifests are only needed while a batch runs, so they expire quickly.
import { Construct } from "constructs";
import { SecureBucket } from "./secure-bucket";

export interface ManifestBucketProps {
  readonly bucketName: string;
  /** Days before manifests are deleted. Default 7. */
  readonly expirationDays?: number;
  /** Manifests are disposable, so destroy may empty the bucket. Default true. */
  readonly forceDestroy?: boolean;
}

export class ManifestBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: ManifestBucketProps) {
    super(scope, id);
    const secure = new SecureBucket(this, "bucket", {
      bucketName: props.bucketName,
      forceDestroy: props.forceDestroy ?? true,
      lifecycleRules: [{ id: "expire-manifests", expirationDays: props.expirationDays ?? 7 }],
      abortIncompleteUploadDays: 1,
    });
    this.bucketName = secure.bucketName;
    this.bucketArn = secure.bucketArn;
  }
}
