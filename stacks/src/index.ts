// @kr/stacks: the two cdktf stacks and the constructs they are composed of.
export { AccountAStack } from "./account-a-stack";
export { ACCOUNT_B_VARIABLES, AccountBStack } from "./account-b-stack";
export {
  alarmArn,
  alarmDescription,
  MAX_DESCRIPTION,
  type RoutedAlarmProps,
  RUNBOOK,
  type RunbookSection,
  routedAlarm,
} from "./alarm";
export { AlarmTopic, type AlarmTopicProps } from "./alarm-topic";
export { configureBackend } from "./backend";
export {
  NODE_RANGES,
  type NodeType,
  nodeCountProblem,
  WarehouseCluster,
  type WarehouseClusterProps,
} from "./cluster";
export { CopyRole, type CopyRoleProps } from "./copy-role";
export {
  alarmWidget,
  Dashboard,
  type DashboardProps,
  dashboardBody,
  type MetricLine,
  metricWidget,
  textWidget,
  type Widget,
} from "./dashboard";
export {
  type IngestWidgetsProps,
  ingestWidgets,
  type WarehouseWidgetsProps,
  warehouseWidgets,
} from "./dashboard-widgets";
export { DeliveryStream, type DeliveryStreamProps } from "./delivery-stream";
export { EventsBucket, type EventsBucketProps } from "./events-bucket";
export { IngestAlarms, type IngestAlarmsProps } from "./ingest-alarms";
export { KinesisSource, type KinesisSourceProps } from "./kinesis-source";
export { bundleLambda, type LambdaBundle, type LambdaBundleOptions } from "./lambda-bundle";
export { LoaderAlarms, type LoaderAlarmsProps, notRunningWindow } from "./loader-alarms";
export { LoaderFunction, type LoaderFunctionProps } from "./loader-function";
export { ManifestBucket, type ManifestBucketProps } from "./manifest-bucket";
export { iamRoleArn, namesOf, type ProductNames, partitionOf, STACK_A, STACK_B, s3BucketArn } from "./naming";
export { WarehouseNetwork, type WarehouseNetworkProps } from "./network";
export { type PolicyStatement, policyDocument, serviceTrustPolicy } from "./policy";
export { LoaderSchedule, type LoaderScheduleProps } from "./schedule";
export { type BucketLifecycleRule, SecureBucket, type SecureBucketProps } from "./secure-bucket";
export {
  findSecurityViolations,
  formatViolation,
  SecurityAspect,
  type SecurityRule,
  type SecurityViolation,
  SecurityViolationError,
  type TerraformJson,
} from "./security-aspect";
export type * from "./settings";
