// The account's alarm topic: SNS encrypted with a customer-managed KMS key (rotated yearly) whose
// policy lets CloudWatch use it, a topic policy that lets only this account's project alarms
// publish (over TLS), and optional email subscriptions.
//
// Why not alias/aws/sns: CloudWatch needs kms:Decrypt and kms:GenerateDataKey* on the topic's key to
// publish, and the AWS-managed key's policy cannot be changed to grant them, so alarms on such a
// topic deploy cleanly and deliver nothing (docs/operations.md#the-alarm-topics cites the sources).
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { policyDocument } from "./policy";

export interface AlarmTopicProps {
  /** Topic name; the key's alias is `alias/<name>`. */
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** Only alarms whose names start with this may publish (aws:SourceArn), e.g. `kr-`. */
  readonly alarmNamePrefix: string;
  /** Email addresses to subscribe (each confirms once); default none. */
  readonly emails?: readonly string[];
  /** Days KMS waits before deleting the key after a destroy, 7-30. Default 30. */
  readonly keyDeletionWindowDays?: number;
}

export class AlarmTopic extends Construct {
  readonly topicArn: string;
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const root = `arn:${props.partition}:iam::${props.accountId}:root`;
    const alarms = `arn:${props.partition}:cloudwatch:${props.region}:${props.accountId}:alarm:${props.alarmNamePrefix}*`;

    const key = new KmsKey(this, "key", {
      description: `Encrypts the ${props.name} SNS topic (CloudWatch alarm notifications)`,
      enableKeyRotation: true,
      deletionWindowInDays: props.keyDeletionWindowDays ?? 30,
      policy: policyDocument([
        {
          // Without it nobody in the account could manage the key (KMS key policies are not implied).
          Sid: "AccountAdministersKey",
          Effect: "Allow",
          Principal: { AWS: root },
          Action: "kms:*",
          Resource: "*",
        },
        {
          Sid: "CloudWatchAlarmsUseKey",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": props.accountId } },
        },
      ]),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.name}`, targetKeyId: key.keyId });

    const topic = new SnsTopic(this, "topic", { name: props.name, kmsMasterKeyId: key.arn });
    new SnsTopicPolicy(this, "policy", {
      arn: topic.arn,
      policy: policyDocument([
        {
          Sid: "ProjectAlarmsPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: {
            StringEquals: { "aws:SourceAccount": props.accountId },
            ArnLike: { "aws:SourceArn": alarms },
          },
        },
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: topic.arn,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]),
    });
    (props.emails ?? []).forEach((email, i) => {
      new SnsTopicSubscription(this, `email-${i}`, {
        topicArn: topic.arn,
        protocol: "email",
        endpoint: email,
      });
    });
    this.topicArn = topic.arn;
    this.keyArn = key.arn;
  }
}
