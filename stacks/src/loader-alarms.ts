// Account B's alarms: per stream, the loader's own metrics (load lag, rejected records, unreconciled
// hours; @kr/contract's metrics contract, emitted by the Lambda as EMF); for the function, a
// loader that stopped running, errors, throttles, runs near the timeout and failed scheduled runs
// waiting in the failures queue. Every alarm notifies the account's topic on ALARM and on OK.
import type { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { LOADER_METRICS_NAMESPACE, type LoaderMetricName } from "@kr/contract";
import { Construct } from "constructs";
import { RUNBOOK, routedAlarm } from "./alarm";

export interface LoaderAlarmsProps {
  /** KR_PROJECT: the `Project` dimension of the loader's metrics and the alarm name prefix. */
  readonly project: string;
  readonly streams: readonly string[];
  /** Literal function name (dimension values must be known at synth). */
  readonly functionName: string;
  readonly timeoutSeconds: number;
  /** Literal name of the queue failed scheduled runs go to. */
  readonly failureQueueName: string;
  readonly topicArn: string;
  readonly lagMinutes: number;
  readonly rejectedRecords: number;
  readonly durationPercent: number;
  readonly runbookUrl: string;
}

/** Period and count of the "not running" alarm: ceil(lag) in 5-minute steps up to an hour, then hours. */
export function notRunningWindow(lagMinutes: number): { period: number; evaluationPeriods: number } {
  const period = lagMinutes <= 60 ? 300 : 3600;
  return { period, evaluationPeriods: Math.ceil((lagMinutes * 60) / period) };
}

export class LoaderAlarms extends Construct {
  /** Every alarm, by name. */
  readonly alarms: Readonly<Record<string, CloudwatchMetricAlarm>>;

  constructor(scope: Construct, id: string, props: LoaderAlarmsProps) {
    super(scope, id);
    const alarms: Record<string, CloudwatchMetricAlarm> = {};
    const common = { topicArn: props.topicArn, runbookUrl: props.runbookUrl };
    const fn = props.functionName;
    const lambda = { namespace: "AWS/Lambda", dimensions: { FunctionName: fn } };
    const add = (alarm: CloudwatchMetricAlarm, name: string) => {
      alarms[name] = alarm;
    };

    for (const stream of props.streams) {
      const loader = (metricName: LoaderMetricName) => ({
        namespace: LOADER_METRICS_NAMESPACE,
        metricName,
        dimensions: { Project: props.project, Stream: stream },
      });
      const lag = `${props.project}-load-lag-${stream}`;
      add(
        routedAlarm(this, `lag-${stream}`, {
          ...common,
          ...loader("LoadLagSeconds"),
          alarmName: lag,
          what: `${stream}: the oldest file not yet loaded arrived more than ${props.lagMinutes} minutes ago.`,
          action: `run \`make status\` (or \`pnpm run load -- status --stream ${stream}\`) and load what it lists; after an outage the schedule drains the backlog by itself.`,
          section: RUNBOOK.loadLag,
          statistic: "Maximum",
          period: 300,
          evaluationPeriods: 1,
          threshold: props.lagMinutes * 60,
          comparisonOperator: "GreaterThanThreshold",
          // Each run reports once; between runs the last verdict stands (a stopped loader is the
          // not-running alarm's to see).
          treatMissingData: "ignore",
        }),
        lag,
      );
      const rejected = `${props.project}-rejected-${stream}`;
      add(
        routedAlarm(this, `rejected-${stream}`, {
          ...common,
          ...loader("Rejected"),
          alarmName: rejected,
          what: `${stream}: the loader rejected at least ${props.rejectedRecords} record(s) in an hour (skipped, not loaded).`,
          action:
            "find the file, line and reason in the loader's log (load finished → report.rejectedRecords), fix the producer, then re-import the hour if the records can be repaired.",
          section: RUNBOOK.rejected,
          statistic: "Sum",
          period: 3600,
          evaluationPeriods: 1,
          threshold: props.rejectedRecords,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
        }),
        rejected,
      );
      const unreconciled = `${props.project}-unreconciled-${stream}`;
      add(
        routedAlarm(this, `unreconciled-${stream}`, {
          ...common,
          ...loader("UnreconciledHours"),
          alarmName: unreconciled,
          what: `${stream}: an hour's lines in S3 differ from loaded + rejected + duplicates.`,
          action: `run \`pnpm run load -- status --stream ${stream} --from <hour> --to <hour>\` and the command it prints for the gap (often a --reimport).`,
          section: RUNBOOK.unreconciled,
          statistic: "Maximum",
          period: 3600,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
        }),
        unreconciled,
      );
    }

    const notRunning = `${fn}-not-running`;
    add(
      routedAlarm(this, "not-running", {
        ...common,
        ...lambda,
        ...notRunningWindow(props.lagMinutes),
        alarmName: notRunning,
        metricName: "Invocations",
        what: `The loader has not been invoked for ${props.lagMinutes} minutes: nothing is being loaded.`,
        action: "check the schedule rule is enabled and the function exists, then `make load` to catch up.",
        section: RUNBOOK.loaderNotRunning,
        statistic: "Sum",
        threshold: 1,
        comparisonOperator: "LessThanThreshold",
        treatMissingData: "breaching",
      }),
      notRunning,
    );
    const errors = `${fn}-errors`;
    add(
      routedAlarm(this, "errors", {
        ...common,
        ...lambda,
        alarmName: errors,
        metricName: "Errors",
        what: "A loader run failed (its batch rolled back; nothing half-loaded).",
        action: "read the `load failed` log line for the error, fix the cause, then `make load`.",
        section: RUNBOOK.loaderErrors,
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      }),
      errors,
    );
    const throttles = `${fn}-throttles`;
    add(
      routedAlarm(this, "throttles", {
        ...common,
        ...lambda,
        alarmName: throttles,
        metricName: "Throttles",
        what: "Loader invocations were refused for lack of reserved concurrency.",
        action:
          "see who else invokes the loader (a long manual re-import next to the schedule); wait, or raise LOADER_RESERVED_CONCURRENCY.",
        section: RUNBOOK.loaderThrottles,
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      }),
      throttles,
    );
    const duration = `${fn}-duration`;
    const durationMs = Math.round(props.timeoutSeconds * 10 * props.durationPercent);
    add(
      routedAlarm(this, "duration", {
        ...common,
        ...lambda,
        alarmName: duration,
        metricName: "Duration",
        what: `A loader run took ${props.durationPercent}% of its ${props.timeoutSeconds} s timeout: the next one may be killed mid-batch.`,
        action:
          "check the run's batches (BatchSeconds) and the cluster's load; lower LOAD_BATCH_MAX_BYTES or raise LOADER_TIMEOUT_SECONDS.",
        section: RUNBOOK.loaderDuration,
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: durationMs,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
      }),
      duration,
    );
    const queue = `${fn}-failures-queue`;
    add(
      routedAlarm(this, "failures-queue", {
        ...common,
        alarmName: queue,
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: props.failureQueueName },
        what: `Failed scheduled loader runs are waiting in ${props.failureQueueName}.`,
        action: "read the messages for the error, fix it, `make load` to catch up, then purge the queue.",
        section: RUNBOOK.failuresQueue,
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        // SQS stops reporting an idle queue after hours; the last verdict stands until it reports.
        treatMissingData: "ignore",
      }),
      queue,
    );
    this.alarms = alarms;
  }
}
