// The Lambda's metrics as CloudWatch Embedded Metric Format documents, pure: reports in, one JSON
// object per stream out. Names, units, namespace and dimensions come from @kr/contract, which
// account B's alarms and dashboard read too. No I/O here: lambda-event.ts prints the lines.
//
// The EMF specification: the root object carries `_aws` {Timestamp (ms since the epoch),
// CloudWatchMetrics: [{Namespace, Dimensions: [[names]], Metrics: [{Name, Unit}]}]}, and every
// dimension and metric named there as a top-level member of the same object.
import {
  LOADER_METRIC_DIMENSIONS,
  LOADER_METRICS,
  LOADER_METRICS_NAMESPACE,
  type LoaderMetricName,
} from "@kr/contract";
import type { LoadReport } from "../report";
import type { StatusReport } from "../status/grid";
import type { VerifyReport } from "../status/reconcile";

export type StreamMetrics = Partial<Record<LoaderMetricName, number>>;

export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: LoaderMetricName; Unit: string }[];
    }[];
  };
  Project: string;
  Stream: string;
  [member: string]: unknown;
}

const METRIC_NAMES = Object.keys(LOADER_METRICS) as LoaderMetricName[];

/** One document for one stream: only the metrics it has values for are declared. */
export function emfDocument(project: string, stream: string, values: StreamMetrics, at: Date): EmfDocument {
  const names = METRIC_NAMES.filter((name) => Number.isFinite(values[name]));
  const document: EmfDocument = {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: LOADER_METRICS_NAMESPACE,
          Dimensions: [[...LOADER_METRIC_DIMENSIONS]],
          Metrics: names.map((name) => ({ Name: name, Unit: LOADER_METRICS[name] })),
        },
      ],
    },
    Project: project,
    Stream: stream,
  };
  for (const name of names) document[name] = values[name];
  return document;
}

/** What one load run did, per stream. */
export function loadMetrics(report: LoadReport): Map<string, StreamMetrics> {
  return new Map(
    report.streams.map((s) => [
      s.stream,
      {
        RowsInserted: s.inserted,
        RowsReplaced: s.replaced,
        DuplicatesDropped: s.duplicatesDropped,
        Rejected: s.rejected,
        BatchSeconds: s.durationMs / 1000,
      },
    ]),
  );
}

/** The backlog after the run, from the status grid: lag from the oldest pending file's arrival. */
export function backlogMetrics(status: StatusReport): Map<string, StreamMetrics> {
  return new Map(
    status.streamSummaries.map((s) => [
      s.stream,
      { LoadLagSeconds: s.lagSeconds, PendingFiles: s.pendingFiles, PendingBytes: s.pendingBytes },
    ]),
  );
}

/** `status --verify` of the hours checked: how many of them do not reconcile, per stream. */
export function reconciliationMetrics(verify: VerifyReport): Map<string, StreamMetrics> {
  return new Map(verify.unreconciled.map((u) => [u.stream, { UnreconciledHours: u.hours.length }]));
}

/** Per stream, the metrics of every source (later sources add to earlier ones). */
export function mergeMetrics(...sources: Map<string, StreamMetrics>[]): Map<string, StreamMetrics> {
  const merged = new Map<string, StreamMetrics>();
  for (const source of sources) {
    for (const [stream, values] of source) merged.set(stream, { ...merged.get(stream), ...values });
  }
  return merged;
}

/** One JSON line per stream with at least one metric, in stream order. */
export function emfLines(project: string, metrics: Map<string, StreamMetrics>, at: Date): string[] {
  return [...metrics]
    .map(([stream, values]) => emfDocument(project, stream, values, at))
    .filter((doc) => (doc._aws.CloudWatchMetrics[0]?.Metrics.length ?? 0) > 0)
    .map((doc) => JSON.stringify(doc));
}
