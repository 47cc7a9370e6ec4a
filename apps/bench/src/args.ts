import { parseArgs } from "node:util";
import { z } from "zod";
import { SECTIONS, type SectionName } from "./results";

export const USAGE = `usage: pnpm run bench [-- options]   (or: make bench ARGS="options")

  --events <n>          events generated for every contender (default 500000)
  --repetitions <n>     repetitions per measurement, medians reported (default 3)
  --only <a,b,...>      sections to run: ${SECTIONS.join(", ")} (default: all)
  --out <file>          results file (default bench/results.json)
  --markdown            print the table as Markdown (for README) instead of a box table
  --table-from <file> [<file>...]
                        print the table of an earlier results.json (with --markdown: as Markdown); runs nothing.
                        Several files (or a comma list): each target's value in every run, the median and
                        how many of the runs met it
  --profile <dir>       write a V8 CPU profile of each section (and of the stand-ins processes) to <dir>;
                        summarise one with: tsx apps/bench/scripts/cpuprofile-summary.ts <file>
  --help                this text`;

export interface BenchOptions {
  events: number;
  repetitions: number;
  sections: SectionName[];
  out: string;
  markdown: boolean;
  /** Directory for .cpuprofile files, or undefined. */
  profile: string | undefined;
  /** Print the table of these results.json files (several: their spread) instead of running. */
  tableFrom: string[] | undefined;
}

export class UsageError extends Error {
  override name = "UsageError";
}

const positiveInt = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `--${name} must be a number` })
    .int(`--${name} must be a whole number`)
    .min(min, `--${name} must be at least ${min}`)
    .max(max, `--${name} must be at most ${max}`);

const schema = z.object({
  events: positiveInt("events", 100, 50_000_000).default(500_000),
  repetitions: positiveInt("repetitions", 1, 50).default(3),
  only: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === "") return [...SECTIONS];
      const names = value.split(",").map((name) => name.trim());
      const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `--only: unknown section ${unknown.join(", ")} (choose from ${SECTIONS.join(", ")})`,
        });
        return z.NEVER;
      }
      return SECTIONS.filter((section) => names.includes(section));
    }),
  out: z.string().min(1).default("bench/results.json"),
  markdown: z.boolean().default(false),
  profile: z.string().min(1).optional(),
  "table-from": z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return undefined;
      const files = value.split(",").map((file) => file.trim());
      if (files.some((file) => file === "")) {
        ctx.addIssue({ code: "custom", message: "--table-from: a results file name is empty" });
        return z.NEVER;
      }
      return files;
    }),
});

/** Parses the bench's flags; `help: true` when --help was given. */
export function parseBenchArgs(argv: string[]): { help: true } | ({ help: false } & BenchOptions) {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv.filter((arg) => arg !== "--"),
      options: {
        events: { type: "string" },
        repetitions: { type: "string" },
        only: { type: "string" },
        out: { type: "string" },
        markdown: { type: "boolean" },
        profile: { type: "string" },
        "table-from": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      // Only as more files for --table-from, so a shell glob works: --table-from runs/*.json.
      allowPositionals: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { help: true };
  if (positionals.length > 0) {
    if (values["table-from"] === undefined)
      throw new UsageError(`unexpected argument ${positionals[0]} (flags start with --; see --help)`);
    values["table-from"] = [values["table-from"], ...positionals].join(",");
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("; "));
  const { only, profile, "table-from": tableFrom, ...rest } = parsed.data;
  return { help: false, ...rest, profile, tableFrom, sections: only };
}
