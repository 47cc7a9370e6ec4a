// Alarms, alarm topics and dashboards of both stacks, synthesized from settings as the app reads
// them: thresholds come from config, every alarm notifies its account's topic, the topic can
// actually receive CloudWatch's notifications (CMK, key and topic policies), every description
// links to a runbook section that exists, and the dashboards are valid JSON over the same metrics.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LOADER_METRICS, LOADER_METRICS_NAMESPACE } from "@kr/contract";
import {
  AccountAStack,
  AccountBStack,
  findSecurityViolations,
  MAX_DESCRIPTION,
  RUNBOOK,
  type TerraformJson,
} from "@kr/stacks";
import { type TerraformStack, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { parseInfraConfig } from "../src/config";

const ROOT = join(import.meta.dirname, "..", "..", "..");

type Attrs = Record<string, unknown>;
interface Tf {
  resource: Record<string, Record<string, Attrs>>;
  output: Record<string, { value: unknown }>;
}

const synth = (make: (app: ReturnType<typeof Testing.app>) => TerraformStack): Tf =>
  JSON.parse(Testing.synth(make(Testing.app()))) as Tf;
const stacks = (env: Record<string, string> = {}) => {
  const settings = parseInfraConfig(env, {}, { stateDir: "/tmp" });
  return {
    a: synth((app) => new AccountAStack(app, settings)),
    b: synth((app) => new AccountBStack(app, settings)),
  };
};
const all = (tf: Tf, type: string): Attrs[] => Object.values(tf.resource[type] ?? {});
const one = (tf: Tf, type: string): Attrs => {
  const found = all(tf, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as Attrs;
};
const alarmsOf = (tf: Tf) =>
  Object.fromEntries(all(tf, "aws_cloudwatch_metric_alarm").map((a) => [a.alarm_name as string, a]));
const alarm = (tf: Tf, name: string): Attrs => {
  const found = alarmsOf(tf)[name];
  if (!found) throw new Error(`no alarm ${name} (have ${Object.keys(alarmsOf(tf)).join(", ")})`);
  return found;
};
/** `${aws_sns_topic.<name>.arn}` of the stack's only topic. */
const topicRef = (tf: Tf) => `\${aws_sns_topic.${Object.keys(tf.resource.aws_sns_topic ?? {})[0]}.arn}`;
const dashboard = (tf: Tf) =>
  JSON.parse(one(tf, "aws_cloudwatch_dashboard").dashboard_body as string) as {
    widgets: { type: string; x: number; y: number; width: number; height: number; properties: Attrs }[];
  };
/** Every metric line of a dashboard as "namespace metric dim=value …". */
const metricLines = (tf: Tf) =>
  dashboard(tf)
    .widgets.filter((w) => w.type === "metric")
    .flatMap((w) => w.properties.metrics as unknown[][])
    .map((line) => {
      const parts = line.filter((p) => typeof p === "string") as string[];
      const [namespace, metric, ...dims] = parts;
      const pairs = [];
      for (let i = 0; i < dims.length; i += 2) pairs.push(`${dims[i]}=${dims[i + 1]}`);
      return [namespace, metric, ...pairs].join(" ");
    });

/** GitHub's heading anchors of docs/operations.md. */
const runbookAnchors = new Set(
  readFileSync(join(ROOT, "docs/operations.md"), "utf8")
    .split("\n")
    .filter((line) => /^#{1,4} /.test(line))
    .map((line) =>
      line
        .replace(/^#+ /, "")
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, "")
        .replace(/ /g, "-"),
    ),
);

const defaults = stacks();

describe("alarm topics (both accounts)", () => {
  it.each([
    ["account-a", defaults.a, "111111111111"],
    ["account-b", defaults.b, "222222222222"],
  ])("%s: a topic encrypted with a rotated customer-managed key CloudWatch may use", (_, tf, account) => {
    const key = one(tf, "aws_kms_key");
    expect(key.enable_key_rotation).toBe(true);
    const keyRef = `\${aws_kms_key.${Object.keys(tf.resource.aws_kms_key ?? {})[0]}.arn}`;
    expect(one(tf, "aws_sns_topic")).toEqual({ name: "kr-alarms", kms_master_key_id: keyRef });
    expect(one(tf, "aws_kms_alias").name).toBe("alias/kr-alarms");

    const keyPolicy = JSON.parse(key.policy as string) as { Statement: Attrs[] };
    expect(keyPolicy.Statement).toContainEqual({
      Sid: "CloudWatchAlarmsUseKey",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: { StringEquals: { "aws:SourceAccount": account } },
    });
    const topicPolicy = one(tf, "aws_sns_topic_policy");
    expect(topicPolicy.arn).toBe(topicRef(tf));
    const statements = (JSON.parse(topicPolicy.policy as string) as { Statement: Attrs[] }).Statement;
    expect(statements).toContainEqual({
      Sid: "ProjectAlarmsPublish",
      Effect: "Allow",
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: "sns:Publish",
      Resource: topicRef(tf),
      Condition: {
        StringEquals: { "aws:SourceAccount": account },
        ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:${account}:alarm:kr-*` },
      },
    });
    expect(statements.find((s) => s.Sid === "DenyInsecureTransport")).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(tf.output.alarm_topic_arn?.value).toBe(topicRef(tf));
  });

  it("subscribes ALARM_EMAIL in both accounts, and nobody when it is unset", () => {
    expect(all(defaults.a, "aws_sns_topic_subscription")).toEqual([]);
    expect(all(defaults.b, "aws_sns_topic_subscription")).toEqual([]);
    const { a, b } = stacks({ ALARM_EMAIL: "ops@example.com,oncall@example.org" });
    for (const tf of [a, b]) {
      expect(all(tf, "aws_sns_topic_subscription")).toEqual([
        { topic_arn: topicRef(tf), protocol: "email", endpoint: "ops@example.com" },
        { topic_arn: topicRef(tf), protocol: "email", endpoint: "oncall@example.org" },
      ]);
    }
  });

  it("keeps the security aspect clean", () => {
    expect(findSecurityViolations(defaults.a as unknown as TerraformJson)).toEqual([]);
    expect(findSecurityViolations(defaults.b as unknown as TerraformJson)).toEqual([]);
  });
});

describe("every alarm", () => {
  it.each([
    ["account-a", defaults.a],
    ["account-b", defaults.b],
  ])(
    "%s: notifies the topic on ALARM and OK, is admitted by its policy, and links a runbook section",
    (_, tf) => {
      const alarms = all(tf, "aws_cloudwatch_metric_alarm");
      expect(alarms.length).toBeGreaterThan(0);
      for (const a of alarms) {
        expect(a.alarm_actions).toEqual([topicRef(tf)]);
        expect(a.ok_actions).toEqual([topicRef(tf)]);
        expect(a.alarm_name).toMatch(/^kr-/); // the topic policy's aws:SourceArn pattern
        const description = a.alarm_description as string;
        expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION);
        expect(description).toMatch(/ Do: .+ Runbook: docs\/operations\.md#[a-z0-9-]+$/);
        const anchor = description.split("#").at(-1) as string;
        expect(runbookAnchors, `${a.alarm_name} links #${anchor}`).toContain(anchor);
      }
    },
  );

  it("links every section the code knows to a heading of docs/operations.md", () => {
    for (const section of Object.values(RUNBOOK)) expect(runbookAnchors).toContain(section);
    for (const playbook of ["backlog-after-an-outage", "an-hour-is-missing-in-s3", "the-status-command"]) {
      expect(runbookAnchors).toContain(playbook);
    }
  });

  it("links ALARM_RUNBOOK_URL when it is set", () => {
    const url = "https://github.com/acme/kr/blob/main/docs/operations.md";
    const { a } = stacks({ ALARM_RUNBOOK_URL: url });
    expect(alarm(a, "kr-events-freshness").alarm_description).toMatch(
      new RegExp(`Runbook: ${url.replaceAll(".", "\\.")}#firehose-data-freshness$`),
    );
  });
});

describe("account-b alarms", () => {
  it("are the loader's: three per stream and five for the function", () => {
    expect(Object.keys(alarmsOf(defaults.b)).sort()).toEqual(
      [
        "kr-load-lag-events",
        "kr-load-lag-utm",
        "kr-rejected-events",
        "kr-rejected-utm",
        "kr-unreconciled-events",
        "kr-unreconciled-utm",
        "kr-loader-not-running",
        "kr-loader-errors",
        "kr-loader-throttles",
        "kr-loader-duration",
        "kr-loader-failures-queue",
      ].sort(),
    );
  });

  it("read the loader's metrics contract (namespace, Project and Stream dimensions, names)", () => {
    for (const a of all(defaults.b, "aws_cloudwatch_metric_alarm").filter(
      (a) => a.namespace === LOADER_METRICS_NAMESPACE,
    )) {
      expect(Object.keys(LOADER_METRICS)).toContain(a.metric_name);
      expect(a.dimensions).toEqual({ Project: "kr", Stream: expect.stringMatching(/^(events|utm)$/) });
    }
    expect(alarm(defaults.b, "kr-load-lag-utm")).toMatchObject({
      namespace: "KinesisRedshift/Loader",
      metric_name: "LoadLagSeconds",
      dimensions: { Project: "kr", Stream: "utm" },
    });
  });

  it("take their thresholds from the defaults", () => {
    const b = defaults.b;
    expect(alarm(b, "kr-load-lag-events")).toMatchObject({
      statistic: "Maximum",
      period: 300,
      threshold: 180 * 60,
      comparison_operator: "GreaterThanThreshold",
      treat_missing_data: "ignore",
    });
    expect(alarm(b, "kr-loader-not-running")).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "Invocations",
      dimensions: { FunctionName: "kr-loader" },
      period: 3600,
      evaluation_periods: 3,
      comparison_operator: "LessThanThreshold",
      threshold: 1,
      treat_missing_data: "breaching",
    });
    expect(alarm(b, "kr-rejected-events")).toMatchObject({
      metric_name: "Rejected",
      statistic: "Sum",
      period: 3600,
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
    });
    expect(alarm(b, "kr-unreconciled-utm")).toMatchObject({ metric_name: "UnreconciledHours", threshold: 1 });
    expect(alarm(b, "kr-loader-errors")).toMatchObject({ metric_name: "Errors", threshold: 1 });
    expect(alarm(b, "kr-loader-throttles")).toMatchObject({ metric_name: "Throttles", threshold: 1 });
    expect(alarm(b, "kr-loader-duration")).toMatchObject({
      metric_name: "Duration",
      statistic: "Maximum",
      threshold: 855_000, // 95 % of 900 s, in ms
    });
    expect(alarm(b, "kr-loader-failures-queue")).toMatchObject({
      namespace: "AWS/SQS",
      metric_name: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "kr-loader-failures" },
      threshold: 1,
    });
  });

  it("follow the settings", () => {
    const { b } = stacks({
      ALARM_LAG_MINUTES: "90",
      ALARM_REJECTED_RECORDS: "25",
      ALARM_DURATION_PERCENT: "80",
      LOADER_TIMEOUT_SECONDS: "600",
      LOAD_SCHEDULE: "rate(30 minutes)",
      KR_STREAMS: "events,utm,clicks",
    });
    expect(alarm(b, "kr-load-lag-clicks").threshold).toBe(5400);
    expect(alarm(b, "kr-loader-not-running")).toMatchObject({ period: 3600, evaluation_periods: 2 });
    expect(alarm(b, "kr-rejected-clicks").threshold).toBe(25);
    expect(alarm(b, "kr-loader-duration").threshold).toBe(480_000);
    expect(Object.keys(alarmsOf(b))).toHaveLength(3 * 3 + 5);
    // Under an hour, the not-running window counts 5-minute periods.
    const fast = stacks({ ALARM_LAG_MINUTES: "20", LOAD_SCHEDULE: "rate(5 minutes)" }).b;
    expect(alarm(fast, "kr-loader-not-running")).toMatchObject({ period: 300, evaluation_periods: 4 });
  });
});

describe("account-a alarms", () => {
  it("are three per delivery stream, on AWS/Firehose by DeliveryStreamName", () => {
    expect(Object.keys(alarmsOf(defaults.a)).sort()).toEqual([
      "kr-events-freshness",
      "kr-events-s3-delivery",
      "kr-events-throttled",
      "kr-utm-freshness",
      "kr-utm-s3-delivery",
      "kr-utm-throttled",
    ]);
    for (const a of all(defaults.a, "aws_cloudwatch_metric_alarm")) {
      expect(a.namespace).toBe("AWS/Firehose");
      expect(a.dimensions).toEqual({ DeliveryStreamName: expect.stringMatching(/^kr-(events|utm)$/) });
    }
  });

  it("alarm on freshness over the threshold, S3 success below 1 for 15 minutes, any throttled record", () => {
    expect(alarm(defaults.a, "kr-events-freshness")).toMatchObject({
      metric_name: "DeliveryToS3.DataFreshness",
      statistic: "Maximum",
      threshold: 15 * 60, // buffer interval 300 s + 10 minutes
      comparison_operator: "GreaterThanThreshold",
    });
    expect(alarm(defaults.a, "kr-events-s3-delivery")).toMatchObject({
      metric_name: "DeliveryToS3.Success",
      statistic: "Average",
      period: 300,
      evaluation_periods: 3,
      datapoints_to_alarm: 3,
      threshold: 1,
      comparison_operator: "LessThanThreshold",
    });
    expect(alarm(defaults.a, "kr-utm-throttled")).toMatchObject({
      metric_name: "ThrottledRecords",
      statistic: "Sum",
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
    });
  });

  it("take the freshness threshold from ALARM_FRESHNESS_MINUTES, or the buffer interval", () => {
    expect(alarm(stacks({ ALARM_FRESHNESS_MINUTES: "40" }).a, "kr-utm-freshness").threshold).toBe(2400);
    expect(alarm(stacks({ FIREHOSE_BUFFER_INTERVAL_SECONDS: "900" }).a, "kr-utm-freshness").threshold).toBe(
      25 * 60,
    );
  });
});

describe("dashboards", () => {
  const layoutIsSound = (tf: Tf) => {
    const cells = new Set<string>();
    for (const w of dashboard(tf).widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++)
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(cells.has(`${x},${y}`), `widgets overlap at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      if (w.type === "metric") expect(w.properties.region).toBe("eu-west-1");
    }
  };

  it("account-b: lag, throughput, pending, rejects, batch time, the Lambda and its queue, per stream", () => {
    const b = defaults.b;
    expect(one(b, "aws_cloudwatch_dashboard").dashboard_name).toBe("kr-warehouse");
    expect(b.output.dashboard_name?.value).toBe("kr-warehouse");
    layoutIsSound(b);
    const lines = metricLines(b);
    for (const stream of ["events", "utm"]) {
      for (const metric of [
        "LoadLagSeconds",
        "RowsInserted",
        "RowsReplaced",
        "PendingFiles",
        "PendingBytes",
        "Rejected",
        "DuplicatesDropped",
        "UnreconciledHours",
        "BatchSeconds",
      ]) {
        expect(lines).toContain(`KinesisRedshift/Loader ${metric} Project=kr Stream=${stream}`);
      }
    }
    for (const metric of ["Invocations", "Errors", "Throttles", "Duration"]) {
      expect(lines).toContain(`AWS/Lambda ${metric} FunctionName=kr-loader`);
    }
    expect(lines).toContain("AWS/SQS ApproximateNumberOfMessagesVisible QueueName=kr-loader-failures");
    const lag = dashboard(b).widgets.find((w) => String(w.properties.title).startsWith("Load lag"));
    expect(lag?.properties.annotations).toEqual({ horizontal: [{ label: "alarm (180 min)", value: 10800 }] });
  });

  it("account-a: incoming, delivered, freshness, success and throttling per delivery stream", () => {
    const a = defaults.a;
    expect(one(a, "aws_cloudwatch_dashboard").dashboard_name).toBe("kr-ingest");
    layoutIsSound(a);
    const lines = metricLines(a);
    for (const name of ["kr-events", "kr-utm"]) {
      for (const metric of [
        "IncomingRecords",
        "IncomingBytes",
        "DeliveryToS3.Records",
        "DeliveryToS3.Bytes",
        "DeliveryToS3.DataFreshness",
        "DeliveryToS3.Success",
        "ThrottledRecords",
      ]) {
        expect(lines).toContain(`AWS/Firehose ${metric} DeliveryStreamName=${name}`);
      }
    }
  });

  it.each([
    ["account-a", defaults.a, "111111111111"],
    ["account-b", defaults.b, "222222222222"],
  ])("%s: shows the state of exactly the stack's alarms", (_, tf, account) => {
    const widget = dashboard(tf).widgets.find((w) => w.type === "alarm");
    expect([...((widget?.properties.alarms as string[] | undefined) ?? [])].sort()).toEqual(
      Object.keys(alarmsOf(tf))
        .map((name) => `arn:aws:cloudwatch:eu-west-1:${account}:alarm:${name}`)
        .sort(),
    );
  });

  it("holds no Terraform interpolation (the body is literal JSON)", () => {
    for (const tf of [defaults.a, defaults.b]) {
      expect(one(tf, "aws_cloudwatch_dashboard").dashboard_body).not.toContain("${");
    }
  });
});
