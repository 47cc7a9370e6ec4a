import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { StageSource } from "./types";

/** A StageSource that streams one S3 object (gunzip is decided later, from the key and the bytes). */
export function s3StageSource(
  s3: S3Client,
  bucket: string,
  object: { key: string; size: number },
): StageSource {
  return {
    key: object.key,
    size: object.size,
    async open() {
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.key }));
      if (!response.Body) throw new Error(`s3://${bucket}/${object.key}: empty response body`);
      return response.Body as NodeJS.ReadableStream;
    },
  };
}
