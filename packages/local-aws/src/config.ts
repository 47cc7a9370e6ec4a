import { existsSync } from "node:fs";
import {
  deepFreeze,
  LOCAL_FIREHOSE_ENDPOINT,
  LOCAL_S3_ENDPOINT,
  readSettings,
  type SettingName,
  SettingsError,
  type SettingValues,
  settingProblem,
} from "@kr/contract";
import { ConfigError } from "./errors";

/**
 * The settings `make local-up` needs, from `.env` and the environment, validated at once.
 * The only module of this package that reads process.env.
 */
export interface LocalStackConfig {
  project: string;
  streams: string[];
  bucket: string;
  s3: { host: string; port: number; endpoint: string };
  firehose: {
    host: string;
    port: number;
    endpoint: string;
    bufferSizeMb: number;
    bufferIntervalSeconds: number;
    faults: { throttleRate: number; partialFailureRate: number; duplicateRate: number };
    seed: number;
  };
  warehouse: { host: string; port: number; database: string; user: string };
}

export type Env = Record<string, string | undefined>;

/** Every setting `make local-up` reads (definitions in @kr/contract). */
export const LOCAL_STACK_SETTINGS = [
  "KR_PROJECT",
  "KR_STREAMS",
  "S3_BUCKET",
  "S3_ENDPOINT",
  "FIREHOSE_ENDPOINT",
  "FIREHOSE_BUFFER_SIZE_MB",
  "FIREHOSE_BUFFER_INTERVAL_SECONDS",
  "LOCAL_FIREHOSE_THROTTLE_RATE",
  "LOCAL_FIREHOSE_PARTIAL_FAILURE_RATE",
  "LOCAL_FIREHOSE_DUPLICATE_RATE",
  "LOCAL_FIREHOSE_SEED",
  "RS_HOST",
  "RS_PORT",
  "RS_DATABASE",
  "RS_USER",
] as const satisfies readonly SettingName[];

/** The stand-ins listen where their endpoint says: it needs an explicit http port. */
function listenAddress(name: "S3_ENDPOINT" | "FIREHOSE_ENDPOINT", value: string, problems: string[]) {
  const url = new URL(value);
  if (url.protocol !== "http:" || !url.port) {
    problems.push(settingProblem(name, "must be http://host:port for a local stand-in", value));
  }
  return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port), endpoint: url.origin };
}

/** Reads `.env` in the current directory into process.env when present (existing variables win). */
function loadDotEnv(path: string): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/**
 * Parses the settings; throws one ConfigError naming every bad setting. `env` defaults to the
 * process environment after loading `./.env`; tests pass their own.
 */
export function loadLocalStackConfig(env?: Env): Readonly<LocalStackConfig> {
  let source = env;
  if (!source) {
    loadDotEnv(".env");
    source = process.env;
  }
  const endpoints = (s: { S3_ENDPOINT?: string | undefined; FIREHOSE_ENDPOINT?: string | undefined }) => {
    const problems: string[] = [];
    const s3 = listenAddress("S3_ENDPOINT", s.S3_ENDPOINT ?? LOCAL_S3_ENDPOINT, problems);
    const firehose = listenAddress(
      "FIREHOSE_ENDPOINT",
      s.FIREHOSE_ENDPOINT ?? LOCAL_FIREHOSE_ENDPOINT,
      problems,
    );
    return { s3, firehose, problems };
  };
  let s: SettingValues<(typeof LOCAL_STACK_SETTINGS)[number]>;
  try {
    s = readSettings(source, LOCAL_STACK_SETTINGS, (values) => endpoints(values).problems);
  } catch (error) {
    if (error instanceof SettingsError) throw new ConfigError(error.message);
    throw error;
  }
  const { s3, firehose } = endpoints(s);
  return deepFreeze({
    project: s.KR_PROJECT,
    streams: [...s.KR_STREAMS],
    bucket: s.S3_BUCKET,
    s3,
    firehose: {
      ...firehose,
      bufferSizeMb: s.FIREHOSE_BUFFER_SIZE_MB,
      bufferIntervalSeconds: s.FIREHOSE_BUFFER_INTERVAL_SECONDS,
      faults: {
        throttleRate: s.LOCAL_FIREHOSE_THROTTLE_RATE,
        partialFailureRate: s.LOCAL_FIREHOSE_PARTIAL_FAILURE_RATE,
        duplicateRate: s.LOCAL_FIREHOSE_DUPLICATE_RATE,
      },
      seed: s.LOCAL_FIREHOSE_SEED,
    },
    warehouse: { host: s.RS_HOST, port: s.RS_PORT, database: s.RS_DATABASE, user: s.RS_USER },
  });
}
