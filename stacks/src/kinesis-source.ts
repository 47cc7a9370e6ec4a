// Optional Kinesis data stream in front of a delivery stream: on-demand capacity (no shard sizing)
// and encrypted with the AWS-managed Kinesis key.
import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { Construct } from "constructs";
import type { PolicyStatement } from "./policy";

export interface KinesisSourceProps {
  readonly name: string;
  /** Hours records stay readable, 24-8760. Default 24. */
  readonly retentionHours?: number;
  /** KMS key for server-side encryption. Default the AWS-managed `alias/aws/kinesis`. */
  readonly kmsKeyId?: string;
}

export class KinesisSource extends Construct {
  readonly stream: KinesisStream;
  readonly streamName: string;
  readonly streamArn: string;

  constructor(scope: Construct, id: string, props: KinesisSourceProps) {
    super(scope, id);
    this.stream = new KinesisStream(this, "stream", {
      name: props.name,
      streamModeDetails: { streamMode: "ON_DEMAND" },
      retentionPeriod: props.retentionHours ?? 24,
      encryptionType: "KMS",
      kmsKeyId: props.kmsKeyId ?? "alias/aws/kinesis",
    });
    this.streamName = props.name;
    this.streamArn = this.stream.arn;
  }

  /** What a Firehose role needs to read this stream, and nothing more. */
  readStatement(): PolicyStatement {
    return {
      Sid: "ReadKinesisSource",
      Effect: "Allow",
      Action: [
        "kinesis:DescribeStream",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:ListShards",
      ],
      Resource: this.streamArn,
    };
  }
}
