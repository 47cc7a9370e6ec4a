import { describe, expect, it } from "vitest";
import { FaultInjector } from "../src/firehose/faults";

describe("fault injection", () => {
  it("makes the same decisions for the same seed, and others for another seed", () => {
    const decisions = (seed: number) => {
      const faults = new FaultInjector(
        { throttleRate: 0.2, partialFailureRate: 0.1, duplicateRate: 0.5 },
        seed,
      );
      return Array.from({ length: 200 }, () => [
        faults.throttleCall(),
        faults.failRecord(),
        faults.duplicateBuffer(),
      ]);
    };
    expect(decisions(42)).toEqual(decisions(42));
    expect(decisions(42)).not.toEqual(decisions(43));
  });

  it("throttles exactly the next N calls before the rate applies", () => {
    const faults = new FaultInjector({ throttleNextCalls: 3 });
    expect(Array.from({ length: 5 }, () => faults.throttleCall())).toEqual([true, true, true, false, false]);
  });

  it("merges settings, so one fault can change without clearing the others", () => {
    const faults = new FaultInjector({ duplicateRate: 0.5 });
    expect(faults.set({ throttleNextCalls: 2 })).toEqual({
      throttleNextCalls: 2,
      throttleRate: 0,
      partialFailureRate: 0,
      duplicateRate: 0.5,
    });
  });
});
