// A COPY manifest lists every planned object explicitly, so one COPY covers any number of hours and
// loads exactly the files the plan chose (a prefix would also pick up objects that arrived since).
import { validateBucket, validateIdentifier, validateKey } from "./identifiers";

export interface ManifestFile {
  key: string;
  size: number;
}

export interface Manifest {
  entries: { url: string; mandatory: boolean; meta: { content_length: number } }[];
}

/** Manifest JSON for `files` in `bucket`; every entry is mandatory, so a vanished file fails the COPY. */
export function buildManifest(bucket: string, files: readonly ManifestFile[]): Manifest {
  validateBucket(bucket, "source bucket");
  return {
    entries: files.map((file) => ({
      url: `s3://${bucket}/${validateKey(file.key, "S3 key")}`,
      mandatory: true,
      meta: { content_length: file.size },
    })),
  };
}

/** Where a batch's manifest is written in the manifest bucket. */
export function manifestKey(stream: string, batchId: string): string {
  return validateKey(
    `manifests/${validateIdentifier(stream, "stream")}/${batchId}.manifest.json`,
    "manifest key",
  );
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${validateBucket(bucket, "manifest bucket")}/${validateKey(key, "manifest key")}`;
}
