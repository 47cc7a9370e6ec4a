// The demo's settings: its own flags plus the stand-ins' and the loader's settings from .env, validated
// at once. The only module of the demo that reads process.env.
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { type LocalStackConfig, loadLocalStackConfig } from "@kr/local-aws";
import { z } from "zod";

export interface DemoConfig {
  /** Past hours to backfill, ending `endHoursAgo` hours before now. */
  hours: number;
  endHoursAgo: number;
  eventsPerHour: number;
  seed: number;
  duplicateRate: number;
  malformedRate: number;
  /** Firehose buffer size for the demo: small, so each hour holds several objects. */
  bufferSizeMb: number;
  /** Fraction of Firehose buffers written twice (at-least-once redelivery). */
  redeliveryRate: number;
  /** Fraction of PutRecordBatch calls throttled, to show the generator's retries. */
  throttleRate: number;
  stateDir: string;
  stack: LocalStackConfig;
  /** The environment the loader's own config module parses. */
  loaderEnv: Readonly<Record<string, string | undefined>>;
}

export const USAGE = `usage: pnpm run demo [-- options]
  --hours N              past hours to backfill (default 6)
  --events-per-hour N    events per hour across both streams (default 20000)
  --seed N               generator seed (default 42)
  --duplicate-rate F     fraction of events the client sends twice (default 0.01)
  --malformed-rate F     fraction of records that are not valid JSON (default 0.0002)
  --redelivery-rate F    fraction of Firehose buffers delivered twice (default 0.1)
  --throttle-rate F      fraction of Firehose calls throttled (default 0.02)
  --buffer-mb N          Firehose buffer size in MiB (default 1)
  --state-dir DIR        where the stand-ins keep their state (default .local)`;

export class DemoUsageError extends Error {
  readonly exitCode = 2;
}

const fraction = z.coerce.number().min(0).max(1);
const flagsSchema = z.object({
  hours: z.coerce.number().int().min(1).max(48).default(6),
  "end-hours-ago": z.coerce.number().int().min(1).max(720).default(2),
  "events-per-hour": z.coerce.number().int().min(10).max(2_000_000).default(20_000),
  seed: z.coerce.number().int().min(0).default(42),
  "duplicate-rate": fraction.default(0.01),
  "malformed-rate": fraction.default(0.0002),
  "redelivery-rate": fraction.default(0.1),
  "throttle-rate": fraction.max(0.5).default(0.02),
  "buffer-mb": z.coerce.number().min(0.01).max(128).default(1),
  "state-dir": z.string().min(1).default(".local"),
});

/** Parses flags and settings; every problem is reported at once in one DemoUsageError. */
export function loadDemoConfig(
  argv: readonly string[],
  env?: Record<string, string | undefined>,
): DemoConfig {
  let source = env;
  if (!source) {
    if (existsSync(".env")) process.loadEnvFile(".env");
    source = process.env;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(flagsSchema.shape).map((k) => [k, { type: "string" }]));
    ({ values } = parseArgs({
      args: argv.filter((a) => a !== "--"),
      options: options as Record<string, { type: "string" }>,
    }));
  } catch (error) {
    throw new DemoUsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  --${String(i.path[0])}: ${i.message}`);
    throw new DemoUsageError(`invalid options:\n${lines.join("\n")}\n${USAGE}`);
  }
  const f = parsed.data;
  return Object.freeze({
    hours: f.hours,
    endHoursAgo: f["end-hours-ago"],
    eventsPerHour: f["events-per-hour"],
    seed: f.seed,
    duplicateRate: f["duplicate-rate"],
    malformedRate: f["malformed-rate"],
    redeliveryRate: f["redelivery-rate"],
    throttleRate: f["throttle-rate"],
    bufferSizeMb: f["buffer-mb"],
    stateDir: f["state-dir"],
    stack: loadLocalStackConfig(source),
    loaderEnv: Object.freeze({ ...source }),
  });
}
