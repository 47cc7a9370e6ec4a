// Typed settings both stacks are built from. apps/infra validates .env/build.tfvars into this shape;
// the stacks never read the environment themselves.

/** One AWS account the product deploys into. */
export interface AccountSettings {
  /** 12-digit account id; also the provider's only allowed account. */
  readonly id: string;
  /** Named AWS CLI profile the stack's provider (and S3 backend) use; unset = default credential chain. */
  readonly profile?: string;
  /** S3 bucket (in this account) holding this stack's Terraform state; unset = local state file. */
  readonly stateBucket?: string;
}

export interface FirehoseSettings {
  /** Buffering size hint, 1-128 MiB. */
  readonly bufferSizeMb: number;
  /** Buffering interval hint, 0-900 s. */
  readonly bufferIntervalSeconds: number;
  /** Feed each delivery stream from an on-demand Kinesis data stream instead of direct PUT. */
  readonly kinesisSource: boolean;
}

export interface EventsLifecycleSettings {
  /** Days after which event objects move to `transitionStorageClass`; 0 = never. */
  readonly transitionDays: number;
  readonly transitionStorageClass: string;
  /** Days after which event objects are deleted; 0 = never (keep every hour re-importable). */
  readonly expirationDays: number;
}

export interface NetworkSettings {
  /** Existing VPC to use; unset = create a private one. */
  readonly vpcId?: string;
  /** Existing private subnets (with vpcId). */
  readonly subnetIds: readonly string[];
  /** CIDR of the VPC created when vpcId is unset. */
  readonly vpcCidr: string;
  /** Create the VPC endpoints the loader needs (S3 gateway, Secrets Manager interface). */
  readonly createEndpoints: boolean;
}

export interface ClusterSettings {
  /** Defaults of the Terraform variables of the same names (build.tfvars). */
  readonly masterUsername: string;
  readonly nodeType: string;
  readonly numberOfNodes: number;
  readonly skipFinalSnapshot: boolean;
  readonly databaseName: string;
  readonly port: number;
}

export interface LoaderSettings {
  /** Absolute path of the loader Lambda entry (exports `handler`). */
  readonly entry: string;
  /** Schema of the stream tables (`<schema>.<stream>`). */
  readonly schema: string;
  /** EventBridge schedule expression, e.g. `rate(1 hour)`. */
  readonly schedule: string;
  readonly lookbackHours: number;
  readonly maxErrors: number;
  /** Batch bounds, the drain chain and the dedupe window, passed to the Lambda as the loader reads them. */
  readonly batchMaxBytes: number;
  readonly batchMaxFiles: number;
  readonly chainMax: number;
  readonly dedupeWindowHours: number;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number;
}

export interface AlarmSettings {
  /** Email addresses subscribed to each account's alarm topic; empty = none. */
  readonly emails: readonly string[];
  /** Account B: a stream's load lag, or the time without a loader run, that alarms. */
  readonly lagMinutes: number;
  /** Account B: rejected records per stream per hour that alarm. */
  readonly rejectedRecords: number;
  /** Account B: a loader run's duration, as a percentage of its timeout, that alarms. */
  readonly durationPercent: number;
  /** Account A: Firehose `DeliveryToS3.DataFreshness` that alarms. */
  readonly freshnessMinutes: number;
  /** Runbook the alarm descriptions link to; `#section` anchors are appended. */
  readonly runbookUrl: string;
}

export interface StateSettings {
  /** Directory of the local `terraform.<stack>.tfstate` files (absolute). */
  readonly localDir: string;
  /** Key prefix inside a state bucket: `<prefix>/<stack>.tfstate`. */
  readonly keyPrefix: string;
}

export interface InfraSettings {
  /** Name prefix of every resource. */
  readonly project: string;
  readonly region: string;
  /** Stream names: one delivery stream, S3 prefix `<stream>/` and table each. */
  readonly streams: readonly string[];
  /** Account A: ingest (bucket, Firehose). */
  readonly ingest: AccountSettings;
  /** Account B: warehouse (Redshift, loader). */
  readonly warehouse: AccountSettings;
  readonly firehose: FirehoseSettings;
  readonly eventsLifecycle: EventsLifecycleSettings;
  readonly network: NetworkSettings;
  readonly cluster: ClusterSettings;
  readonly loader: LoaderSettings;
  readonly manifestExpirationDays: number;
  /** Retention of every log group the stacks create (a CloudWatch-allowed value). */
  readonly logRetentionDays: number;
  /** Alarm thresholds, topics and runbook of both stacks. */
  readonly alarms: AlarmSettings;
  readonly state: StateSettings;
}
