/** Median of the samples (mean of the middle two for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new Error("median of no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Milliseconds since an arbitrary origin, high resolution. */
export const now = (): number => performance.now();

/** Runs `fn` and returns its result with the elapsed seconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const start = now();
  const result = await fn();
  return { result, seconds: (now() - start) / 1000 };
}

export const round = (value: number, digits = 3): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
