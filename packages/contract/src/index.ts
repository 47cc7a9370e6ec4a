// @kr/contract: the facts every package shares, defined once. Pure: no I/O, no AWS SDK, no pg.
// - settings: one definition per setting, readers, readSettings and SettingsError
// - names of every resource from KR_PROJECT and the account ids
// - the S3 key layout (Firehose's), hour ranges, identifier validation and quoting
// - the loader's metric names (EMF on the Lambda, alarms in the stack)
// - the local stand-ins' fixed endpoints and credentials
export { deepFreeze } from "./freeze";
export {
  chunkRange,
  floorToHour,
  formatHour,
  formatRange,
  type HourRange,
  HourRangeError,
  hourCount,
  hoursOf,
  lookbackRange,
  type ParseRangeOptions,
  parseHour,
  parseHourRange,
} from "./hours";
export {
  isIdentifier,
  qualifiedName,
  quoteIdent,
  quoteLiteral,
  UnsafeSqlValueError,
  validateBucket,
  validateIdentifier,
  validateKey,
  validateRegion,
  validateRoleArn,
} from "./identifiers";
export { type FirehoseObjectName, firehoseObjectKey, hourOfKey, hourPrefix, streamPrefix } from "./keys";
export {
  type LoaderLambdaInputs,
  loaderLambdaEnvironment,
  STALE_SESSION_MARGIN_SECONDS,
  staleSessionSeconds,
} from "./lambda-env";
export {
  isLoopbackHost,
  LOCAL_FIREHOSE_ENDPOINT,
  LOCAL_S3_CREDENTIALS,
  LOCAL_S3_ENDPOINT,
} from "./local";
export {
  LOADER_METRIC_DIMENSIONS,
  LOADER_METRICS,
  LOADER_METRICS_NAMESPACE,
  type LoaderMetricName,
  type LoaderMetricUnit,
} from "./metrics";
export { MODE_SETTINGS, type Mode, resolveMode } from "./mode";
export {
  clusterName,
  copyRoleName,
  deliveryStreamName,
  eventsBucketName,
  firehoseRoleName,
  loaderFunctionName,
  loaderRoleName,
  manifestBucketName,
  type NameInputs,
} from "./names";
export {
  LOG_RETENTION_CHOICES,
  PROJECT_PATTERN,
  REGION_PATTERN,
  SETTINGS,
  type SettingName,
  type Settings,
  STORAGE_CLASSES,
  STREAM_PATTERN,
} from "./settings/definitions";
export {
  type EnvRecord,
  readSettings,
  SettingsError,
  type SettingValues,
  settingProblem,
  settingsUsedBy,
} from "./settings/read";
export {
  bool,
  int,
  intIn,
  list,
  number,
  oneOf,
  type Reader,
  type ReadResult,
  string,
  url,
} from "./settings/readers";
export { type SettingDefinition, type SettingGroup, type SettingUser, setting } from "./settings/setting";
