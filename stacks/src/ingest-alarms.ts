// Account A's alarms, per delivery stream (AWS/Firehose, dimension DeliveryStreamName): data waiting
// in Firehose longer than it should, S3 deliveries failing, and producers being throttled. Every
// alarm notifies the account's topic on ALARM and on OK.
import type { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Construct } from "constructs";
import { RUNBOOK, routedAlarm } from "./alarm";

export interface IngestAlarmsProps {
  /** Literal delivery stream name per product stream. */
  readonly deliveryStreams: Readonly<Record<string, string>>;
  readonly topicArn: string;
  readonly freshnessMinutes: number;
  readonly runbookUrl: string;
}

export class IngestAlarms extends Construct {
  /** Every alarm, by name. */
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;

  constructor(scope: Construct, id: string, props: IngestAlarmsProps) {
    super(scope, id);
    const alarms: Record<string, CloudwatchMetricAlarm> = {};
    const common = { topicArn: props.topicArn, runbookUrl: props.runbookUrl };
    for (const [stream, name] of Object.entries(props.deliveryStreams)) {
      const firehose = { namespace: "AWS/Firehose", dimensions: { DeliveryStreamName: name } };
      const freshness = `${name}-freshness`;
      alarms[freshness] = routedAlarm(this, `freshness-${stream}`, {
        ...common,
        ...firehose,
        alarmName: freshness,
        metricName: "DeliveryToS3.DataFreshness",
        what: `${name}: the oldest record not yet in S3 is more than ${props.freshnessMinutes} minutes old.`,
        action: `read /aws/kinesisfirehose/${name} (DestinationDelivery) for the S3 error (access denied, bucket policy, KMS) and fix it: Firehose retries only until its retention ends (24 h for direct PUT), then the records are lost.`,
        section: RUNBOOK.freshness,
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: props.freshnessMinutes * 60,
        comparisonOperator: "GreaterThanThreshold",
        treatMissingData: "notBreaching",
      });
      const delivery = `${name}-s3-delivery`;
      alarms[delivery] = routedAlarm(this, `s3-delivery-${stream}`, {
        ...common,
        ...firehose,
        alarmName: delivery,
        metricName: "DeliveryToS3.Success",
        what: `${name}: S3 puts have been failing for 15 minutes (success ratio below 1).`,
        action: `read /aws/kinesisfirehose/${name} (DestinationDelivery) and fix access to the bucket: Firehose retries only until its retention ends (24 h for direct PUT), then the records are lost.`,
        section: RUNBOOK.s3Delivery,
        statistic: "Average",
        period: 300,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "notBreaching",
      });
      const throttled = `${name}-throttled`;
      alarms[throttled] = routedAlarm(this, `throttled-${stream}`, {
        ...common,
        ...firehose,
        alarmName: throttled,
        metricName: "ThrottledRecords",
        what: `${name}: producers were throttled (records refused above the stream's quota).`,
        action:
          "make sure producers retry with backoff (the generator does), pack events into ~5 KiB records, or ask for a higher Firehose quota.",
        section: RUNBOOK.throttled,
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      });
    }
    this.alarms = alarms;
  }
}
