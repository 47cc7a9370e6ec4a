import { describe, expect, it } from "vitest";
import { type GenerateCommand, generateRecords, parseGenerateArgs, UsageError } from "../src/index";

const NOW = new Date("2026-11-23T10:20:00Z");
const parse = (...argv: string[]) =>
  parseGenerateArgs(argv, ["events", "utm"], NOW, () => 123_456_789) as GenerateCommand;
const usageError = (...argv: string[]) => {
  try {
    parseGenerateArgs(argv, ["events", "utm"], NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
};

describe("generate flags", () => {
  it("defaults to 10,000 events of both streams over the last hour, unthrottled, 8 calls in flight", () => {
    expect(parse()).toMatchObject({
      streams: ["events", "utm"],
      count: 10_000,
      rate: 0,
      duplicateRate: 0,
      malformedRate: 0,
      concurrency: 8,
      seed: 123_456_789,
      maxAttempts: 8,
      start: new Date("2026-11-23T09:20:00Z"),
      end: NOW,
    });
  });

  it("gives every run without --seed a fresh seed, so two default runs share no event id", () => {
    const run = () => {
      const command = parseGenerateArgs(["--count", "3000"], ["events", "utm"], NOW) as GenerateCommand;
      return { seed: command.seed, ids: [...generateRecords(command)].map((record) => record.eventId) };
    };
    const first = run();
    const second = run();
    expect(second.seed).not.toBe(first.seed);
    expect(first.ids).toHaveLength(3000);
    const earlier = new Set(first.ids);
    expect(second.ids.filter((id) => earlier.has(id))).toEqual([]);
    // --seed still reproduces a run exactly, 0 included.
    expect(parse("--seed", "0").seed).toBe(0);
    expect(parse("--seed", String(first.seed)).seed).toBe(first.seed);
  });

  it("reads every flag", () => {
    expect(
      parse(
        "--stream",
        "utm",
        "--count",
        "500",
        "--rate",
        "200",
        "--duplicate-rate",
        "0.02",
        "--malformed-rate",
        "0.001",
        "--concurrency",
        "4",
        "--seed",
        "42",
        "--max-attempts",
        "3",
      ),
    ).toMatchObject({
      streams: ["utm"],
      count: 500,
      rate: 200,
      duplicateRate: 0.02,
      malformedRate: 0.001,
      concurrency: 4,
      seed: 42,
      maxAttempts: 3,
    });
    expect(parseGenerateArgs(["--help", "--count", "nonsense"], ["events"], NOW)).toEqual({ help: true });
    expect(parse("--", "--count", "7").count).toBe(7); // pnpm run generate -- --count 7
  });

  it("takes the time span as a whole past hour, a start and end, or the last N hours (UTC)", () => {
    expect(parse("--hour", "2026-11-20T05")).toMatchObject({
      start: new Date("2026-11-20T05:00:00Z"),
      end: new Date("2026-11-20T06:00:00Z"),
    });
    expect(parse("--start", "2026-11-20", "--end", "2026-11-20T12:30")).toMatchObject({
      start: new Date("2026-11-20T00:00:00Z"),
      end: new Date("2026-11-20T12:30:00Z"),
    });
    expect(parse("--start", "2026-11-23T08:00:00+01:00")).toMatchObject({
      start: new Date("2026-11-23T07:00:00Z"),
      end: NOW,
    });
    expect(parse("--hours-ago", "3").start).toEqual(new Date("2026-11-23T07:20:00Z"));
  });

  it("refuses bad flags with a message that says what to type", () => {
    expect(usageError("--count", "many")).toContain(
      "--count must be a whole number from 1 to 1000000000, e.g. --count 10000",
    );
    expect(usageError("--stream", "clicks")).toContain("--stream must be one of events|utm|all");
    expect(usageError("--duplicate-rate", "5%")).toContain("e.g. --duplicate-rate 0.01");
    expect(usageError("--rate", "fast")).toContain("(or unlimited)");
    expect(usageError("--hour", "2026-11-23T05:30")).toContain("whole hour");
    expect(usageError("--hour", "yesterday")).toContain("2026-11-23T05");
    expect(usageError("--hour", "2026-11-23T05", "--hours-ago", "2")).toContain(
      "use one of --hour, --start/--end, --hours-ago",
    );
    expect(usageError("--end", "2026-11-23T05")).toContain("--end needs --start");
    expect(usageError("--start", "2026-11-23T05", "--end", "2026-11-23T04")).toContain(
      "--end must be after --start",
    );
    expect(usageError("--frobnicate")).toMatch(/Unknown option '--frobnicate'[\s\S]*--help/);
  });
});
