import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { FirehoseApiError } from "./errors";
import { type FirehoseBackend, OPERATIONS } from "./operations";

const TARGET_PREFIX = "Firehose_20150804.";
const CONTENT_TYPE = "application/x-amz-json-1.1";
/** Largest request body read: a full 4 MiB batch is ~5.6 MB once base64-encoded in JSON. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const payload = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    "content-type": CONTENT_TYPE,
    "content-length": Buffer.byteLength(payload),
    "x-amzn-requestid": randomUUID(),
  };
  if (errorType) headers["x-amzn-errortype"] = errorType;
  res.writeHead(status, headers);
  res.end(payload);
}

function sendError(res: ServerResponse, error: FirehoseApiError): void {
  send(res, error.status, { __type: error.type, message: error.message }, error.type);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(length > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks, length)));
    req.on("error", reject);
  });
}

/**
 * The Firehose JSON 1.1 protocol: `POST /` with `X-Amz-Target: Firehose_20150804.<Operation>` and a
 * JSON body. Any SigV4 signature is accepted (there are no local credentials to check it against).
 */
export function firehoseHandler(backend: FirehoseBackend) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const target = String(req.headers["x-amz-target"] ?? "");
      const body = await readBody(req);
      if (req.method !== "POST" || !target.startsWith(TARGET_PREFIX)) {
        throw new FirehoseApiError(
          "UnknownOperationException",
          `Expected POST with X-Amz-Target ${TARGET_PREFIX}*`,
        );
      }
      const operation = OPERATIONS[target.slice(TARGET_PREFIX.length)];
      if (!operation) throw new FirehoseApiError("UnknownOperationException", `Unknown operation ${target}`);
      if (!body) throw new FirehoseApiError("SerializationException", "Request body too large.", 413);
      let input: unknown;
      try {
        input = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
      } catch {
        throw new FirehoseApiError("SerializationException", "Request body is not valid JSON.");
      }
      if (typeof input !== "object" || input === null || Array.isArray(input)) {
        throw new FirehoseApiError("SerializationException", "Request body must be a JSON object.");
      }
      send(res, 200, operation(input as Record<string, unknown>, backend));
    } catch (error) {
      if (error instanceof FirehoseApiError) sendError(res, error);
      else sendError(res, new FirehoseApiError("InternalFailure", String(error), 500));
    }
  };
}
