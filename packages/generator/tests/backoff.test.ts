import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_RETRY } from "../src/backoff";
import { Random } from "../src/random";

describe("retry backoff", () => {
  it("waits a jittered, growing, capped time: uniform in [0, min(max, base·2^(attempt-1)))", () => {
    const policy = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5_000 };
    expect(DEFAULT_RETRY).toEqual(policy);
    const random = new Random(9);
    for (const [attempt, ceiling] of [
      [1, 100],
      [3, 400],
      [6, 3_200],
      [7, 5_000],
      [20, 5_000],
    ] as const) {
      const delays = Array.from({ length: 2_000 }, () => backoffDelay(attempt, policy, random));
      const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
      // Never always 0, and spread over the whole range (full jitter), not stuck at either end.
      expect(delays.filter((d) => d > 0).length).toBeGreaterThan(1_900);
      expect(mean).toBeGreaterThan(ceiling * 0.4);
      expect(mean).toBeLessThan(ceiling * 0.6);
    }
  });
});
