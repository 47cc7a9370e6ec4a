// @kr/copy-builder: pure functions from a load plan to manifests and warehouse SQL. Hour ranges, S3 key
// layout and identifiers live in @kr/contract (shared with the settings) and are re-exported here.
// No I/O: everything here is tested by comparing text.
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
export { buildManifest, type Manifest, type ManifestFile, manifestKey, s3Url } from "./manifest";
export { type FirehoseObjectName, firehoseObjectKey, hourOfKey, hourPrefix, streamPrefix } from "./prefixes";
export { buildColumnsQuery, normalizeDataType, SLICE_COUNT_QUERY } from "./sql/catalog";
export { buildChainClaim, buildChainCreate, buildChainRelease } from "./sql/chain";
export {
  buildCopy,
  buildLoadErrorsQuery,
  buildLoadErrorsSinceQuery,
  buildStageMark,
  type CopyOptions,
  MAX_TOLERATED_ERRORS,
  maxErrorFor,
  RAW_LINE_DELIMITER,
  REDSHIFT_MAXERROR_LIMIT,
} from "./sql/copy";
export {
  buildAddLedgerColumn,
  columnSqlType,
  LEDGER_ADDED_COLUMNS,
  LEDGER_SCHEMA,
  ledgerDdl,
  streamTableDdl,
} from "./sql/ddl";
export { type Dialect, type Statement, timestampLiteral, timestampText } from "./sql/dialect";
export {
  type BatchRecord,
  buildBatchHistory,
  buildBatchRecord,
  buildLedgerForget,
  buildLedgerLookup,
  buildLedgerRecord,
  buildReimportLookup,
  LEDGER_CHUNK,
  type LedgerFile,
} from "./sql/ledger";
export { buildLock } from "./sql/lock";
export {
  buildAnalyzeStaging,
  buildCountUnchanged,
  buildDeleteReplaced,
  buildDropStaging,
  buildDropUnchanged,
  buildInsertFromStaging,
  buildStagingStats,
  type MergeOptions,
  type MergeTarget,
  mergeBounds,
  stagingTableName,
} from "./sql/merge";
export {
  buildCreateRejects,
  buildDropRejects,
  buildInsertRejects,
  buildQuarantineCounts,
  buildQuarantineInsert,
  buildQuarantineList,
  buildQuarantineReplayed,
  buildQuarantineRetry,
  buildQuarantineToReplay,
  buildQuarantineUnreplayed,
  buildRejectsFromStaging,
  MULTI_LINE_REASON,
  missingReason,
  QUARANTINE_CHUNK,
  QUARANTINE_TABLE,
  type QuarantineFilter,
  quarantineDdl,
  RAW_LINE_MAX_BYTES,
  REASON_MAX_BYTES,
  type RejectRow,
  rejectsTableName,
  type TargetCheck,
  targetChecks,
  tooLongReason,
} from "./sql/quarantine";
export {
  buildCreateParsedLines,
  buildCreateRawLines,
  buildDropRawLines,
  buildInsertParsed,
  buildInsertRawLines,
  buildParsedRejects,
  buildParseRawLines,
  buildRejectsFromLoadErrors,
  buildRejectsFromParsed,
  parsedLinesTableName,
  rawLinesTableName,
  TIMESTAMP_SHAPE,
} from "./sql/raw-lines";
export {
  buildDeadlockTimeout,
  buildStaleSessionsQuery,
  buildStatementTimeout,
  buildTerminateSession,
  buildWorkMem,
  DEADLOCK_TIMEOUT_QUERY,
  LOADER_APPLICATION_PREFIX,
  loaderApplicationName,
} from "./sql/session";
export {
  buildCreateStaging,
  buildDeleteStagingRejects,
  buildStagingRejects,
  stagingColumns,
  type TargetColumn,
  varcharLength,
  WIDE_VARCHAR,
} from "./sql/staging";
export {
  buildFailedBatchesQuery,
  buildFailedBatchRecord,
  buildStatusLedgerQuery,
  buildVerifyLedgerQuery,
  buildVerifyRowsQuery,
  type FailedBatchRecord,
  opsDdl,
  VERIFY_KEYS_CHUNK,
} from "./sql/status";
export {
  type ColumnSpec,
  type ColumnType,
  DEFAULT_KEYS,
  STREAM_TABLES,
  type StreamTableSpec,
} from "./tables";
