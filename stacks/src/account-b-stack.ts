// Account B (warehouse): network, manifest bucket, COPY role, Redshift cluster, the loader Lambda
// and its schedule, its alarms, their topic and the warehouse dashboard. Account A's bucket is
// addressed by its derived name, so this stack synthesizes (and deploys) without A's state.

import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { loaderLambdaEnvironment } from "@kr/contract";
import { Aspects, Fn, Op, TerraformOutput, TerraformStack, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import { alarmArn } from "./alarm";
import { AlarmTopic } from "./alarm-topic";
import { configureBackend } from "./backend";
import { WarehouseCluster } from "./cluster";
import { CopyRole } from "./copy-role";
import { Dashboard } from "./dashboard";
import { warehouseWidgets } from "./dashboard-widgets";
import { LoaderAlarms } from "./loader-alarms";
import { LoaderFunction } from "./loader-function";
import { ManifestBucket } from "./manifest-bucket";
import { namesOf, partitionOf, STACK_B, s3BucketArn } from "./naming";
import { WarehouseNetwork } from "./network";
import { LoaderSchedule } from "./schedule";
import { SecurityAspect } from "./security-aspect";
import type { InfraSettings } from "./settings";

/** Terraform variables of this stack (build.tfvars); defaults are the values synth validated. */
export const ACCOUNT_B_VARIABLES = [
  "master_username",
  "node_type",
  "number_of_nodes",
  "skip_final_snapshot",
] as const;

export class AccountBStack extends TerraformStack {
  readonly network: WarehouseNetwork;
  readonly manifestBucket: ManifestBucket;
  readonly copyRole: CopyRole;
  readonly cluster: WarehouseCluster;
  readonly loader: LoaderFunction;
  readonly schedule: LoaderSchedule;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: LoaderAlarms;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, settings: InfraSettings, id: string = STACK_B) {
    super(scope, id);
    const names = namesOf(settings);
    new AwsProvider(this, "aws", {
      region: settings.region,
      ...(settings.warehouse.profile ? { profile: settings.warehouse.profile } : {}),
      allowedAccountIds: [settings.warehouse.id],
      defaultTags: [{ tags: { Project: settings.project, Stack: id, ManagedBy: "cdktf" } }],
    });
    configureBackend(this, id, settings.warehouse, settings.region, settings.state);

    const vars = clusterVariables(this, settings);

    const eventsBucketArn = names.eventsBucketArn;
    const manifestBucketArn = s3BucketArn(settings.region, names.manifestBucket);
    this.network = new WarehouseNetwork(this, "network", {
      name: `${settings.project}-warehouse`,
      region: settings.region,
      ...(settings.network.vpcId
        ? { vpcId: settings.network.vpcId, subnetIds: settings.network.subnetIds }
        : {}),
      cidr: settings.network.vpcCidr,
      createEndpoints: settings.network.createEndpoints,
      s3BucketArns: [eventsBucketArn, manifestBucketArn],
      clusterPort: settings.cluster.port,
    });
    this.manifestBucket = new ManifestBucket(this, "manifest-bucket", {
      bucketName: names.manifestBucket,
      expirationDays: settings.manifestExpirationDays,
    });
    this.copyRole = new CopyRole(this, "copy-role", {
      roleName: names.copyRole,
      eventsBucketArn,
      streams: settings.streams,
      manifestBucketArn,
    });
    this.cluster = new WarehouseCluster(this, "cluster", {
      identifier: names.cluster,
      databaseName: settings.cluster.databaseName,
      masterUsername: vars.masterUsername.stringValue,
      nodeType: vars.nodeType.stringValue,
      numberOfNodes: vars.numberOfNodes.numberValue,
      port: settings.cluster.port,
      skipFinalSnapshot: vars.skipFinalSnapshot.booleanValue,
      subnetIds: this.network.subnetIds,
      securityGroupIds: [this.network.clusterSecurityGroupId],
      copyRoleArn: this.copyRole.roleArn,
      logRetentionDays: settings.logRetentionDays,
    });

    this.loader = new LoaderFunction(this, "loader", {
      functionName: names.loaderFunction,
      entry: settings.loader.entry,
      roleName: names.loaderRole,
      subnetIds: this.network.subnetIds,
      securityGroupIds: [this.network.loaderSecurityGroupId],
      memoryMb: settings.loader.memoryMb,
      timeoutSeconds: settings.loader.timeoutSeconds,
      reservedConcurrency: settings.loader.reservedConcurrency,
      logRetentionDays: settings.logRetentionDays,
      // Settings only, named as the loader's config reads them; the database password stays in
      // Secrets Manager and is fetched at run time through the VPC endpoint.
      environment: loaderLambdaEnvironment({
        project: settings.project,
        streams: settings.streams,
        // The loader derives the events bucket name from the account ids, as naming.ts does.
        accountA: settings.ingest.id,
        accountB: settings.warehouse.id,
        manifestBucket: names.manifestBucket,
        copyRoleArn: this.copyRole.roleArn,
        lookbackHours: settings.loader.lookbackHours,
        maxErrors: settings.loader.maxErrors,
        batchMaxBytes: settings.loader.batchMaxBytes,
        batchMaxFiles: settings.loader.batchMaxFiles,
        chainMax: settings.loader.chainMax,
        dedupeWindowHours: settings.loader.dedupeWindowHours,
        timeoutSeconds: settings.loader.timeoutSeconds,
        host: this.cluster.host,
        port: settings.cluster.port,
        database: settings.cluster.databaseName,
        user: vars.masterUsername.stringValue,
        schema: settings.loader.schema,
        secretArn: this.cluster.masterSecretArn,
      }),
      policyStatements: [
        {
          Sid: "ListStreamPrefixes",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: eventsBucketArn,
          Condition: { StringLike: { "s3:prefix": names.streamListPrefixes } },
        },
        {
          Sid: "ReadStreamObjects",
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: names.streamObjectArns,
        },
        {
          Sid: "WriteManifests",
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:GetObject"],
          Resource: `${manifestBucketArn}/*`,
        },
        {
          Sid: "ReadClusterSecret",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: this.cluster.masterSecretArn,
        },
      ],
    });
    this.schedule = new LoaderSchedule(this, "schedule", {
      name: `${names.loaderFunction}-schedule`,
      functionName: this.loader.functionName,
      functionArn: this.loader.functionArn,
      expression: settings.loader.schedule,
    });

    const partition = partitionOf(settings.region);
    this.alarmTopic = new AlarmTopic(this, "alarm-topic", {
      name: `${settings.project}-alarms`,
      accountId: settings.warehouse.id,
      region: settings.region,
      partition,
      alarmNamePrefix: `${settings.project}-`,
      emails: settings.alarms.emails,
    });
    this.alarms = new LoaderAlarms(this, "alarms", {
      project: settings.project,
      streams: settings.streams,
      functionName: names.loaderFunction,
      timeoutSeconds: settings.loader.timeoutSeconds,
      failureQueueName: this.loader.failureQueueName,
      topicArn: this.alarmTopic.topicArn,
      lagMinutes: settings.alarms.lagMinutes,
      rejectedRecords: settings.alarms.rejectedRecords,
      durationPercent: settings.alarms.durationPercent,
      runbookUrl: settings.alarms.runbookUrl,
    });
    this.dashboard = new Dashboard(this, "dashboard", {
      name: `${settings.project}-warehouse`,
      widgets: warehouseWidgets({
        project: settings.project,
        region: settings.region,
        streams: settings.streams,
        functionName: names.loaderFunction,
        failureQueueName: this.loader.failureQueueName,
        timeoutSeconds: settings.loader.timeoutSeconds,
        lagMinutes: settings.alarms.lagMinutes,
        alarmArns: Object.keys(this.alarms.alarms).map((name) =>
          alarmArn(partition, settings.region, settings.warehouse.id, name),
        ),
        runbookUrl: settings.alarms.runbookUrl,
      }),
    });

    const out = (name: string, value: unknown, description: string) =>
      new TerraformOutput(this, name, { value, description });
    out("cluster_endpoint_host", this.cluster.host, "Private host name of the cluster");
    out("cluster_port", this.cluster.port, "Cluster port");
    out("database_name", this.cluster.databaseName, "Database the loader writes to");
    out(
      "master_secret_arn",
      this.cluster.masterSecretArn,
      "Secrets Manager secret with the master credentials",
    );
    out("copy_role_arn", this.copyRole.roleArn, "Role Redshift assumes for COPY (cluster default role)");
    out("loader_role_arn", this.loader.roleArn, "Execution role of the loader Lambda");
    out(
      "loader_function_name",
      this.loader.functionName,
      "Loader Lambda (invoked by `make load` in AWS mode)",
    );
    out("loader_failure_queue_arn", this.loader.failureQueueArn, "Failed scheduled invocations");
    out("manifest_bucket_name", this.manifestBucket.bucketName, "Bucket for COPY manifests");
    out("vpc_id", this.network.vpcId, "VPC of the cluster and the loader");
    out("alarm_topic_arn", this.alarmTopic.topicArn, "SNS topic every account-b alarm notifies");
    out("dashboard_name", this.dashboard.dashboardName, "CloudWatch dashboard of the loader");

    Aspects.of(this).add(new SecurityAspect());
  }
}

/** The cluster's Terraform variables; their defaults are the values the config validated at synth. */
function clusterVariables(stack: TerraformStack, settings: InfraSettings) {
  const masterUsername = new TerraformVariable(stack, "master_username", {
    type: "string",
    default: settings.cluster.masterUsername,
    description: "Redshift master user name (its password is generated and kept by Secrets Manager)",
  });
  masterUsername.addValidation({
    condition: Fn.can(Fn.regex("^[a-z][a-z0-9_]{0,126}$", masterUsername.stringValue)),
    errorMessage: "master_username: lowercase letters, digits and _, starting with a letter.",
  });
  const nodeType = new TerraformVariable(stack, "node_type", {
    type: "string",
    default: settings.cluster.nodeType,
    description: "Redshift node type, e.g. ra3.xlplus",
  });
  const numberOfNodes = new TerraformVariable(stack, "number_of_nodes", {
    type: "number",
    default: settings.cluster.numberOfNodes,
    description: "Redshift node count; more than one makes a multi-node cluster",
  });
  numberOfNodes.addValidation({
    condition: Op.and(Op.gte(numberOfNodes.numberValue, 1), Op.lte(numberOfNodes.numberValue, 128)),
    errorMessage: "number_of_nodes: 1-128.",
  });
  const skipFinalSnapshot = new TerraformVariable(stack, "skip_final_snapshot", {
    type: "bool",
    default: settings.cluster.skipFinalSnapshot,
    description: "Destroy the cluster without its final snapshot <cluster>-final",
  });
  return { masterUsername, nodeType, numberOfNodes, skipFinalSnapshot };
}
