// `make doctor` / `pnpm run doctor`: parse → read settings → run the checks against the accounts →
// print. Returns the exit code: 0 every check passed or was skipped, 1 a check failed, 2 bad usage or
// settings (nothing was checked).
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { type EnvRecord, SettingsError } from "@kr/contract";
import { awsPort } from "./aws";
import { checksFor, type DoctorPort, runChecks } from "./checks";
import { type DoctorConfig, loadDoctorConfig } from "./config";
import { doctorReport, exitCodeOf, formatDoctorTable } from "./report";

export const USAGE = `usage: pnpm run doctor [-- options]   (make doctor ARGS="…")

Checks the deployed accounts: each profile signs in to its account, the bucket's region and policy,
B's roles, the cluster (private, available, COPY role attached and default), the loader Lambda (in
the VPC; a ping that connects through the secret and runs SELECT 1; stream tables and ledger), and
each stream's Firehose (active, last delivery fresh). Settings come from ./.env and the environment.

  --json                   print the result as JSON
  --skip <ids>             comma-separated check ids that cannot be checked where this runs (SKIP)
  --skip-reason <text>     why (shown with each skipped check)
  --delivery-max-age <min> a stream's newest object must be younger (default 60)
  -h, --help               this text

Check ids: account-a, account-b, region, bucket-policy, roles, cluster, copy-role, loader, ping,
tables, firehose-<stream>, delivery-<stream>.
Exit codes: 0 nothing failed, 1 a check failed, 2 bad usage or settings.`;

export interface DoctorIO {
  stdout: { write(chunk: string): boolean };
  stderr: { write(chunk: string): boolean };
  /** Defaults to the process environment over ./.env. */
  env?: () => EnvRecord;
  /** Defaults to the real AWS clients. */
  port?: (config: DoctorConfig) => DoctorPort & { close?(): void };
  now?: () => Date;
}

class UsageError extends Error {}

export async function runDoctor(argv: readonly string[], io: DoctorIO): Promise<number> {
  const out = (text: string) => io.stdout.write(`${text}\n`);
  const err = (text: string) => io.stderr.write(`${text}\n`);
  let values: ReturnType<typeof parse>;
  let config: DoctorConfig;
  try {
    values = parse(argv);
    if (values.help) {
      out(USAGE);
      return 0;
    }
    config = loadDoctorConfig((io.env ?? defaultEnv)());
    const known = new Set(checksFor(config).map((c) => c.id));
    const unknown = values.skip.filter((id) => !known.has(id));
    if (unknown.length > 0)
      throw new UsageError(
        `--skip: unknown check ${unknown.join(", ")} (the checks: ${[...known].join(", ")})`,
      );
  } catch (error) {
    if (error instanceof SettingsError || error instanceof UsageError || isParseError(error)) {
      err(`doctor: ${(error as Error).message}`);
      if (!(error instanceof SettingsError)) err("run with --help for the options");
      return 2;
    }
    throw error;
  }
  const port = (io.port ?? awsPort)(config);
  try {
    const checks = await runChecks(checksFor(config), config, port, {
      skip: new Set(values.skip),
      ...(values.skipReason && { skipReason: values.skipReason }),
      deliveryMaxAgeMinutes: values.deliveryMaxAge,
      ...(io.now && { now: io.now() }),
    });
    const report = doctorReport(checks);
    out(values.json ? JSON.stringify(report, null, 2) : formatDoctorTable(report));
    return exitCodeOf(report);
  } finally {
    port.close?.();
  }
}

function parse(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: "boolean", default: false },
      skip: { type: "string", multiple: true, default: [] },
      "skip-reason": { type: "string" },
      "delivery-max-age": { type: "string", default: "60" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  const age = Number(values["delivery-max-age"]);
  if (!Number.isInteger(age) || age < 1)
    throw new UsageError(
      `--delivery-max-age must be a whole number of minutes ≥ 1 (got ${values["delivery-max-age"]})`,
    );
  return {
    json: values.json,
    help: values.help,
    skip: values.skip
      .flatMap((s) => s.split(","))
      .map((s) => s.trim())
      .filter(Boolean),
    skipReason: values["skip-reason"],
    deliveryMaxAge: age,
  };
}

const isParseError = (error: unknown) =>
  typeof (error as { code?: string }).code === "string" &&
  (error as { code: string }).code.startsWith("ERR_PARSE_ARGS");

/** The process environment over ./.env (process.loadEnvFile never overrides variables already set). */
function defaultEnv(): EnvRecord {
  if (existsSync(".env")) process.loadEnvFile(".env");
  return process.env;
}
