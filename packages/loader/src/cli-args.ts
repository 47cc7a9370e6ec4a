// Command-line parsing (node:util parseArgs). Every mistake is a UsageError that says what to type.
import { parseArgs } from "node:util";
import { UsageError } from "./errors";
import type { LoadRequest } from "./load";
import type { RejectsRequest, ReplayRequest } from "./quarantine";
import type { StatusRequest } from "./status/read";

export const USAGE = `usage:
  pnpm run load -- [--from HOUR] [--to HOUR] [--stream NAME]... [--reimport [--request-id ID]] [--dry-run] [--direct] [--json]
  pnpm run load -- create-tables [--stream NAME]... [--dry-run] [--direct] [--json]
  pnpm run load -- status [--from HOUR] [--to HOUR] [--stream NAME]... [--verify] [--direct] [--json]
                 one row per arrival hour, one column per stream: files loaded / in S3 and a state
                 (loaded, partial, pending, failed, missing, empty); the lag and the command for
                 every gap. Default: the last LOAD_LOOKBACK_HOURS hours.
                 --verify also reads every object of the range and checks, per hour and stream,
                 lines in S3 = rows loaded + rejected + duplicates (costs one read of the range)
  pnpm run load -- rejects [--from HOUR] [--to HOUR] [--stream NAME]... [--batch ID] [--pending] [--limit N] [--direct] [--json]
                 the quarantined lines (loader.rejected_records), newest first: file, line, reason,
                 the raw line, attempts, replayed or not. --from/--to filter by the hour they were
                 rejected (rejected_at, UTC); --pending: only lines not replayed yet; --limit: rows
                 shown (default 50, at most 50 through the Lambda; the total is always counted)
  pnpm run load -- replay (--batch ID | --from HOUR [--to HOUR]) [--stream NAME]... [--dry-run] [--direct] [--json]
                 loads quarantined lines again, as they are or after you corrected raw_line in the
                 table, exactly once: lines that load are marked replayed (replayed_at,
                 replay_batch_id); lines still bad stay with attempts + 1 and the new reason.
                 --batch: the lines one batch quarantined; --from/--to: lines rejected in these hours.
                 In AWS mode both run in the Lambda (the cluster is private), like status

  --from HOUR    first UTC hour, inclusive: 2026-11-23T05, 2026-11-23T05:00Z, "2026-11-23 05:00",
                 or a date (2026-11-23) for the whole day. Without --from/--to: every file of the
                 last LOAD_LOOKBACK_HOURS hours not loaded yet (what the schedule does).
  --to HOUR      last UTC hour, inclusive (default: the --from hour, or the end of the --from day)
  --stream NAME  only this stream (repeat, or comma-separate); default: all of KR_STREAMS
  --reimport     load files again even if the ledger has them; every event still ends up once.
                 A re-import that does not finish in one run (time budget) is continued by running
                 the same command again: each file is re-imported once per request
  --request-id ID  a re-import's id (default: derived from its streams and hours); give a new one
                 to re-import hours again that an earlier identical re-import already finished
  --dry-run      print the plan (hours, files, bytes per stream) and the SQL; write nothing
  --direct       AWS mode: run the loader here against RS_HOST instead of invoking the Lambda
  --json         print the report as JSON instead of a table
  -h, --help     this help

A run loads in batches (LOAD_BATCH_MAX_BYTES, LOAD_BATCH_MAX_FILES) while they fit its time budget
(LOAD_TIME_BUDGET_SECONDS; 0 = none); what is left is reported as pending with the command that
continues it. In AWS mode the CLI invokes the Lambda until nothing is pending.

exit codes: 0 loaded (work may be pending; replay: lines may still be rejected), 1 load or replay
failed and rolled back, 2 usage or configuration error`;

export type CliCommand =
  | { kind: "help" }
  | { kind: "load"; request: LoadRequest; direct: boolean; json: boolean }
  | { kind: "create-tables"; streams: string[]; dryRun: boolean; direct: boolean; json: boolean }
  | { kind: "status"; request: StatusRequest; direct: boolean; json: boolean }
  | { kind: "rejects"; request: RejectsRequest; direct: boolean; json: boolean }
  | { kind: "replay"; request: ReplayRequest; direct: boolean; json: boolean };

const OPTIONS = {
  from: { type: "string" },
  to: { type: "string" },
  stream: { type: "string", multiple: true, short: "s" },
  reimport: { type: "boolean" },
  "request-id": { type: "string" },
  "dry-run": { type: "boolean" },
  direct: { type: "boolean" },
  json: { type: "boolean" },
  verify: { type: "boolean" },
  batch: { type: "string" },
  pending: { type: "boolean" },
  limit: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const EXAMPLE_VALUE: Record<string, string> = {
  from: "2026-11-23T05",
  to: "2026-11-23T08",
  stream: "events",
  "request-id": "ri-0123456789abcdef",
  batch: "events-20261123T050000-1a2b3c4d",
  limit: "200",
};

export function parseCliArgs(argv: readonly string[]): CliCommand {
  // pnpm forwards the `--` of `pnpm run load -- --from …`; it separates nothing here.
  const args = argv.filter((arg, index) => !(arg === "--" && index === 0));
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(explainParseError(error as Error & { code?: string }));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  const [command = "load", ...extra] = positionals;
  const commands = ["load", "create-tables", "status", "rejects", "replay"];
  if (extra.length > 0 || !commands.includes(command)) {
    const unexpected = commands.includes(command) ? extra[0] : command;
    throw new UsageError(
      `unexpected argument ${JSON.stringify(unexpected)}: the commands are load (default), create-tables, status, rejects and replay; hours go after --from/--to`,
    );
  }
  const streams = (values.stream ?? [])
    .flatMap((s) => s.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  const common = {
    dryRun: values["dry-run"] ?? false,
    direct: values.direct ?? false,
    json: values.json ?? false,
  };
  if (command === "rejects" || command === "replay") return parseQuarantineCommand(command, values, streams);
  const quarantineFlags = (["batch", "pending", "limit"] as const).filter(
    (flag) => values[flag] !== undefined,
  );
  if (quarantineFlags.length > 0) {
    throw new UsageError(
      `${quarantineFlags.map((f) => `--${f}`).join("/")} belongs to rejects (and --batch to replay): pnpm run load -- rejects --${quarantineFlags[0]} …`,
    );
  }
  if (command === "create-tables") {
    const misplaced = (["from", "to", "reimport", "request-id", "verify"] as const).filter(
      (flag) => values[flag] !== undefined,
    );
    if (misplaced.length > 0) {
      throw new UsageError(
        `create-tables takes no ${misplaced.map((f) => `--${f}`).join("/")}: it creates the tables and the ledger`,
      );
    }
    return { kind: "create-tables", streams, ...common };
  }
  if (command === "status") {
    const misplaced = (["reimport", "dry-run"] as const).filter((flag) => values[flag] !== undefined);
    if (misplaced.length > 0) {
      throw new UsageError(
        `status takes no ${misplaced.map((f) => `--${f}`).join("/")}: it only reads; run the command it prints for a gap`,
      );
    }
    const request: StatusRequest = {
      ...(values.from !== undefined && { from: values.from }),
      ...(values.to !== undefined && { to: values.to }),
      ...(streams.length > 0 && { streams }),
      ...(values.verify && { verify: true }),
    };
    return { kind: "status", request, direct: common.direct, json: common.json };
  }
  if (values.verify) throw new UsageError("--verify belongs to status: pnpm run load -- status --verify");
  if (values.reimport && values.from === undefined) {
    throw new UsageError(
      "--reimport needs --from (and --to): say which hours to load again, e.g. --from 2026-11-23T05 --to 2026-11-23T08",
    );
  }
  const request: LoadRequest = {
    ...(values.from !== undefined && { from: values.from }),
    ...(values.to !== undefined && { to: values.to }),
    ...(streams.length > 0 && { streams }),
    reimport: values.reimport ?? false,
    ...(values["request-id"] !== undefined && { requestId: values["request-id"] }),
    dryRun: common.dryRun,
  };
  return { kind: "load", request, direct: common.direct, json: common.json };
}

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>
>["values"];

function parseQuarantineCommand(
  command: "rejects" | "replay",
  values: Values,
  streams: string[],
): CliCommand {
  const misplaced = (
    command === "rejects"
      ? (["reimport", "request-id", "verify", "dry-run"] as const)
      : (["reimport", "request-id", "verify", "pending", "limit"] as const)
  ).filter((flag) => values[flag] !== undefined);
  if (misplaced.length > 0) {
    throw new UsageError(
      command === "rejects"
        ? `rejects takes no ${misplaced.map((f) => `--${f}`).join("/")}: it only lists the quarantined lines`
        : `replay takes no ${misplaced.map((f) => `--${f}`).join("/")}: it replays what --batch or --from/--to select (list them with rejects)`,
    );
  }
  if (values.batch !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(values.batch)) {
    throw new UsageError(
      `--batch ${JSON.stringify(values.batch)} is not a batch id (1-64 letters, digits, - _ . :); the batch ids are in the load report and in rejects`,
    );
  }
  const common = { direct: values.direct ?? false, json: values.json ?? false };
  const filter = {
    ...(values.from !== undefined && { from: values.from }),
    ...(values.to !== undefined && { to: values.to }),
    ...(streams.length > 0 && { streams }),
    ...(values.batch !== undefined && { batchId: values.batch }),
  };
  if (command === "rejects") {
    let limit: number | undefined;
    if (values.limit !== undefined) {
      limit = Number(values.limit);
      if (!/^\d+$/.test(values.limit) || limit < 1 || limit > 10_000)
        throw new UsageError(`--limit ${JSON.stringify(values.limit)} must be a whole number 1-10000`);
    }
    return {
      kind: "rejects",
      request: { ...filter, ...(values.pending && { pending: true }), ...(limit !== undefined && { limit }) },
      ...common,
    };
  }
  if (values.batch === undefined && values.from === undefined) {
    throw new UsageError(
      "replay needs --batch ID (the batch that quarantined the lines) or --from HOUR [--to HOUR] (the hours they were rejected); list them with: pnpm run load -- rejects",
    );
  }
  if (values.to !== undefined && values.from === undefined)
    throw new UsageError("--to needs --from: replay --from HOUR --to HOUR");
  return { kind: "replay", request: { ...filter, dryRun: values["dry-run"] ?? false }, ...common };
}

function explainParseError(error: Error & { code?: string }): string {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1] ?? "";
  const name = option.replace(/^-+/, "");
  if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const guess = closestOption(name);
    return `unknown option ${option}${guess ? `: did you mean --${guess}?` : ""} (see --help)`;
  }
  if (error.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (name in EXAMPLE_VALUE) return `--${name} needs a value, e.g. --${name} ${EXAMPLE_VALUE[name]}`;
    return `--${name} takes no value (see --help)`;
  }
  return `${error.message} (see --help)`;
}

function closestOption(name: string): string | undefined {
  let best: { option: string; distance: number } | undefined;
  for (const option of Object.keys(OPTIONS)) {
    const distance = editDistance(name, option);
    if (distance <= 2 && (!best || distance < best.distance)) best = { option, distance };
  }
  return best?.option;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
