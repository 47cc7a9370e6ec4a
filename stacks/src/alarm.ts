// One CloudWatch alarm routed to its account's alarm topic (ALARM and OK), with a description that
// says what happened, what to do, and the runbook section (docs/operations.md) that says more.
import {
  CloudwatchMetricAlarm,
  type CloudwatchMetricAlarmConfig,
} from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import type { Construct } from "constructs";

/** Sections of docs/operations.md the alarms link to (GitHub heading anchors; a test checks each exists). */
export const RUNBOOK = {
  loadLag: "load-lag",
  loaderNotRunning: "loader-not-running",
  rejected: "rejected-records",
  unreconciled: "unreconciled-hours",
  failuresQueue: "failed-scheduled-runs",
  loaderErrors: "loader-errors",
  loaderThrottles: "loader-throttles",
  loaderDuration: "loader-duration-near-its-timeout",
  freshness: "firehose-data-freshness",
  s3Delivery: "firehose-s3-delivery-failing",
  throttled: "firehose-throttled-records",
} as const;
export type RunbookSection = (typeof RUNBOOK)[keyof typeof RUNBOOK];

/** CloudWatch's AlarmDescription limit. */
export const MAX_DESCRIPTION = 1024;

/** `<what> Do: <action> Runbook: <url>#<section>`; longer than CloudWatch accepts fails synth. */
export function alarmDescription(
  what: string,
  action: string,
  runbookUrl: string,
  section: RunbookSection,
): string {
  const text = `${what} Do: ${action} Runbook: ${runbookUrl}#${section}`;
  if (text.length > MAX_DESCRIPTION) {
    throw new Error(
      `alarm description is ${text.length} characters, CloudWatch takes ${MAX_DESCRIPTION}: ${text}`,
    );
  }
  return text;
}

export interface RoutedAlarmProps
  extends Omit<CloudwatchMetricAlarmConfig, "alarmActions" | "okActions" | "alarmDescription"> {
  readonly alarmName: string;
  /** The account's alarm topic: notified on ALARM and on OK. */
  readonly topicArn: string;
  readonly what: string;
  readonly action: string;
  readonly runbookUrl: string;
  readonly section: RunbookSection;
}

export function routedAlarm(scope: Construct, id: string, props: RoutedAlarmProps): CloudwatchMetricAlarm {
  const { topicArn, what, action, runbookUrl, section, ...config } = props;
  return new CloudwatchMetricAlarm(scope, id, {
    ...config,
    alarmDescription: alarmDescription(what, action, runbookUrl, section),
    alarmActions: [topicArn],
    okActions: [topicArn],
  });
}

/** ARN of an alarm by name (for dashboards: literal, no reference to the alarm resource). */
export function alarmArn(partition: string, region: string, accountId: string, name: string): string {
  return `arn:${partition}:cloudwatch:${region}:${accountId}:alarm:${name}`;
}
