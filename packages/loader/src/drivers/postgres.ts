// PostgreSQL (PGlite locally, a server in CI): the loader itself streams the S3 objects into the
// staging table, with the method the server supports (see ../staging).
import type { S3Client } from "@aws-sdk/client-s3";
import { quoteIdent } from "@kr/copy-builder";
import type pg from "pg";
import { TooManyRejectedError } from "../errors";
import {
  detectStagingMethod,
  type StagingMethod,
  s3StageSource,
  stageObjects,
  TooManyRejectedRecordsError,
} from "../staging/index";
import type { StageOutcome, StageRequest, WarehouseDriver } from "./types";

export interface PostgresDriverOptions {
  s3: S3Client;
  bucket: string;
  /** Objects downloaded and gunzipped ahead of the one being staged. */
  concurrency: number;
  /** Forces a staging method; by default it is detected from the server. */
  method?: StagingMethod;
}

export function createPostgresDriver(options: PostgresDriverOptions): WarehouseDriver {
  const methods = new WeakMap<pg.ClientBase, StagingMethod>();
  const methodFor = async (client: pg.ClientBase): Promise<StagingMethod> => {
    if (options.method) return options.method;
    let method = methods.get(client);
    if (!method) {
      method = await detectStagingMethod(client);
      methods.set(client, method);
    }
    return method;
  };

  return {
    name: "postgres",
    dialect: "postgres",
    streamConcurrency: 4,

    async stage(request: StageRequest): Promise<StageOutcome> {
      const method = await methodFor(request.client);
      const sources = request.files.map((file) => s3StageSource(options.s3, options.bucket, file));
      try {
        const result = await stageObjects(
          request.client,
          { table: quoteIdent(request.staging, "staging table"), columns: [...request.columns] },
          sources,
          {
            maxErrors: request.maxErrors,
            method,
            concurrency: options.concurrency,
            ...(request.onProgress && { onProgress: request.onProgress }),
          },
        );
        return { method, rejectedCount: result.rejectedCount, rejected: result.rejected };
      } catch (error) {
        if (error instanceof TooManyRejectedRecordsError) {
          throw new TooManyRejectedError(
            request.stream,
            error.result.rejectedCount,
            request.maxErrors,
            error.result.rejected,
            error,
          );
        }
        throw error;
      }
    },

    async describeStage(request) {
      const method = await methodFor(request.client);
      const columns = request.columns.map((c) => quoteIdent(c.name, "column")).join(", ");
      const table = quoteIdent(request.staging, "staging table");
      const how =
        method === "copy-from-stdin"
          ? `COPY ${table} (${columns}) FROM STDIN`
          : `INSERT INTO ${table} (${columns}) SELECT ... FROM jsonb_populate_recordset(NULL::${table}, $1) -- batches of rows`;
      return [
        `-- ${method}: ${request.files.length} objects from s3://${options.bucket}, gunzipped and validated by the loader\n${how}`,
      ];
    },
  };
}
