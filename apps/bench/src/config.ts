import { existsSync } from "node:fs";
import { join } from "node:path";
import { readSettings } from "@kr/contract";

/** The bench's only view of the environment; definitions in @kr/contract. */
export const BENCH_SETTINGS = [
  "PG_URL",
  "FIREHOSE_BUFFER_SIZE_MB",
  "FIREHOSE_BUFFER_INTERVAL_SECONDS",
] as const;

export type BenchConfig = Readonly<{
  pgUrl: string | undefined;
  firehoseBufferSizeMb: number;
  firehoseBufferIntervalSeconds: number;
  /** Absolute path of psql, or undefined when it is not installed. */
  psqlPath: string | undefined;
  /** Absolute path of GNU time, or undefined. */
  timePath: string | undefined;
}>;

/** Bad bench settings: the contract's SettingsError (every problem listed, exit code 2). */
export { SettingsError as BenchConfigError } from "@kr/contract";

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
  const source = options.env ?? process.env;
  const env = readSettings(source, BENCH_SETTINGS);
  return Object.freeze({
    pgUrl: env.PG_URL,
    firehoseBufferSizeMb: env.FIREHOSE_BUFFER_SIZE_MB,
    firehoseBufferIntervalSeconds: env.FIREHOSE_BUFFER_INTERVAL_SECONDS,
    // PATH is the process's search path, not a product setting.
    psqlPath: findExecutable("psql", source.PATH || "/usr/local/bin:/usr/bin:/bin"),
    timePath: existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined,
  });
}
