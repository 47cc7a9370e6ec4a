// Account A (ingest): the events bucket, one Firehose per stream (optionally fed by Kinesis), and a
// bucket policy that lets exactly account B's COPY and loader roles read the stream prefixes; the
// Firehose alarms, their topic and the ingest dashboard.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Aspects, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { alarmArn } from "./alarm";
import { AlarmTopic } from "./alarm-topic";
import { configureBackend } from "./backend";
import { Dashboard } from "./dashboard";
import { ingestWidgets } from "./dashboard-widgets";
import { DeliveryStream } from "./delivery-stream";
import { EventsBucket } from "./events-bucket";
import { IngestAlarms } from "./ingest-alarms";
import { KinesisSource } from "./kinesis-source";
import { namesOf, partitionOf, STACK_A } from "./naming";
import { SecurityAspect } from "./security-aspect";
import type { InfraSettings } from "./settings";

export class AccountAStack extends TerraformStack {
  readonly eventsBucket: EventsBucket;
  /** Delivery stream per product stream name. */
  readonly deliveryStreams: Readonly<Record<string, DeliveryStream>>;
  /** Kinesis source per product stream name (empty unless `firehose.kinesisSource`). */
  readonly kinesisSources: Readonly<Record<string, KinesisSource>>;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: IngestAlarms;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, settings: InfraSettings, id: string = STACK_A) {
    super(scope, id);
    const names = namesOf(settings);
    new AwsProvider(this, "aws", {
      region: settings.region,
      ...(settings.ingest.profile ? { profile: settings.ingest.profile } : {}),
      // Refuse to plan or apply with credentials of any other account.
      allowedAccountIds: [settings.ingest.id],
      defaultTags: [{ tags: { Project: settings.project, Stack: id, ManagedBy: "cdktf" } }],
    });
    configureBackend(this, id, settings.ingest, settings.region, settings.state);

    this.eventsBucket = new EventsBucket(this, "events-bucket", {
      bucketName: names.eventsBucket,
      streams: settings.streams,
      // Derived, not referenced: account B's roles live in another stack and another account.
      readerRoleArns: [names.copyRoleArn, names.loaderRoleArn],
      transitionDays: settings.eventsLifecycle.transitionDays,
      transitionStorageClass: settings.eventsLifecycle.transitionStorageClass,
      expirationDays: settings.eventsLifecycle.expirationDays,
      partition: partitionOf(settings.region),
    });

    const deliveryStreams: Record<string, DeliveryStream> = {};
    const kinesisSources: Record<string, KinesisSource> = {};
    for (const stream of settings.streams) {
      const source = settings.firehose.kinesisSource
        ? new KinesisSource(this, `kinesis-${stream}`, { name: names.kinesisStream(stream) })
        : undefined;
      if (source) kinesisSources[stream] = source;
      deliveryStreams[stream] = new DeliveryStream(this, `firehose-${stream}`, {
        name: names.deliveryStream(stream),
        stream,
        bucketArn: this.eventsBucket.bucketArn,
        accountId: settings.ingest.id,
        bufferSizeMb: settings.firehose.bufferSizeMb,
        bufferIntervalSeconds: settings.firehose.bufferIntervalSeconds,
        kinesisSource: source,
        logRetentionDays: settings.logRetentionDays,
      });
    }
    this.deliveryStreams = deliveryStreams;
    this.kinesisSources = kinesisSources;

    const partition = partitionOf(settings.region);
    const deliveryStreamNames = Object.fromEntries(
      settings.streams.map((stream) => [stream, names.deliveryStream(stream)]),
    );
    this.alarmTopic = new AlarmTopic(this, "alarm-topic", {
      name: `${settings.project}-alarms`,
      accountId: settings.ingest.id,
      region: settings.region,
      partition,
      alarmNamePrefix: `${settings.project}-`,
      emails: settings.alarms.emails,
    });
    this.alarms = new IngestAlarms(this, "alarms", {
      deliveryStreams: deliveryStreamNames,
      topicArn: this.alarmTopic.topicArn,
      freshnessMinutes: settings.alarms.freshnessMinutes,
      runbookUrl: settings.alarms.runbookUrl,
    });
    this.dashboard = new Dashboard(this, "dashboard", {
      name: `${settings.project}-ingest`,
      widgets: ingestWidgets({
        project: settings.project,
        region: settings.region,
        deliveryStreams: deliveryStreamNames,
        freshnessMinutes: settings.alarms.freshnessMinutes,
        alarmArns: Object.keys(this.alarms.alarms).map((name) =>
          alarmArn(partition, settings.region, settings.ingest.id, name),
        ),
        runbookUrl: settings.alarms.runbookUrl,
      }),
    });

    const byStream = (pick: (d: DeliveryStream) => string) =>
      Object.fromEntries(Object.entries(deliveryStreams).map(([s, d]) => [s, pick(d)]));
    new TerraformOutput(this, "events_bucket_name", { value: this.eventsBucket.bucketName });
    new TerraformOutput(this, "events_bucket_arn", { value: this.eventsBucket.bucketArn });
    new TerraformOutput(this, "delivery_stream_names", { value: byStream((d) => d.deliveryStreamName) });
    new TerraformOutput(this, "delivery_stream_arns", { value: byStream((d) => d.deliveryStreamArn) });
    new TerraformOutput(this, "alarm_topic_arn", { value: this.alarmTopic.topicArn });
    new TerraformOutput(this, "dashboard_name", { value: this.dashboard.dashboardName });
    if (settings.firehose.kinesisSource) {
      const bySource = (pick: (k: KinesisSource) => string) =>
        Object.fromEntries(Object.entries(kinesisSources).map(([s, k]) => [s, pick(k)]));
      new TerraformOutput(this, "kinesis_stream_names", { value: bySource((k) => k.streamName) });
      new TerraformOutput(this, "kinesis_stream_arns", { value: bySource((k) => k.streamArn) });
    }

    Aspects.of(this).add(new SecurityAspect());
  }
}
