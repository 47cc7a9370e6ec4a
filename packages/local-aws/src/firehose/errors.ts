/**
 * An error the API answers with: `type` is the Firehose exception name the SDK maps to its error
 * class (from `__type` in the body and the x-amzn-ErrorType header), `status` the HTTP status the
 * service model gives it.
 */
export class FirehoseApiError extends Error {
  constructor(
    readonly type: FirehoseErrorType,
    message: string,
    readonly status = type === "ServiceUnavailableException" ? 503 : 400,
  ) {
    super(message);
    this.name = type;
  }
}

export type FirehoseErrorType =
  | "InvalidArgumentException"
  | "ResourceNotFoundException"
  | "ServiceUnavailableException"
  | "SerializationException"
  | "UnknownOperationException"
  | "InternalFailure";

export const notFound = (name: string) =>
  new FirehoseApiError("ResourceNotFoundException", `Firehose ${name} under account 000000000000 not found.`);

export const invalidArgument = (message: string) => new FirehoseApiError("InvalidArgumentException", message);

export const slowDown = () => new FirehoseApiError("ServiceUnavailableException", "Slow down.");
