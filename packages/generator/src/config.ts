import { existsSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "./errors";
import { PUT_RECORD_BATCH_LIMITS } from "./limits";
import { DEFAULT_RECORD_MAX_BYTES } from "./records";
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

const schema = z
  .object({
    KR_MODE: z.enum(["local", "aws"]).default("local"),
    KR_PROJECT: z
      .string()
      .default("kr")
      .pipe(
        z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be lower-case letters, digits and '-' (max 31)"),
      ),
    KR_STREAMS: z
      .string()
      .default("events,utm")
      .transform((value) =>
        value
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^[a-z][a-z0-9_]{0,40}$/, "each stream must be lower-case letters, digits and '_'"),
          )
          .min(1, "needs at least one stream"),
      ),
    AWS_REGION: z
      .string()
      .default("eu-west-1")
      .pipe(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be a region such as eu-west-1")),
    FIREHOSE_ENDPOINT: z.string().default("http://127.0.0.1:4573"),
    ACCOUNT_A_PROFILE: z.string().default(""),
    // Firehose bills each record as at least 5 KB: pack events up to just under it. Never over the
    // 1,000 KiB record limit, which no setting can raise.
    GENERATOR_RECORD_MAX_BYTES: z
      .string()
      .default(String(DEFAULT_RECORD_MAX_BYTES))
      .pipe(z.string().regex(/^\d+$/, `must be a whole number of bytes, e.g. ${DEFAULT_RECORD_MAX_BYTES}`))
      .transform(Number)
      .pipe(
        z
          .number()
          .min(1, "must be at least 1 byte")
          .max(
            PUT_RECORD_BATCH_LIMITS.recordBytes,
            `must be at most ${PUT_RECORD_BATCH_LIMITS.recordBytes} (Firehose's 1,000 KiB record limit)`,
          ),
      ),
  })
  .superRefine((env, ctx) => {
    if (env.KR_MODE !== "local") return;
    if (env.FIREHOSE_ENDPOINT === "") {
      ctx.addIssue({
        code: "custom",
        path: ["FIREHOSE_ENDPOINT"],
        message: "is empty but KR_MODE=local; set it to the local Firehose, e.g. http://127.0.0.1:4573",
      });
    } else if (
      !URL.canParse(env.FIREHOSE_ENDPOINT) ||
      !/^https?:$/.test(new URL(env.FIREHOSE_ENDPOINT).protocol)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["FIREHOSE_ENDPOINT"],
        message: "must be an http(s) URL, e.g. http://127.0.0.1:4573",
      });
    }
  });

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
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `  ${name}=${JSON.stringify(source[name] ?? "")}: ${issue.message}`;
    });
    throw new ConfigError(`invalid settings (in .env or the environment):\n${lines.join("\n")}`);
  }
  const s = parsed.data;
  const known = s.KR_STREAMS.filter((name): name is StreamName =>
    (STREAMS as readonly string[]).includes(name),
  );
  const config: GeneratorConfig = {
    mode: s.KR_MODE,
    region: s.AWS_REGION,
    deliveryStreams: Object.fromEntries(known.map((name) => [name, `${s.KR_PROJECT}-${name}`])),
    unknownStreams: s.KR_STREAMS.filter((name) => !known.includes(name as StreamName)),
    recordMaxBytes: s.GENERATOR_RECORD_MAX_BYTES,
  };
  if (s.KR_MODE === "local") config.endpoint = new URL(s.FIREHOSE_ENDPOINT).origin;
  else if (s.ACCOUNT_A_PROFILE) config.profile = s.ACCOUNT_A_PROFILE;
  Object.freeze(config.deliveryStreams);
  Object.freeze(config.unknownStreams);
  return Object.freeze(config);
}
