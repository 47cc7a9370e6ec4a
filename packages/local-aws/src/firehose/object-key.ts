const pad = (value: number) => String(value).padStart(2, "0");

/** Hours since the epoch: buffers never span two of these (see docs/local-aws.md). */
export const epochHour = (date: Date) => Math.floor(date.getTime() / 3_600_000);

/**
 * Firehose's default S3 key for a delivered buffer:
 * `<prefix>YYYY/MM/DD/HH/<stream>-<version>-<YYYY-MM-DD-HH-MM-SS>-<uuid>.gz`, in UTC, where the
 * time is the arrival time of the buffer's first record and the version is the stream's (always 1).
 */
export function firehoseObjectKey(prefix: string, streamName: string, arrival: Date, uuid: string): string {
  const y = arrival.getUTCFullYear();
  const mo = pad(arrival.getUTCMonth() + 1);
  const d = pad(arrival.getUTCDate());
  const h = pad(arrival.getUTCHours());
  const mi = pad(arrival.getUTCMinutes());
  const s = pad(arrival.getUTCSeconds());
  return `${prefix}${y}/${mo}/${d}/${h}/${streamName}-1-${y}-${mo}-${d}-${h}-${mi}-${s}-${uuid}.gz`;
}
