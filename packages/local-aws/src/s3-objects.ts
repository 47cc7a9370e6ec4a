import { promisify } from "node:util";
import { gunzip as gunzipCallback } from "node:zlib";
import { GetObjectCommand, paginateListObjectsV2, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_S3_CREDENTIALS } from "./s3-server";

const gunzip = promisify(gunzipCallback);

/** An S3 client set up the way the local S3 server needs (path-style, its credentials, no extra checksums). */
export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    credentials: LOCAL_S3_CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
}

export interface DeliveredObject {
  key: string;
  /** Stored (GZIP) size. */
  size: number;
  /** The object's content, gunzipped when the key ends in .gz. */
  content: Buffer;
}

/** Every object under `prefix`, in key order, with its content: for tests and the demo's report. */
export async function readDeliveredObjects(
  client: S3Client,
  bucket: string,
  prefix = "",
): Promise<DeliveredObject[]> {
  const objects: DeliveredObject[] = [];
  for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
    for (const entry of page.Contents ?? []) {
      const key = entry.Key as string;
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const raw = Buffer.from(
        await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
      objects.push({ key, size: raw.length, content: key.endsWith(".gz") ? await gunzip(raw) : raw });
    }
  }
  return objects;
}
