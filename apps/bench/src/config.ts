import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

/**
 * The bench's only view of the environment. `.env` in the working directory is read when present
 * (variables already set win), then the settings below are validated at once.
 */
const emptyAsUndefined = (value: unknown) => (value === "" ? undefined : value);

const schema = z.object({
  /** A PostgreSQL server to measure against; PGlite (embedded) when unset. */
  PG_URL: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(
        /^postgres(ql)?:\/\//,
        "PG_URL must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/postgres",
      )
      .optional(),
  ),
  /** Firehose buffering the capacity figures refer to (the same defaults as .env.example). */
  FIREHOSE_BUFFER_SIZE_MB: z.preprocess(
    emptyAsUndefined,
    z.coerce.number().int().min(1).max(128).default(64),
  ),
  FIREHOSE_BUFFER_INTERVAL_SECONDS: z.preprocess(
    emptyAsUndefined,
    z.coerce.number().int().min(0).max(900).default(300),
  ),
  /** Directories searched for `psql` (the `\copy` baseline) and `/usr/bin/time`-like tools. */
  PATH: z.string().default("/usr/local/bin:/usr/bin:/bin"),
});

export type BenchConfig = Readonly<{
  pgUrl: string | undefined;
  firehoseBufferSizeMb: number;
  firehoseBufferIntervalSeconds: number;
  /** Absolute path of psql, or undefined when it is not installed. */
  psqlPath: string | undefined;
  /** Absolute path of GNU time, or undefined. */
  timePath: string | undefined;
}>;

export class BenchConfigError extends Error {
  override name = "BenchConfigError";
}

function findExecutable(name: string, path: string): string | undefined {
  for (const dir of path.split(":")) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Reads `.env` from `cwd` when it exists and validates the settings the bench uses. */
export function loadBenchConfig(
  options: { env?: NodeJS.ProcessEnv; cwd?: string; readDotEnv?: boolean } = {},
): BenchConfig {
  const cwd = options.cwd ?? process.cwd();
  if (options.readDotEnv !== false && !options.env) {
    const dotEnv = join(cwd, ".env");
    if (existsSync(dotEnv)) process.loadEnvFile(dotEnv);
  }
  const parsed = schema.safeParse(options.env ?? process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new BenchConfigError(`invalid bench settings:\n  ${problems.join("\n  ")}`);
  }
  const env = parsed.data;
  return Object.freeze({
    pgUrl: env.PG_URL,
    firehoseBufferSizeMb: env.FIREHOSE_BUFFER_SIZE_MB,
    firehoseBufferIntervalSeconds: env.FIREHOSE_BUFFER_INTERVAL_SECONDS,
    psqlPath: findExecutable("psql", env.PATH),
    timePath: existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined,
  });
}
