// Account A's event bucket: where Firehose writes `<stream>/YYYY/MM/DD/HH/...`. Account B may only
// list and read the stream prefixes, and only through exactly the roles named in `readerRoleArns`.
import { Construct } from "constructs";
import type { PolicyStatement } from "./policy";
import { SecureBucket } from "./secure-bucket";

export interface EventsBucketProps {
  readonly bucketName: string;
  /** Stream names; each owns the prefix `<stream>/`. */
  readonly streams: readonly string[];
  /** Cross-account roles allowed to list and read the stream prefixes (B's COPY and loader roles). */
  readonly readerRoleArns: readonly string[];
  /** Days before objects move to `transitionStorageClass`; 0 = never. Default 0. */
  readonly transitionDays?: number;
  /** Default STANDARD_IA. */
  readonly transitionStorageClass?: string;
  /** Days before objects expire; 0 = never. Default 0 (every hour stays re-importable). */
  readonly expirationDays?: number;
  /** Days before Firehose error output (`errors/`) expires. Default 30. */
  readonly errorExpirationDays?: number;
  /** ARN partition. Default "aws". */
  readonly partition?: string;
}

export class EventsBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: EventsBucketProps) {
    super(scope, id);
    const readers = [...props.readerRoleArns];
    // Built from the bucket name (not a reference) so the statements read the same in the JSON.
    const arn = (suffix: string) => `arn:${props.partition ?? "aws"}:s3:::${props.bucketName}${suffix}`;
    const statements: PolicyStatement[] =
      readers.length === 0
        ? []
        : [
            {
              Sid: "ReaderListStreamPrefixes",
              Effect: "Allow",
              Principal: { AWS: readers },
              Action: "s3:ListBucket",
              Resource: arn(""),
              Condition: { StringLike: { "s3:prefix": props.streams.map((s) => `${s}/*`) } },
            },
            {
              Sid: "ReaderGetStreamObjects",
              Effect: "Allow",
              Principal: { AWS: readers },
              Action: "s3:GetObject",
              Resource: props.streams.map((s) => arn(`/${s}/*`)),
            },
          ];
    const secure = new SecureBucket(this, "bucket", {
      bucketName: props.bucketName,
      policyStatements: statements,
      lifecycleRules: [
        ...props.streams.map((stream) => ({
          id: `stream-${stream}`,
          prefix: `${stream}/`,
          transitionDays: props.transitionDays ?? 0,
          storageClass: props.transitionStorageClass ?? "STANDARD_IA",
          expirationDays: props.expirationDays ?? 0,
        })),
        { id: "firehose-errors", prefix: "errors/", expirationDays: props.errorExpirationDays ?? 30 },
      ],
    });
    this.bucketName = secure.bucketName;
    this.bucketArn = secure.bucketArn;
  }
}
