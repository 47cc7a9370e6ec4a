// Test data written to S3 as Firehose would (gzipped JSON lines under <stream>/YYYY/MM/DD/HH/). The
// records come from @kr/test-utils (the generator's events, shaped to the table specs); nothing is
// committed as a blob.
import { gzipSync } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { firehoseObjectKey, streamPrefix } from "@kr/copy-builder";
import { makeRecords, type TestRecord } from "@kr/test-utils";

/** Firehose's record format: each JSON object followed by \n. Strings are written as raw lines. */
export function jsonLines(lines: readonly (TestRecord | string)[]): string {
  return `${lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n")}\n`;
}

let objectCounter = 0;

/** Writes one gzipped object where Firehose would, returning its key and size. */
export async function putObject(
  s3: S3Client,
  bucket: string,
  stream: string,
  hour: Date,
  lines: readonly (TestRecord | string)[],
  options: { minute?: number; gzip?: boolean } = {},
): Promise<{ key: string; size: number }> {
  objectCounter++;
  const arrivedAt = new Date(hour.getTime() + (options.minute ?? objectCounter % 60) * 60_000);
  const key = firehoseObjectKey({
    prefix: streamPrefix(stream),
    deliveryStream: `kr-${stream}`,
    arrivedAt,
    uuid: `00000000-0000-4000-8000-${String(objectCounter).padStart(12, "0")}`,
    gzip: options.gzip ?? true,
  });
  const text = jsonLines(lines);
  const body = options.gzip === false ? Buffer.from(text) : gzipSync(text);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return { key, size: body.length };
}

export const hourAt = (iso: string) => new Date(`${iso}:00:00.000Z`);

export interface Dataset {
  /** Every distinct event id per stream. */
  ids: Record<string, Set<string>>;
  keys: string[];
}

/**
 * `filesPerHour` objects of `perFile` records for each stream and hour. Seeds derive from stream,
 * hour and file index, so the same call always writes the same events.
 */
export async function writeDataset(
  s3: S3Client,
  bucket: string,
  streams: readonly string[],
  hours: readonly Date[],
  options: { filesPerHour: number; perFile: number; seed: number },
): Promise<Dataset> {
  const ids: Record<string, Set<string>> = {};
  const keys: string[] = [];
  for (const [s, stream] of streams.entries()) {
    ids[stream] = new Set();
    for (const [h, hour] of hours.entries()) {
      for (let f = 0; f < options.filesPerHour; f++) {
        const records = makeRecords(
          stream,
          hour,
          options.perFile,
          options.seed * 1_000_003 + s * 10_007 + h * 101 + f,
        );
        for (const r of records) ids[stream]?.add(r.event_id);
        keys.push((await putObject(s3, bucket, stream, hour, records, { minute: 5 + f * 7 })).key);
      }
    }
  }
  return { ids, keys };
}
