// @kr/infra: the cdktf app (both stacks) and its typed, validated configuration.
export { type BuildOptions, buildInfraApp, type InfraApp } from "./app";
export {
  ConfigError,
  DEFAULT_LOADER_ENTRY,
  type EnvRecord,
  INFRA_ENV_SETTINGS,
  INFRA_TFVARS,
  type LoadOptions,
  loadInfraConfig,
  type ParseOptions,
  parseInfraConfig,
  parseTfvars,
  type TfvarsValue,
} from "./config";
