import { existsSync } from "node:fs";
import { z } from "zod";
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

type Env = Record<string, string | undefined>;

const localEndpoint = (name: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      if (value === "") {
        ctx.addIssue({
          code: "custom",
          message: `is empty (real AWS); local-up needs a local URL such as ${fallback}`,
        });
        return z.NEVER;
      }
      const url = URL.canParse(value) ? new URL(value) : undefined;
      if (url?.protocol !== "http:" || !url.port) {
        ctx.addIssue({
          code: "custom",
          message: `must be http://host:port, e.g. ${fallback} (got "${value}")`,
        });
        return z.NEVER;
      }
      return { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port), endpoint: url.origin };
    })
    .describe(name);

const numeric = z.number({
  error: (issue) => (issue.code === "invalid_type" ? "must be a number" : undefined),
});

const number = (fallback: number, min: number, max: number, integer = false) =>
  z
    .string()
    .default(String(fallback))
    .transform((value) => (value.trim() === "" ? fallback : Number(value)))
    .pipe(integer ? numeric.int("must be a whole number").min(min).max(max) : numeric.min(min).max(max));

const schema = z.object({
  KR_PROJECT: z
    .string()
    .default("kr")
    .pipe(z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be lower-case letters, digits and '-' (max 31)")),
  KR_STREAMS: z
    .string()
    .default("events,utm")
    .transform((value) =>
      value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .regex(/^[a-z][a-z0-9_]{0,40}$/, "each stream must be lower-case letters, digits and '_'"),
        )
        .min(1, "needs at least one stream")
        .refine((streams) => new Set(streams).size === streams.length, "lists a stream twice"),
    ),
  S3_BUCKET: z
    .string()
    .default("kr-events")
    .pipe(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name")),
  S3_ENDPOINT: localEndpoint("S3_ENDPOINT", "http://127.0.0.1:4569"),
  FIREHOSE_ENDPOINT: localEndpoint("FIREHOSE_ENDPOINT", "http://127.0.0.1:4573"),
  FIREHOSE_BUFFER_SIZE_MB: number(64, 1, 128, true),
  FIREHOSE_BUFFER_INTERVAL_SECONDS: number(300, 0, 900, true),
  LOCAL_FIREHOSE_THROTTLE_RATE: number(0, 0, 1),
  LOCAL_FIREHOSE_PARTIAL_FAILURE_RATE: number(0, 0, 1),
  LOCAL_FIREHOSE_DUPLICATE_RATE: number(0, 0, 1),
  LOCAL_FIREHOSE_SEED: number(1, 0, 2 ** 32 - 1, true),
  RS_HOST: z.string().default("127.0.0.1").pipe(z.string().min(1, "must not be empty")),
  // 0 picks a free port (tests).
  RS_PORT: number(5439, 0, 65535, true),
  RS_DATABASE: z.string().default("dev"),
  RS_USER: z.string().default("loader"),
});

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
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `  ${name}=${JSON.stringify(source[name] ?? "")}: ${issue.message}`;
    });
    throw new ConfigError(`invalid settings (in .env or the environment):\n${lines.join("\n")}`);
  }
  const s = parsed.data;
  return deepFreeze({
    project: s.KR_PROJECT,
    streams: s.KR_STREAMS,
    bucket: s.S3_BUCKET,
    s3: s.S3_ENDPOINT,
    firehose: {
      ...s.FIREHOSE_ENDPOINT,
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
