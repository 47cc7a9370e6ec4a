// The loader's metrics contract: the Lambda writes these in CloudWatch Embedded Metric Format on
// its JSON log lines, and account B's alarms and dashboard read them. One definition, so the two
// cannot drift.

/** CloudWatch namespace of every loader metric. */
export const LOADER_METRICS_NAMESPACE = "KinesisRedshift/Loader";

/** Dimensions of every loader metric: the project (KR_PROJECT) and the stream. */
export const LOADER_METRIC_DIMENSIONS = ["Project", "Stream"] as const;

/** Each metric the loader emits per stream per run, with its CloudWatch unit. */
export const LOADER_METRICS = {
  /** now − arrival hour of the oldest pending file (0 when nothing is pending). */
  LoadLagSeconds: "Seconds",
  PendingFiles: "Count",
  PendingBytes: "Bytes",
  RowsInserted: "Count",
  RowsReplaced: "Count",
  DuplicatesDropped: "Count",
  Rejected: "Count",
  /** Wall time of the run's batches for the stream. */
  BatchSeconds: "Seconds",
  /** Hours whose S3 lines ≠ loaded + rejected + duplicates (the scheduled run checks the previous hour). */
  UnreconciledHours: "Count",
} as const;

export type LoaderMetricName = keyof typeof LOADER_METRICS;
export type LoaderMetricUnit = (typeof LOADER_METRICS)[LoaderMetricName];
