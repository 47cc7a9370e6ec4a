import { firehoseObjectKey as contractKey } from "@kr/contract";

/** Hours since the epoch: buffers never span two of these (see docs/local-aws.md). */
export const epochHour = (date: Date) => Math.floor(date.getTime() / 3_600_000);

/**
 * Firehose's default S3 key for a delivered buffer:
 * `<prefix>YYYY/MM/DD/HH/<stream>-<version>-<YYYY-MM-DD-HH-MM-SS>-<uuid>.gz`, in UTC, where the
 * time is the arrival time of the buffer's first record and the version is the stream's (always 1).
 * The layout itself is @kr/contract's, the one the loader lists by.
 */
export function firehoseObjectKey(prefix: string, streamName: string, arrival: Date, uuid: string): string {
  return contractKey({
    prefix,
    deliveryStream: streamName,
    arrivedAt: arrival,
    uuid,
    version: 1,
    gzip: true,
  });
}
