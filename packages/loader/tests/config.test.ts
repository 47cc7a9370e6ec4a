import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LOCAL_S3_CREDENTIALS as LOCAL_AWS_CREDENTIALS } from "@kr/local-aws";
import { describe, expect, it } from "vitest";
import { ConfigError, LOCAL_S3_CREDENTIALS, loadConfig, loadConfigFromEnvironment } from "../src/index";

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
};

describe("local mode (the default)", () => {
  it("runs against the local stand-ins with nothing set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      mode: "local",
      project: "kr",
      streams: ["events", "utm"],
      source: {
        bucket: "kr-events",
        endpoint: "http://127.0.0.1:4569",
        forcePathStyle: true,
        credentials: LOCAL_S3_CREDENTIALS,
      },
      warehouse: {
        dialect: "postgres",
        host: "127.0.0.1",
        port: 5439,
        database: "dev",
        user: "loader",
        password: "",
        schema: "public",
        ssl: false,
      },
      load: {
        maxErrors: 100,
        lookbackHours: 48,
        maxRangeHours: 2160,
        batchMaxBytes: 268_435_456,
        batchMaxFiles: 512,
        timeBudgetSeconds: 0,
        chainMax: 4,
        listConcurrency: 16,
        stageConcurrency: 4,
        dedupeWindowHours: 24,
        staleSessionSeconds: 960,
        workMemMb: 128,
        statementTimeoutSeconds: 0,
      },
    });
    expect(config.warehouse.applicationName).toBe("kr-loader:kr");
  });

  it("signs local S3 requests with the credentials the local S3 server accepts", () => {
    expect(LOCAL_S3_CREDENTIALS).toEqual(LOCAL_AWS_CREDENTIALS);
  });

  it("is local whenever S3_ENDPOINT is set, and treats empty values as unset", () => {
    expect(loadConfig({ S3_ENDPOINT: "http://127.0.0.1:9000", RS_HOST: "db.internal" }).mode).toBe("local");
    expect(loadConfig({ RS_PORT: "", KR_STREAMS: " " }).warehouse.port).toBe(5439);
  });

  it("is frozen all the way down", () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.source.credentials)).toBe(true);
    expect(Object.isFrozen(config.streams)).toBe(true);
  });
});

describe("AWS mode", () => {
  const aws = {
    KR_MODE: "aws",
    ACCOUNT_A_ID: "111111111111",
    ACCOUNT_B_ID: "222222222222",
    RS_HOST: "kr.abc.eu-west-1.redshift.amazonaws.com",
  };

  it("derives the bucket names from the project and accounts, and loads Redshift over TLS", () => {
    const config = loadConfig({
      ...aws,
      ACCOUNT_A_PROFILE: "kr-ingest",
      ACCOUNT_B_PROFILE: "kr-warehouse",
      S3_ENDPOINT: "",
    });
    expect(config).toMatchObject({
      mode: "aws",
      source: { bucket: "kr-events-111111111111", forcePathStyle: false, profile: "kr-ingest" },
      warehouse: { dialect: "redshift", ssl: true },
      aws: {
        manifestBucket: "kr-manifests-222222222222",
        functionName: "kr-loader",
        copyRoles: "default",
        profileB: "kr-warehouse",
      },
    });
    expect(config.source.endpoint).toBeUndefined();
    expect(config.source.credentials).toBeUndefined();
    expect(config.warehouse.password).toBeUndefined();
  });

  it("is inferred when the warehouse is remote and no local endpoint is set", () => {
    expect(loadConfig({ ...aws, KR_MODE: "" }).mode).toBe("aws");
  });

  it("takes an explicit COPY role, manifest bucket and function name", () => {
    const config = loadConfig({
      ...aws,
      LOAD_COPY_ROLE_ARN: "arn:aws:iam::222222222222:role/kr-copy",
      LOAD_MANIFEST_BUCKET: "my-manifests",
      LOAD_FUNCTION_NAME: "other-loader",
    });
    expect(config.aws).toMatchObject({
      copyRoles: ["arn:aws:iam::222222222222:role/kr-copy"],
      manifestBucket: "my-manifests",
      functionName: "other-loader",
    });
  });

  it("names what AWS mode needs", () => {
    expect(problems({ KR_MODE: "aws" })).toEqual([
      "ACCOUNT_A_ID is required in aws mode: the events bucket is <KR_PROJECT>-events-<ACCOUNT_A_ID>",
      "LOAD_MANIFEST_BUCKET (or ACCOUNT_B_ID) is required in aws mode: COPY manifests are written there",
    ]);
  });
});

describe("validation", () => {
  it("reports every bad setting at once, naming each, without echoing secrets", () => {
    const list = problems({
      KR_MODE: "cloud",
      KR_STREAMS: "events,Events",
      RS_PORT: "54x",
      RS_SCHEMA: "public; drop",
      S3_BUCKET: "Bad_Bucket",
      S3_ENDPOINT: "localhost:4569",
      LOAD_MAX_ERRORS: "100000",
      LOAD_BATCH_MAX_FILES: "0",
      LOAD_COPY_ROLE_ARN: "arn:aws:iam::1:role/x",
      AWS_REGION: "Europe",
      RS_SECRET_ARN: "my-secret",
    });
    expect(list).toEqual([
      'KR_MODE must be "local" or "aws" (got "cloud")',
      'KR_STREAMS must be comma-separated stream names (lowercase letters, digits and _, starting with a letter; at most 40 characters each) (got "events,Events")',
      'AWS_REGION must be an AWS region like eu-west-1 (got "Europe")',
      'S3_BUCKET must be an S3 bucket name (3-63 of a-z 0-9 . -) (got "Bad_Bucket")',
      'S3_ENDPOINT must be an http(s) URL like http://127.0.0.1:4569 (got "localhost:4569")',
      'RS_PORT must be a whole number from 0 to 65535 (got "54x")',
      'RS_SCHEMA must be a lowercase identifier (a-z, 0-9, _; at most 63 characters) (got "public; drop")',
      'RS_SECRET_ARN must be a Secrets Manager secret ARN (got "my-secret")',
      'LOAD_MAX_ERRORS must be at most 99999 (got "100000")',
      'LOAD_BATCH_MAX_FILES must be at least 1 (got "0")',
      'LOAD_COPY_ROLE_ARN must be an IAM role ARN (arn:aws:iam::<account>:role/<name>) (got "arn:aws:iam::1:role/x")',
    ]);
    expect(problems({ AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "", RS_PASSWORD: "" })).toEqual([
      "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together",
    ]);
    const error = new ConfigError(["a", "b"]);
    expect(error.message).toBe("2 settings are wrong:\n  a\n  b");
    expect(error.exitCode).toBe(2);
  });

  it("reads the batch limits, the time budget and the chain length", () => {
    expect(
      loadConfig({
        LOAD_BATCH_MAX_BYTES: "1048576",
        LOAD_BATCH_MAX_FILES: "8",
        LOAD_TIME_BUDGET_SECONDS: "5",
        LOAD_CHAIN_MAX: "0",
      }).load,
    ).toMatchObject({ batchMaxBytes: 1_048_576, batchMaxFiles: 8, timeBudgetSeconds: 5, chainMax: 0 });
    // A budget may be a fraction of a second.
    expect(loadConfig({ LOAD_TIME_BUDGET_SECONDS: "2.5" }).load.timeBudgetSeconds).toBe(2.5);
    expect(
      problems({ LOAD_BATCH_MAX_BYTES: "1000", LOAD_TIME_BUDGET_SECONDS: "-1", LOAD_CHAIN_MAX: "x" }),
    ).toEqual([
      'LOAD_BATCH_MAX_BYTES must be at least 1048576 (got "1000")',
      'LOAD_TIME_BUDGET_SECONDS must be at least 0 (got "-1")',
      expect.stringMatching(/^LOAD_CHAIN_MAX must be/),
    ]);
    expect(problems({ LOAD_TIME_BUDGET_SECONDS: "five" })).toEqual([
      'LOAD_TIME_BUDGET_SECONDS must be a number (got "five")',
    ]);
  });

  it("names a removed setting and what replaced it, with the other problems", () => {
    const replaced =
      "LOAD_CHUNK_HOURS is no longer supported: batches are now cut by bytes and files (LOAD_BATCH_MAX_BYTES, LOAD_BATCH_MAX_FILES) and a run stops at its time budget; remove it from .env";
    expect(problems({ LOAD_CHUNK_HOURS: "12" })).toEqual([replaced]);
    // A role chain was documented but never wired in the stacks: the old name says what to do.
    expect(
      problems({ LOAD_COPY_ROLE_ARNS: "arn:aws:iam::222222222222:role/a,arn:aws:iam::111111111111:role/b" }),
    ).toEqual([
      "LOAD_COPY_ROLE_ARNS is no longer supported: COPY runs with one role, LOAD_COPY_ROLE_ARN (account B's COPY role, which account A's bucket policy trusts directly); role chaining was never wired in the stacks. Rename it, with a single ARN",
    ]);
    expect(problems({ LOAD_CHUNK_HOURS: "12", RS_PORT: "x" })).toEqual([
      replaced,
      'RS_PORT must be a whole number from 0 to 65535 (got "x")',
    ]);
  });

  it("rejects repeated streams and a look-back longer than the range cap", () => {
    expect(problems({ KR_STREAMS: "events,events" })).toEqual([
      'KR_STREAMS must not repeat a stream (got "events,events")',
    ]);
    expect(problems({ LOAD_LOOKBACK_HOURS: "72", LOAD_MAX_RANGE_HOURS: "48" })).toEqual([
      "LOAD_LOOKBACK_HOURS (72) must not exceed LOAD_MAX_RANGE_HOURS (48)",
    ]);
  });
});

describe("merge and session settings", () => {
  it("reads the dedupe window, stale-session age, work_mem and statement timeout; tags sessions per project", () => {
    const config = loadConfig({
      KR_PROJECT: "shop",
      LOAD_DEDUPE_WINDOW_HOURS: "0",
      LOAD_STALE_SESSION_SECONDS: "0",
      LOAD_WORK_MEM_MB: "256",
      LOAD_STATEMENT_TIMEOUT_SECONDS: "600",
    });
    expect(config.load).toMatchObject({
      dedupeWindowHours: 0,
      staleSessionSeconds: 0,
      workMemMb: 256,
      statementTimeoutSeconds: 600,
    });
    expect(config.warehouse.applicationName).toBe("kr-loader:shop");
  });

  it("rejects values out of range, naming each", () => {
    expect(
      problems({
        LOAD_DEDUPE_WINDOW_HOURS: "169",
        LOAD_STALE_SESSION_SECONDS: "-1",
        LOAD_WORK_MEM_MB: "0",
        LOAD_STATEMENT_TIMEOUT_SECONDS: "1.5",
      }),
    ).toEqual([
      'LOAD_DEDUPE_WINDOW_HOURS must be at most 168 (got "169")',
      'LOAD_STALE_SESSION_SECONDS must be a whole number from 0 to 604800 (got "-1")',
      'LOAD_WORK_MEM_MB must be at least 1 (got "0")',
      'LOAD_STATEMENT_TIMEOUT_SECONDS must be a whole number from 0 to 604800 (got "1.5")',
    ]);
  });
});

describe("reading .env", () => {
  it("reads ./.env under the process environment (the environment wins)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kr-env-"));
    const file = join(dir, ".env");
    await writeFile(file, "KR_STREAMS=events,utm,clicks\nLOAD_BATCH_MAX_FILES=6\nLOAD_LIST_CONCURRENCY=3\n");
    process.env.LOAD_LIST_CONCURRENCY = "5";
    try {
      const config = loadConfigFromEnvironment({ envFile: file });
      expect(config.streams).toEqual(["events", "utm", "clicks"]);
      expect(config.load.batchMaxFiles).toBe(6);
      expect(config.load.listConcurrency).toBe(5);
    } finally {
      for (const key of ["KR_STREAMS", "LOAD_BATCH_MAX_FILES", "LOAD_LIST_CONCURRENCY"])
        delete process.env[key];
      await rm(dir, { recursive: true, force: true });
    }
  });
});
