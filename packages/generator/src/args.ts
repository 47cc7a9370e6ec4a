import { randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { DEFAULT_RETRY } from "./backoff";
import { UsageError } from "./errors";
import { DEFAULT_CONCURRENCY } from "./send";
import type { StreamName } from "./sessions";

export const USAGE = `usage: pnpm run generate [flags]        (make dump-dummy-data ARGS="...")

Generates realistic events and sends them to Firehose (the local stand-in unless KR_MODE=aws).

  --stream events|utm|all   which stream(s) to generate (default all)
  --count N                 events to generate, malformed ones included (default 10000)
  --rate N|unlimited        events per second (default unlimited)
  --duplicate-rate F        fraction of events sent twice, 0-1 (default 0)
  --malformed-rate F        fraction of events replaced by a non-JSON line, 0-1 (default 0)
  --concurrency N           PutRecordBatch calls in flight (default ${DEFAULT_CONCURRENCY})
  --seed N                  same seed, same events (default a fresh random seed, printed in the summary)
  --max-attempts N          attempts per record before it counts as undelivered (default ${DEFAULT_RETRY.maxAttempts})
  time span of occurred_at (UTC; default the last hour):
  --hour 2026-11-23T05      that whole hour
  --start T [--end T]       from T (ISO, or 2026-11-23T05) to T or now
  --hours-ago N             the last N hours
  -h, --help

Exit codes: 0 all delivered, 1 some events undelivered (counted in the summary), 2 bad flags or settings.`;

export interface GenerateCommand {
  streams: StreamName[];
  count: number;
  /** Events per second; 0 = unlimited. */
  rate: number;
  duplicateRate: number;
  malformedRate: number;
  concurrency: number;
  seed: number;
  maxAttempts: number;
  start: Date;
  end: Date;
}

const HOUR = 3_600_000;
const hint = "\nRun with --help for every flag.";
const usage = (message: string) => new UsageError(`${message}${hint}`);

function wholeNumber(
  flag: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
  example: string,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw usage(
      `--${flag} must be a whole number from ${min} to ${max}, e.g. --${flag} ${example} (got "${text}")`,
    );
  }
  return value;
}

function fraction(flag: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const value = Number(text);
  if (text.trim() === "" || !(value >= 0 && value <= 1)) {
    throw usage(`--${flag} must be a fraction from 0 to 1, e.g. --${flag} 0.01 (got "${text}")`);
  }
  return value;
}

/** An instant in UTC: full ISO, or a prefix of it such as 2026-11-23 or 2026-11-23T05. */
export function parseInstant(flag: string, text: string): Date {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(
      text,
    );
  if (!match)
    throw usage(`--${flag} must be a UTC time such as 2026-11-23T05 or 2026-11-23T05:30:00Z (got "${text}")`);
  const zoned = match[7]
    ? text
    : `${text}${match[4] ? "" : "T00"}${match[5] ? "" : ":00"}${match[6] ? "" : ":00"}Z`;
  const date = new Date(zoned);
  if (Number.isNaN(date.getTime())) throw usage(`--${flag}: "${text}" is not a valid time`);
  return date;
}

function timeSpan(values: Record<string, string | undefined>, now: Date): { start: Date; end: Date } {
  const given = ["hour", "start", "hours-ago"].filter((flag) => values[flag] !== undefined);
  if (given.length > 1)
    throw usage(`use one of --hour, --start/--end, --hours-ago (got --${given.join(" and --")})`);
  if (values.end !== undefined && values.start === undefined)
    throw usage("--end needs --start, e.g. --start 2026-11-23T05 --end 2026-11-23T08");
  if (values.hour !== undefined) {
    const start = parseInstant("hour", values.hour);
    if (start.getTime() % HOUR !== 0)
      throw usage(`--hour must name a whole hour, e.g. --hour 2026-11-23T05 (got "${values.hour}")`);
    return { start, end: new Date(start.getTime() + HOUR) };
  }
  if (values.start !== undefined) {
    const start = parseInstant("start", values.start);
    const end = values.end === undefined ? now : parseInstant("end", values.end);
    if (end.getTime() <= start.getTime())
      throw usage(`--end must be after --start (got ${start.toISOString()} .. ${end.toISOString()})`);
    return { start, end };
  }
  const hours = wholeNumber("hours-ago", values["hours-ago"], 1, 1, 24 * 366, "3");
  return { start: new Date(now.getTime() - hours * HOUR), end: now };
}

/** Flags → a validated command; every mistake is a UsageError (exit 2) that says what to type. */
export function parseGenerateArgs(
  argv: string[],
  available: readonly StreamName[],
  now = new Date(),
  // Real front ends never reuse ids: without --seed every run gets its own events.
  freshSeed: () => number = () => randomInt(0, 2 ** 32),
): GenerateCommand | { help: true } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      // `pnpm run generate -- --count 5` passes the "--" through.
      args: argv[0] === "--" ? argv.slice(1) : argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: "boolean", short: "h" },
        stream: { type: "string" },
        count: { type: "string" },
        rate: { type: "string" },
        "duplicate-rate": { type: "string" },
        "malformed-rate": { type: "string" },
        concurrency: { type: "string" },
        seed: { type: "string" },
        "max-attempts": { type: "string" },
        hour: { type: "string" },
        start: { type: "string" },
        end: { type: "string" },
        "hours-ago": { type: "string" },
      },
    }));
  } catch (error) {
    throw usage((error as Error).message);
  }
  if (values.help) return { help: true };
  const text = values as Record<string, string | undefined>;
  const stream = text.stream ?? "all";
  let streams: StreamName[];
  if (stream === "all") streams = [...available];
  else if ((available as readonly string[]).includes(stream)) streams = [stream as StreamName];
  else
    throw usage(
      `--stream must be one of ${[...available, "all"].join("|")} (got "${stream}"; KR_STREAMS sets which exist)`,
    );
  if (streams.length === 0) throw usage("no stream to generate: KR_STREAMS names neither events nor utm");

  const rateText = text.rate ?? "unlimited";
  const rate =
    rateText === "unlimited" ? 0 : wholeNumber("rate", rateText, 0, 1, 10_000_000, "5000 (or unlimited)");
  return {
    streams,
    count: wholeNumber("count", text.count, 10_000, 1, 1_000_000_000, "10000"),
    rate,
    duplicateRate: fraction("duplicate-rate", text["duplicate-rate"]),
    malformedRate: fraction("malformed-rate", text["malformed-rate"]),
    concurrency: wholeNumber("concurrency", text.concurrency, DEFAULT_CONCURRENCY, 1, 256, "8"),
    seed: text.seed === undefined ? freshSeed() : wholeNumber("seed", text.seed, 0, 0, 2 ** 32 - 1, "42"),
    maxAttempts: wholeNumber("max-attempts", text["max-attempts"], DEFAULT_RETRY.maxAttempts, 1, 50, "8"),
    ...timeSpan(text, now),
  };
}
