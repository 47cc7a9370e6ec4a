import type { StageResult } from "./types";

/**
 * More records were rejected than `maxErrors` allows. Staging stopped reading at that record; the
 * COPY (if any) was cancelled, and the caller's transaction must be rolled back.
 */
export class TooManyRejectedRecordsError extends Error {
  readonly result: StageResult;
  constructor(result: StageResult, maxErrors: number) {
    const first = result.rejected[0];
    super(
      `${result.rejectedCount} rejected records exceed maxErrors ${maxErrors}` +
        (first ? ` (first: ${first.key} line ${first.line}: ${first.reason})` : ""),
    );
    this.name = "TooManyRejectedRecordsError";
    this.result = result;
  }
}
