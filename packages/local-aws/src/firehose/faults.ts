import { seededRandom } from "./random";

/** Failures the local Firehose injects on purpose, so clients' retry paths can be tested. */
export interface FirehoseFaults {
  /** The next N PutRecord/PutRecordBatch calls fail with ServiceUnavailableException. */
  throttleNextCalls?: number;
  /** Fraction (0–1) of PutRecord/PutRecordBatch calls that fail with ServiceUnavailableException. */
  throttleRate?: number;
  /** Fraction (0–1) of records in a PutRecordBatch that fail (FailedPutCount, per-record ErrorCode). */
  partialFailureRate?: number;
  /** Fraction (0–1) of delivered buffers written twice, as two objects (at-least-once delivery). */
  duplicateRate?: number;
}

export type ActiveFaults = Required<FirehoseFaults>;

const NONE: ActiveFaults = { throttleNextCalls: 0, throttleRate: 0, partialFailureRate: 0, duplicateRate: 0 };

function validate(faults: FirehoseFaults): void {
  const problems: string[] = [];
  for (const key of ["throttleRate", "partialFailureRate", "duplicateRate"] as const) {
    const value = faults[key];
    if (value !== undefined && !(value >= 0 && value <= 1)) problems.push(`${key} must be within 0..1`);
  }
  const next = faults.throttleNextCalls;
  if (next !== undefined && !(Number.isInteger(next) && next >= 0)) {
    problems.push("throttleNextCalls must be a non-negative integer");
  }
  if (problems.length > 0) throw new RangeError(`local Firehose faults: ${problems.join("; ")}`);
}

/** Decides, from one seeded random sequence, which calls, records and buffers fail. */
export class FaultInjector {
  private faults: ActiveFaults = { ...NONE };
  private readonly random: () => number;

  constructor(faults: FirehoseFaults = {}, seed = 1) {
    this.random = seededRandom(seed);
    this.set(faults);
  }

  /** Merges into the active faults (set a field to 0 to turn it off) and returns them. */
  set(faults: FirehoseFaults): ActiveFaults {
    validate(faults);
    const defined = Object.fromEntries(Object.entries(faults).filter(([, value]) => value !== undefined));
    this.faults = { ...this.faults, ...defined };
    return this.current;
  }

  get current(): ActiveFaults {
    return { ...this.faults };
  }

  throttleCall(): boolean {
    if (this.faults.throttleNextCalls > 0) {
      this.faults.throttleNextCalls--;
      return true;
    }
    return this.faults.throttleRate > 0 && this.random() < this.faults.throttleRate;
  }

  failRecord(): boolean {
    return this.faults.partialFailureRate > 0 && this.random() < this.faults.partialFailureRate;
  }

  duplicateBuffer(): boolean {
    return this.faults.duplicateRate > 0 && this.random() < this.faults.duplicateRate;
  }
}
