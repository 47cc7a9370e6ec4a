import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import S3rver from "s3rver";

/** Credentials the local S3 server accepts (it checks signatures, so the SDK must sign with these); defined once in @kr/contract. */
export { LOCAL_S3_CREDENTIALS } from "@kr/contract";

export interface LocalS3Options {
  /** Directory the objects are stored in (created if missing). */
  directory: string;
  /** Buckets to create at start (existing ones are kept). */
  buckets: string[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
}

export interface LocalS3 {
  /** http://host:port — pass as `endpoint` with `forcePathStyle: true`. */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** Starts s3rver, a real S3-compatible HTTP server that stores objects on disk. */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({
    address: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://${address.address}:${address.port}`,
    port: address.port,
    close: () => server.close(),
  };
}
