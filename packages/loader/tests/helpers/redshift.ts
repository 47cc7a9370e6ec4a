// No Redshift is reachable here: the Redshift driver's whole statement sequence runs against
// PostgreSQL with only its COPY step swapped for the PostgreSQL stage step (and the staging table's
// DISTKEY clause left out).
import {
  createPostgresDriver,
  createRedshiftDriver,
  type LoadRequest,
  runLoad,
  type StageRequest,
} from "../../src/index";
import { BUCKET, MANIFEST_BUCKET, type TestStack } from "./stack";

export const ROLES = [
  "arn:aws:iam::222222222222:role/kr-copy",
  "arn:aws:iam::111111111111:role/kr-events-reader",
];

const REDSHIFT_DISTRIBUTION = /\nDISTSTYLE KEY\nDISTKEY \("[a-z_0-9]+"\)$/;

type Connect = () => Promise<{ query: unknown }>;

/**
 * Wraps a connection factory so the staging table's Redshift-only distribution clause — the one part
 * of the sequence PostgreSQL cannot run — is seen (`onStatement`) as Redshift gets it and run without it.
 */
export function runningRedshiftDdl<C extends Connect>(
  connect: C,
  onStatement: (text: string) => void = () => {},
): C {
  return (async () => {
    const client = await connect();
    const query = (client.query as (...args: unknown[]) => unknown).bind(client);
    client.query = (...args: unknown[]) => {
      const [first] = args;
      const text = typeof first === "string" ? first : (first as { text?: string }).text;
      if (text) onStatement(text);
      if (typeof first === "string" && REDSHIFT_DISTRIBUTION.test(first))
        return query(first.replace(REDSHIFT_DISTRIBUTION, ""), ...args.slice(1));
      return query(...args);
    };
    return client;
  }) as C;
}

/** Runs a load with the Redshift driver; records every statement except those of the swapped COPY step. */
export async function redshiftLoad(
  stack: TestStack,
  request: LoadRequest,
  overrides: Record<string, string> = {},
) {
  const config = stack.config(overrides);
  const deps = stack.deps(config);
  const postgres = createPostgresDriver({ s3: deps.s3, bucket: BUCKET, concurrency: 2 });
  const statements: string[] = [];
  const copies: { sql: string; keys: string[] }[] = [];
  let inCopy = false;
  const driver = createRedshiftDriver({
    manifestS3: stack.s3Client,
    manifestBucket: MANIFEST_BUCKET,
    sourceBucket: BUCKET,
    iamRoles: ROLES,
    region: "eu-west-1",
    copyStep: async (stageRequest: StageRequest, sql: string) => {
      copies.push({ sql, keys: stageRequest.files.map((f) => f.key) });
      statements.push("<COPY>");
      inCopy = true;
      try {
        return await postgres.stage(stageRequest);
      } finally {
        inCopy = false;
      }
    },
  });
  const connect = runningRedshiftDdl(deps.connect, (text) => {
    if (!inCopy) statements.push(text);
  });
  try {
    const report = await runLoad(config, request, { ...deps, driver, connect, onProgress: () => {} });
    return { report, statements, copies };
  } finally {
    deps.close();
  }
}
