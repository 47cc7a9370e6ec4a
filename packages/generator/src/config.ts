import { existsSync } from "node:fs";
import {
  deliveryStreamName,
  LOCAL_FIREHOSE_ENDPOINT,
  MODE_SETTINGS,
  readSettings,
  resolveMode,
  type SettingName,
  SettingsError,
  type SettingValues,
} from "@kr/contract";
import { ConfigError } from "./errors";
import { STREAMS, type StreamName } from "./sessions";

/** Where the generator sends, from `.env` and the environment. The only reader of process.env here. */
export interface GeneratorConfig {
  mode: "local" | "aws";
  region: string;
  /** Local mode: the local Firehose. AWS mode: undefined (the SDK's regional endpoint). */
  endpoint?: string;
  /** AWS mode: the profile of the ingest account (A). */
  profile?: string;
  /** Streams of KR_STREAMS the generator can make events for → delivery stream names. */
  deliveryStreams: Partial<Record<StreamName, string>>;
  /** Streams of KR_STREAMS it has no event model for (reported, not sent). */
  unknownStreams: string[];
  /** Data bytes per Firehose record the generator packs events into. */
  recordMaxBytes: number;
}

type Env = Record<string, string | undefined>;

/** Every setting the generator reads (definitions in @kr/contract). */
export const GENERATOR_SETTINGS = [
  ...MODE_SETTINGS,
  "KR_PROJECT",
  "KR_STREAMS",
  "AWS_REGION",
  "ACCOUNT_A_PROFILE",
  "FIREHOSE_ENDPOINT",
  "GENERATOR_RECORD_MAX_BYTES",
] as const satisfies readonly SettingName[];

/**
 * Parses the settings; throws one ConfigError naming every bad setting. `env` defaults to the
 * process environment after loading `./.env` when present (variables already set win).
 */
export function loadGeneratorConfig(env?: Env): Readonly<GeneratorConfig> {
  let source = env;
  if (!source) {
    if (existsSync(".env")) process.loadEnvFile(".env");
    source = process.env;
  }
  let s: SettingValues<(typeof GENERATOR_SETTINGS)[number]>;
  try {
    s = readSettings(source, GENERATOR_SETTINGS);
  } catch (error) {
    if (error instanceof SettingsError) throw new ConfigError(error.message);
    throw error;
  }
  const mode = resolveMode(s);
  const known = s.KR_STREAMS.filter((name): name is StreamName =>
    (STREAMS as readonly string[]).includes(name),
  );
  const config: GeneratorConfig = {
    mode,
    region: s.AWS_REGION,
    deliveryStreams: Object.fromEntries(known.map((name) => [name, deliveryStreamName(s.KR_PROJECT, name)])),
    unknownStreams: s.KR_STREAMS.filter((name) => !known.includes(name as StreamName)),
    recordMaxBytes: s.GENERATOR_RECORD_MAX_BYTES,
  };
  if (mode === "local") config.endpoint = new URL(s.FIREHOSE_ENDPOINT ?? LOCAL_FIREHOSE_ENDPOINT).origin;
  else if (s.ACCOUNT_A_PROFILE) config.profile = s.ACCOUNT_A_PROFILE;
  Object.freeze(config.deliveryStreams);
  Object.freeze(config.unknownStreams);
  return Object.freeze(config);
}
