// One Firehose delivery stream per product stream: extended S3 destination under `<stream>/`
// (Firehose appends YYYY/MM/DD/HH/ in UTC), GZIP, error output outside the stream prefix so the
// loader never sees it, CloudWatch delivery logs, and a role that can write only its own prefixes.
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogStream } from "@cdktf/provider-aws/lib/cloudwatch-log-stream";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KinesisFirehoseDeliveryStream } from "@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream";
import { Construct } from "constructs";
import type { KinesisSource } from "./kinesis-source";
import { type PolicyStatement, policyDocument, serviceTrustPolicy } from "./policy";

export interface DeliveryStreamProps {
  /** Delivery stream name, e.g. `kr-events`. */
  readonly name: string;
  /** Product stream name: the S3 prefix is `<stream>/`. */
  readonly stream: string;
  readonly bucketArn: string;
  /** Account that owns the stream (the role's external id). */
  readonly accountId: string;
  /** Buffering size hint, 1-128 MiB. Default 64. */
  readonly bufferSizeMb?: number;
  /** Buffering interval hint, 0-900 s. Default 300. */
  readonly bufferIntervalSeconds?: number;
  /** Default GZIP (the loader's COPY expects GZIP objects). */
  readonly compressionFormat?: "GZIP" | "UNCOMPRESSED";
  /** Read from this Kinesis data stream instead of accepting direct PUTs. */
  readonly kinesisSource?: KinesisSource;
  /** Delivery log retention in days. Default 30. */
  readonly logRetentionDays?: number;
}

export class DeliveryStream extends Construct {
  readonly deliveryStream: KinesisFirehoseDeliveryStream;
  readonly deliveryStreamName: string;
  readonly deliveryStreamArn: string;
  readonly role: IamRole;
  /** S3 prefix of delivered objects. */
  readonly prefix: string;
  /** S3 prefix of records Firehose could not deliver or process. */
  readonly errorOutputPrefix: string;

  constructor(scope: Construct, id: string, props: DeliveryStreamProps) {
    super(scope, id);
    this.prefix = `${props.stream}/`;
    // Under errors/, never under the stream prefix: a failed batch must not look like loadable data.
    this.errorOutputPrefix = `errors/${props.stream}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/`;

    const logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: `/aws/kinesisfirehose/${props.name}`,
      retentionInDays: props.logRetentionDays ?? 30,
    });
    const logStream = new CloudwatchLogStream(this, "log-stream", {
      name: "DestinationDelivery",
      logGroupName: logGroup.name,
    });

    this.role = new IamRole(this, "role", {
      name: `${props.name}-firehose`,
      // Firehose passes the account id as external id; pinning it stops other accounts' streams.
      assumeRolePolicy: serviceTrustPolicy("firehose.amazonaws.com", {
        StringEquals: { "sts:ExternalId": props.accountId },
      }),
    });
    const statements: PolicyStatement[] = [
      {
        Sid: "BucketLevel",
        Effect: "Allow",
        Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
        Resource: props.bucketArn,
      },
      {
        Sid: "WriteOwnPrefixes",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
        Resource: [`${props.bucketArn}/${this.prefix}*`, `${props.bucketArn}/errors/${props.stream}/*`],
      },
      {
        Sid: "DeliveryLogs",
        Effect: "Allow",
        Action: "logs:PutLogEvents",
        Resource: `${logGroup.arn}:log-stream:${logStream.name}`,
      },
    ];
    if (props.kinesisSource) statements.push(props.kinesisSource.readStatement());
    const rolePolicy = new IamRolePolicy(this, "role-policy", {
      name: "deliver",
      role: this.role.id,
      policy: policyDocument(statements),
    });

    this.deliveryStream = new KinesisFirehoseDeliveryStream(this, "stream", {
      name: props.name,
      destination: "extended_s3",
      ...(props.kinesisSource
        ? {
            kinesisSourceConfiguration: {
              kinesisStreamArn: props.kinesisSource.streamArn,
              roleArn: this.role.arn,
            },
          }
        : // Direct PUT: Firehose encrypts buffered records itself (Kinesis does it for the other mode).
          { serverSideEncryption: { enabled: true, keyType: "AWS_OWNED_CMK" } }),
      extendedS3Configuration: {
        roleArn: this.role.arn,
        bucketArn: props.bucketArn,
        prefix: this.prefix,
        errorOutputPrefix: this.errorOutputPrefix,
        compressionFormat: props.compressionFormat ?? "GZIP",
        bufferingSize: props.bufferSizeMb ?? 64,
        bufferingInterval: props.bufferIntervalSeconds ?? 300,
        cloudwatchLoggingOptions: {
          enabled: true,
          logGroupName: logGroup.name,
          logStreamName: logStream.name,
        },
      },
      // Firehose validates the role on create; the policy must be attached by then.
      dependsOn: [rolePolicy],
    });
    this.deliveryStreamName = props.name;
    this.deliveryStreamArn = this.deliveryStream.arn;
  }
}
