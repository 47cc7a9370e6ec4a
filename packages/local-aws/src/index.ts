export { type LocalStackConfig, loadLocalStackConfig } from "./config";
export { ConfigError, LocalAwsError } from "./errors";
export type { ClockSetting } from "./firehose/clock";
export type { BufferingHints, DeliveryStreamSpec } from "./firehose/delivery-stream";
export type { ActiveFaults, FirehoseFaults } from "./firehose/faults";
export { FIREHOSE_LIMITS } from "./firehose/limits";
export { firehoseObjectKey } from "./firehose/object-key";
export {
  type LocalFirehose,
  type LocalFirehoseOptions,
  type LocalFirehoseStats,
  startLocalFirehose,
} from "./firehose/server";
export { type MotoServer, startMotoServer } from "./moto";
export { type DeliveredObject, localS3Client, readDeliveredObjects } from "./s3-objects";
export { LOCAL_S3_CREDENTIALS, type LocalS3, type LocalS3Options, startLocalS3 } from "./s3-server";
export { type LocalStack, type LocalStackOptions, startLocalStack } from "./stack";
export { type LocalWarehouse, type LocalWarehouseOptions, startLocalWarehouse } from "./warehouse-server";
