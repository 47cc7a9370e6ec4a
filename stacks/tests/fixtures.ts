// Settings the stack tests synthesize from: what apps/infra's config yields with no .env, with a few
// knobs the tests turn.
import { fileURLToPath } from "node:url";
import { App, type TerraformStack, Testing } from "cdktf";
import { AccountAStack, AccountBStack, type InfraSettings } from "../src/index";

export const LOADER_ENTRY = fileURLToPath(new URL("../../packages/loader/src/lambda.ts", import.meta.url));

export const ACCOUNT_A = "111111111111";
export const ACCOUNT_B = "222222222222";

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export function testSettings(overrides: DeepPartial<InfraSettings> = {}): InfraSettings {
  const base: InfraSettings = {
    project: "kr",
    region: "eu-west-1",
    streams: ["events", "utm"],
    ingest: { id: ACCOUNT_A, profile: "kr-ingest" },
    warehouse: { id: ACCOUNT_B, profile: "kr-warehouse" },
    firehose: { bufferSizeMb: 64, bufferIntervalSeconds: 300, kinesisSource: false },
    eventsLifecycle: { transitionDays: 30, transitionStorageClass: "STANDARD_IA", expirationDays: 365 },
    network: { subnetIds: [], vpcCidr: "10.42.0.0/16", createEndpoints: true },
    cluster: {
      masterUsername: "kr_admin",
      nodeType: "ra3.xlplus",
      numberOfNodes: 2,
      skipFinalSnapshot: false,
      databaseName: "dev",
      port: 5439,
    },
    loader: {
      entry: LOADER_ENTRY,
      schema: "public",
      schedule: "rate(1 hour)",
      lookbackHours: 48,
      maxErrors: 100,
      batchMaxBytes: 268435456,
      batchMaxFiles: 512,
      chainMax: 4,
      dedupeWindowHours: 24,
      memoryMb: 512,
      timeoutSeconds: 900,
      reservedConcurrency: 2,
    },
    manifestExpirationDays: 7,
    logRetentionDays: 30,
    alarms: {
      emails: [],
      lagMinutes: 180,
      rejectedRecords: 1,
      durationPercent: 95,
      freshnessMinutes: 15,
      runbookUrl: "docs/operations.md",
    },
    state: { localDir: "/repo", keyPrefix: "kr" },
  };
  return merge(base, overrides) as InfraSettings;
}

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (Array.isArray(over) || typeof over !== "object" || over === null) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = merge((base as Record<string, unknown>)?.[k], v);
  return out;
}

/** A Terraform interpolation as it appears in the JSON: expr("var.x") is "${var.x}". */
export const expr = (expression: string) => `\${${expression}}`;

/** Synthesized Terraform JSON of one stack, parsed. */
export type Tf = {
  provider: { aws: Record<string, unknown>[] };
  terraform: { backend: Record<string, Record<string, unknown>> };
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: unknown }>;
  variable?: Record<string, Record<string, unknown>>;
};

export function synthA(settings: InfraSettings = testSettings()): Tf {
  return synth((app) => new AccountAStack(app, settings));
}

export function synthB(settings: InfraSettings = testSettings()): Tf {
  return synth((app) => new AccountBStack(app, settings));
}

function synth(make: (app: App) => TerraformStack): Tf {
  const stack = make(Testing.app());
  return JSON.parse(Testing.synth(stack)) as Tf;
}

/** All resources of one type, as [logical name, attributes]. */
export function resources(tf: Tf, type: string): [string, Record<string, unknown>][] {
  return Object.entries(tf.resource[type] ?? {});
}

/** The single resource of a type (fails if there is not exactly one). */
export function only(tf: Tf, type: string): Record<string, unknown> {
  const all = resources(tf, type);
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return (all[0] as [string, Record<string, unknown>])[1];
}

/** Parsed policy documents of every resource of a type. */
export function policies(tf: Tf, type: string, key = "policy"): { Statement: Record<string, unknown>[] }[] {
  return resources(tf, type).map(([, attrs]) => JSON.parse(attrs[key] as string));
}

export { App };
