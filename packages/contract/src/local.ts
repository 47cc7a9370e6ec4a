// The local stand-ins' fixed facts, shared by the stand-ins themselves and by their clients.

/**
 * What the local S3 server (s3rver) accepts; clients of the local S3 sign with these. Not frozen: the
 * AWS SDK tags the credentials object it is given (a frozen one makes every request throw).
 */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;
export const LOCAL_S3_ENDPOINT = "http://127.0.0.1:4569";
export const LOCAL_FIREHOSE_ENDPOINT = "http://127.0.0.1:4573";

/** True for an unset host or a loopback address: the warehouse runs on this machine. */
export function isLoopbackHost(host: string | undefined): boolean {
  return host === undefined || /^(localhost|127\.\d+\.\d+\.\d+|::1)$/.test(host);
}
