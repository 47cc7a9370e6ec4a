import type { Random } from "./random";

export interface RetryPolicy {
  /** Attempts per record, the first included; after the last one the record counts as undelivered. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5_000 };

/**
 * Exponential backoff with full jitter (a uniform wait up to base·2^(attempt-1), capped): retries
 * from many workers spread out instead of hitting a throttled stream together.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: Random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random.next() * ceiling);
}

/** Errors worth retrying: throttling, server-side failures, and the network between. */
export function isRetryable(error: unknown): boolean {
  const e = error as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (e?.$retryable) return true;
  if (
    e?.name === "ServiceUnavailableException" ||
    e?.name === "ThrottlingException" ||
    e?.name === "LimitExceededException" ||
    e?.name === "InternalFailure" ||
    e?.name === "TimeoutError"
  ) {
    return true;
  }
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  // No HTTP response at all: the connection failed.
  return ["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENOTFOUND"].includes(
    e?.code ?? "",
  );
}
