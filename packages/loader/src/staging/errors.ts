import type { StageResult } from "./types";

/**
 * More records were rejected than `maxErrors` allows. Staging stopped reading at that record; the
 * COPY (if any) was cancelled, and the caller's transaction must be rolled back.
 */
export class TooManyRejectedRecordsError extends Error {
  readonly result: StageResult;
  constructor(result: StageResult, maxErrors: number) {
    const last = result.rejected[result.rejected.length - 1];
    super(
      `${result.rejectedCount} rejected records exceed maxErrors ${maxErrors}` +
        (last ? ` (last: ${last.key} line ${last.line}: ${last.reason})` : ""),
    );
    this.name = "TooManyRejectedRecordsError";
    this.result = result;
  }
}
