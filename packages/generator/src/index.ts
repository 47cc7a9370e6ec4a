export { type GenerateCommand, parseGenerateArgs, USAGE } from "./args";
export { DEFAULT_RETRY, type RetryPolicy } from "./backoff";
export { type GeneratorCliIO, runCli } from "./cli-main";
export { type GeneratorConfig, loadGeneratorConfig } from "./config";
export { ConfigError, GeneratorError, UsageError } from "./errors";
export { type GeneratedRecord, type GenerateOptions, generateRecords } from "./generate";
export { type PackLimits, PUT_RECORD_BATCH_LIMITS } from "./limits";
export { type Batch, packBatches, type Sendable } from "./pack";
export { Random } from "./random";
export {
  BILLING_INCREMENT_BYTES,
  billedBytes,
  DEFAULT_RECORD_MAX_BYTES,
  type FirehoseRecord,
  packRecords,
} from "./records";
export { formatSummary } from "./report";
export { firehoseClient, runGenerate } from "./run";
export { DEFAULT_CONCURRENCY, type SendOptions, sendRecords } from "./send";
export { STREAMS, type StreamName } from "./sessions";
export type { SendProgress, SendSummary, StreamSummary } from "./tally";
