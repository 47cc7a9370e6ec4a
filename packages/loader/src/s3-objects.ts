// Listing the partition hours of a stream: one paginated ListObjectsV2 per hour prefix, many at once.
import { paginateListObjectsV2, S3Client } from "@aws-sdk/client-s3";
import { honourProfileEndpoint } from "@kr/aws-clients";
import { hourPrefix } from "@kr/copy-builder";
import type { S3Settings } from "./config";
import { mapLimit } from "./map-limit";

/** GZIP bytes of a set of files (a batch, a plan, what is pending). */
export function totalBytes(files: readonly Pick<PlannedFile, "size">[]): number {
  return files.reduce((n, f) => n + f.size, 0);
}

export interface PlannedFile {
  key: string;
  size: number;
  /** Partition (arrival) hour. */
  hour: Date;
  /** When S3 received the object (the status grid's lag is measured from it). */
  lastModified?: Date;
}

/** An S3 client for the settings: path-style, fixed credentials and lenient checksums for local S3. */
export function createS3Client(settings: Omit<S3Settings, "bucket">, profile = settings.profile): S3Client {
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint && { endpoint: settings.endpoint }),
    forcePathStyle: settings.forcePathStyle,
    // A copy: the SDK annotates the credentials object, and the config is frozen.
    ...(settings.credentials && { credentials: { ...settings.credentials } }),
    ...(profile && { profile }),
    // Local S3 servers do not implement the SDK's default flexible checksums.
    ...(settings.endpoint && {
      requestChecksumCalculation: "WHEN_REQUIRED" as const,
      responseChecksumValidation: "WHEN_REQUIRED" as const,
    }),
  });
  // The profile's endpoint_url (or AWS_ENDPOINT_URL*), as the AWS CLI would use it; S3_ENDPOINT still wins.
  return honourProfileEndpoint(client, profile);
}

/** Every object under each hour prefix, sorted by key. Directory markers are skipped. */
export async function listHourObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  hours: readonly Date[],
  concurrency: number,
): Promise<PlannedFile[]> {
  const perHour = await mapLimit(hours, concurrency, async (hour) => {
    const files: PlannedFile[] = [];
    const pages = paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: hourPrefix(prefix, hour) });
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith("/")) continue;
        files.push({
          key: object.Key,
          size: object.Size ?? 0,
          hour,
          ...(object.LastModified && { lastModified: object.LastModified }),
        });
      }
    }
    return files;
  });
  return perHour.flat().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
