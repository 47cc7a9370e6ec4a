// What each account's dashboard shows. Account B (warehouse): load lag, throughput, pending work,
// rejects, batch time, the Lambda and its failures queue — from the loader's metrics contract in
// @kr/contract. Account A (ingest): Firehose incoming, delivered, freshness, success, throttling.
// Both end with the state of every alarm of the account.
import { LOADER_METRICS_NAMESPACE, type LoaderMetricName } from "@kr/contract";
import { alarmWidget, type MetricLine, metricWidget, textWidget, type Widget } from "./dashboard";

export interface WarehouseWidgetsProps {
  readonly project: string;
  readonly region: string;
  readonly streams: readonly string[];
  readonly functionName: string;
  readonly failureQueueName: string;
  readonly timeoutSeconds: number;
  readonly lagMinutes: number;
  readonly alarmArns: readonly string[];
  readonly runbookUrl: string;
}

export function warehouseWidgets(p: WarehouseWidgetsProps): Widget[] {
  const perStream = (metricName: LoaderMetricName, stat: string, suffix = "", right = false): MetricLine[] =>
    p.streams.map((stream) => ({
      namespace: LOADER_METRICS_NAMESPACE,
      metricName,
      dimensions: { Project: p.project, Stream: stream },
      stat,
      label: `${stream}${suffix}`,
      right,
    }));
  const lambda = (metricName: string, stat: string, right = false): MetricLine => ({
    namespace: "AWS/Lambda",
    metricName,
    dimensions: { FunctionName: p.functionName },
    stat,
    label: metricName,
    right,
  });
  const region = p.region;
  return [
    textWidget(
      `## ${p.project} warehouse — loader\nStatus per hour: \`make status\`. What each alarm means and what to do: [runbook](${p.runbookUrl}).`,
    ),
    metricWidget({
      title: "Load lag (oldest pending file's arrival hour to now)",
      region,
      lines: perStream("LoadLagSeconds", "Maximum"),
      leftLabel: "seconds",
      thresholds: [{ label: `alarm (${p.lagMinutes} min)`, value: p.lagMinutes * 60 }],
    }),
    metricWidget({
      title: "Throughput: rows written per hour",
      region,
      period: 3600,
      lines: [
        ...perStream("RowsInserted", "Sum", " inserted"),
        ...perStream("RowsReplaced", "Sum", " replaced"),
      ],
      leftLabel: "rows",
    }),
    metricWidget({
      title: "Pending work after each run",
      region,
      lines: [
        ...perStream("PendingFiles", "Maximum", " files"),
        ...perStream("PendingBytes", "Maximum", " bytes", true),
      ],
      leftLabel: "files",
      rightLabel: "bytes",
    }),
    metricWidget({
      title: "Rejects, duplicates, unreconciled hours (per hour)",
      region,
      period: 3600,
      lines: [
        ...perStream("Rejected", "Sum", " rejected"),
        ...perStream("DuplicatesDropped", "Sum", " duplicates"),
        ...perStream("UnreconciledHours", "Maximum", " unreconciled hours", true),
      ],
      leftLabel: "records",
      rightLabel: "hours",
    }),
    metricWidget({
      title: "Batch time per run",
      region,
      lines: [
        ...perStream("BatchSeconds", "Maximum", " max"),
        ...perStream("BatchSeconds", "Average", " avg"),
      ],
      leftLabel: "seconds",
    }),
    metricWidget({
      title: "Loader Lambda: invocations, errors, throttles, duration",
      region,
      lines: [
        lambda("Invocations", "Sum"),
        lambda("Errors", "Sum"),
        lambda("Throttles", "Sum"),
        lambda("Duration", "Maximum", true),
      ],
      leftLabel: "count",
      rightLabel: "ms",
      thresholds: [{ label: "timeout", value: p.timeoutSeconds * 1000, yAxis: "right" }],
    }),
    metricWidget({
      title: "Failed scheduled runs waiting",
      region,
      lines: [
        {
          namespace: "AWS/SQS",
          metricName: "ApproximateNumberOfMessagesVisible",
          dimensions: { QueueName: p.failureQueueName },
          stat: "Maximum",
          label: p.failureQueueName,
        },
      ],
      leftLabel: "messages",
    }),
    alarmWidget("Alarms (account B)", p.alarmArns),
  ];
}

export interface IngestWidgetsProps {
  readonly project: string;
  readonly region: string;
  /** Literal delivery stream name per product stream. */
  readonly deliveryStreams: Readonly<Record<string, string>>;
  readonly freshnessMinutes: number;
  readonly alarmArns: readonly string[];
  readonly runbookUrl: string;
}

export function ingestWidgets(p: IngestWidgetsProps): Widget[] {
  const perStream = (metricName: string, stat: string, suffix = "", right = false): MetricLine[] =>
    Object.values(p.deliveryStreams).map((name) => ({
      namespace: "AWS/Firehose",
      metricName,
      dimensions: { DeliveryStreamName: name },
      stat,
      label: `${name}${suffix}`,
      right,
    }));
  const region = p.region;
  return [
    textWidget(
      `## ${p.project} ingest — Firehose to S3\nWhat each alarm means and what to do: [runbook](${p.runbookUrl}).`,
    ),
    metricWidget({
      title: "Incoming records and bytes",
      region,
      lines: [
        ...perStream("IncomingRecords", "Sum", " records"),
        ...perStream("IncomingBytes", "Sum", " bytes", true),
      ],
      leftLabel: "records",
      rightLabel: "bytes",
    }),
    metricWidget({
      title: "Delivered to S3: records and bytes",
      region,
      lines: [
        ...perStream("DeliveryToS3.Records", "Sum", " records"),
        ...perStream("DeliveryToS3.Bytes", "Sum", " bytes", true),
      ],
      leftLabel: "records",
      rightLabel: "bytes",
    }),
    metricWidget({
      title: "Data freshness (oldest record not yet in S3)",
      region,
      lines: perStream("DeliveryToS3.DataFreshness", "Maximum"),
      leftLabel: "seconds",
      thresholds: [{ label: `alarm (${p.freshnessMinutes} min)`, value: p.freshnessMinutes * 60 }],
    }),
    metricWidget({
      title: "S3 delivery success ratio and throttled records",
      region,
      lines: [
        ...perStream("DeliveryToS3.Success", "Average", " success"),
        ...perStream("ThrottledRecords", "Sum", " throttled", true),
      ],
      leftLabel: "ratio",
      rightLabel: "records",
    }),
    alarmWidget("Alarms (account A)", p.alarmArns),
  ];
}
