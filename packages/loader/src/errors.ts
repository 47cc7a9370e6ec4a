// Errors that carry their exit code: the CLI maps them to a code and a one-line message, the Lambda
// logs them as structured JSON. Anything else is a bug or an outage and exits 1.
import type { LoadReport } from "./report";
import type { RejectedRecord } from "./staging/index";

export abstract class LoaderError extends Error {
  abstract readonly exitCode: 1 | 2;
}

/** The command line or the request is wrong (bad flag, bad hour, unknown stream). Exit 2. */
export class UsageError extends LoaderError {
  override readonly name = "UsageError";
  readonly exitCode = 2;
}

/** A setting is missing or invalid, or the warehouse is not set up. Exit 2. */
export class ConfigError extends LoaderError {
  override readonly name = "ConfigError";
  readonly exitCode = 2;
  readonly problems: readonly string[];
  constructor(problems: string | readonly string[]) {
    const list = typeof problems === "string" ? [problems] : problems;
    super(list.length === 1 ? (list[0] ?? "") : `${list.length} settings are wrong:\n  ${list.join("\n  ")}`);
    this.problems = list;
  }
}

/** A load did not complete; its batch rolled back, so the warehouse is as before. Exit 1. */
export class LoadFailedError extends LoaderError {
  override readonly name: string = "LoadFailedError";
  readonly exitCode = 1;
  /** What was loaded before the failure (other streams or earlier chunks), when known. */
  report?: LoadReport;
  constructor(message: string, options?: { cause?: unknown; report?: LoadReport }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.report) this.report = options.report;
  }
}

/** More bad records than LOAD_MAX_ERRORS: the batch rolled back. */
export class TooManyRejectedError extends LoadFailedError {
  override readonly name = "TooManyRejectedError";
  constructor(
    readonly stream: string,
    public rejectedCount: number,
    readonly maxErrors: number,
    public rejected: RejectedRecord[],
    cause?: unknown,
  ) {
    super(
      `${stream}: ${rejectedCount > maxErrors ? rejectedCount : `more than ${maxErrors}`} rejected records exceed LOAD_MAX_ERRORS=${maxErrors}; ` +
        "the batch rolled back — fix or remove the bad files (see the rejected records), or raise LOAD_MAX_ERRORS",
      { cause },
    );
  }
}

export function exitCodeOf(error: unknown): 1 | 2 {
  return error instanceof LoaderError ? error.exitCode : 1;
}

/** The shape errors take in JSON (Lambda logs and responses, --json). */
export interface ErrorInfo {
  type: string;
  message: string;
  exitCode: 1 | 2;
}

export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error)
    return { type: error.name, message: error.message, exitCode: exitCodeOf(error) };
  return { type: "Error", message: String(error), exitCode: 1 };
}
