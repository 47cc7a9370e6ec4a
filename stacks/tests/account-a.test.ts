import { describe, expect, it } from "vitest";
import { ACCOUNT_A, ACCOUNT_B, only, policies, resources, synthA, testSettings } from "./fixtures";

const tf = synthA();
const bucketPolicy = (policies(tf, "aws_s3_bucket_policy")[0] ?? { Statement: [] }).Statement;

describe("account-a provider and state", () => {
  it("uses account A's profile and region and refuses any other account", () => {
    expect(tf.provider.aws).toHaveLength(1);
    expect(tf.provider.aws[0]).toMatchObject({
      profile: "kr-ingest",
      region: "eu-west-1",
      allowed_account_ids: [ACCOUNT_A],
    });
  });

  it("keeps state in a local file per stack by default", () => {
    expect(tf.terraform.backend).toEqual({ local: { path: "/repo/terraform.account-a.tfstate" } });
  });

  it("uses an S3 backend with a lock file, the stack's profile and account when a state bucket is set", () => {
    const s3 = synthA(
      testSettings({ ingest: { stateBucket: "kr-tfstate-a" }, state: { keyPrefix: "prod/kr" } }),
    );
    expect(s3.terraform.backend).toEqual({
      s3: {
        bucket: "kr-tfstate-a",
        key: "prod/kr/account-a.tfstate",
        region: "eu-west-1",
        encrypt: true,
        profile: "kr-ingest",
        allowed_account_ids: [ACCOUNT_A],
        use_lockfile: true,
      },
    });
  });
});

describe("events bucket", () => {
  it("is named <project>-events-<account A>", () => {
    expect(only(tf, "aws_s3_bucket")).toMatchObject({
      bucket: `kr-events-${ACCOUNT_A}`,
      force_destroy: false,
    });
  });

  it("blocks every kind of public access", () => {
    expect(only(tf, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("encrypts by default and disables ACLs", () => {
    const sse = only(tf, "aws_s3_bucket_server_side_encryption_configuration") as {
      rule: { apply_server_side_encryption_by_default: { sse_algorithm: string } }[];
    };
    expect(sse.rule[0]?.apply_server_side_encryption_by_default.sse_algorithm).toBe("AES256");
    expect(only(tf, "aws_s3_bucket_ownership_controls")).toMatchObject({
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
  });

  it("denies every request that does not use TLS", () => {
    expect(bucketPolicy[0]).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("lets exactly account B's COPY and loader roles list and read the stream prefixes, nothing else", () => {
    const allows = bucketPolicy.filter((s) => s.Effect === "Allow");
    const roles = [
      `arn:aws:iam::${ACCOUNT_B}:role/kr-redshift-copy`,
      `arn:aws:iam::${ACCOUNT_B}:role/kr-loader`,
    ];
    for (const s of allows) expect(s.Principal).toEqual({ AWS: roles });
    expect(allows.map((s) => s.Action).sort()).toEqual(["s3:GetObject", "s3:ListBucket"]);
    const list = allows.find((s) => s.Action === "s3:ListBucket");
    expect(list?.Resource).toBe(`arn:aws:s3:::kr-events-${ACCOUNT_A}`);
    expect(list?.Condition).toEqual({ StringLike: { "s3:prefix": ["events/*", "utm/*"] } });
    const get = allows.find((s) => s.Action === "s3:GetObject");
    expect(get?.Resource).toEqual([
      `arn:aws:s3:::kr-events-${ACCOUNT_A}/events/*`,
      `arn:aws:s3:::kr-events-${ACCOUNT_A}/utm/*`,
    ]);
  });

  it("moves stream objects to the configured class, expires them as configured, and drops stale uploads", () => {
    const lifecycle = only(tf, "aws_s3_bucket_lifecycle_configuration") as {
      rule: Record<string, unknown>[];
      transition_default_minimum_object_size: string;
    };
    // Small objects stay in STANDARD: IA bills 128 KB minimum per object.
    expect(lifecycle.transition_default_minimum_object_size).toBe("all_storage_classes_128K");
    const byId = Object.fromEntries(lifecycle.rule.map((r) => [r.id, r]));
    expect(byId["stream-events"]).toMatchObject({
      filter: [{ prefix: "events/" }],
      transition: [{ days: 30, storage_class: "STANDARD_IA" }],
      expiration: [{ days: 365 }],
    });
    expect(byId["stream-utm"]).toMatchObject({ filter: [{ prefix: "utm/" }] });
    expect(byId["firehose-errors"]).toMatchObject({
      filter: [{ prefix: "errors/" }],
      expiration: [{ days: 30 }],
    });
    expect(byId["abort-incomplete-uploads"]).toMatchObject({
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
  });

  it("keeps objects forever when expiration is 0", () => {
    const forever = synthA(testSettings({ eventsLifecycle: { expirationDays: 0 } }));
    const lifecycle = only(forever, "aws_s3_bucket_lifecycle_configuration") as {
      rule: Record<string, unknown>[];
    };
    const events = lifecycle.rule.find((r) => r.id === "stream-events");
    expect(events?.expiration).toBeUndefined();
    expect(events?.transition).toEqual([{ days: 30, storage_class: "STANDARD_IA" }]);
  });
});

describe("delivery streams", () => {
  const streams = resources(tf, "aws_kinesis_firehose_delivery_stream").map(([, s]) => s);
  const byName = Object.fromEntries(streams.map((s) => [s.name as string, s]));

  it("has one direct-PUT, encrypted delivery stream per configured stream", () => {
    expect(Object.keys(byName).sort()).toEqual(["kr-events", "kr-utm"]);
    for (const s of streams) {
      expect(s.destination).toBe("extended_s3");
      expect(s.kinesis_source_configuration).toBeUndefined();
      expect(s.server_side_encryption).toEqual({ enabled: true, key_type: "AWS_OWNED_CMK" });
    }
  });

  it.each(["events", "utm"])(
    "writes %s GZIP objects under <stream>/ with the configured buffering",
    (stream) => {
      const s3 = byName[`kr-${stream}`]?.extended_s3_configuration as Record<string, unknown>;
      expect(s3).toMatchObject({
        prefix: `${stream}/`,
        compression_format: "GZIP",
        buffering_size: 64,
        buffering_interval: 300,
        cloudwatch_logging_options: { enabled: true },
      });
      // Failed records land outside every stream prefix, so the loader never takes them for data.
      expect(s3.error_output_prefix).toBe(
        `errors/${stream}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/`,
      );
    },
  );

  it("takes buffering hints from settings", () => {
    const tuned = synthA(testSettings({ firehose: { bufferSizeMb: 128, bufferIntervalSeconds: 60 } }));
    for (const [, s] of resources(tuned, "aws_kinesis_firehose_delivery_stream")) {
      expect(s.extended_s3_configuration).toMatchObject({ buffering_size: 128, buffering_interval: 60 });
    }
  });

  it("gives each stream a role that writes only its own prefixes and logs", () => {
    const roles = resources(tf, "aws_iam_role").map(([, r]) => r);
    expect(roles.map((r) => r.name).sort()).toEqual(["kr-events-firehose", "kr-utm-firehose"]);
    for (const role of roles) {
      expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([
        {
          Effect: "Allow",
          Principal: { Service: "firehose.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "sts:ExternalId": ACCOUNT_A } },
        },
      ]);
    }
    const events = policies(tf, "aws_iam_role_policy").find((p) => JSON.stringify(p).includes("/events/*"));
    const write = events?.Statement.find((s) => s.Sid === "WriteOwnPrefixes");
    const bucketArn = `\${aws_s3_bucket.${resources(tf, "aws_s3_bucket")[0]?.[0]}.arn}`;
    expect(write?.Resource).toEqual([`${bucketArn}/events/*`, `${bucketArn}/errors/events/*`]);
    expect(JSON.stringify(events)).not.toContain("/utm/");
  });

  it("keeps delivery logs for the configured retention", () => {
    const groups = resources(tf, "aws_cloudwatch_log_group").map(([, g]) => g);
    expect(groups).toEqual([
      { name: "/aws/kinesisfirehose/kr-events", retention_in_days: 30 },
      { name: "/aws/kinesisfirehose/kr-utm", retention_in_days: 30 },
    ]);
  });
});

describe("Kinesis source switch", () => {
  const kinesis = synthA(testSettings({ firehose: { kinesisSource: true } }));

  it("adds one encrypted on-demand Kinesis stream per stream", () => {
    const streams = resources(kinesis, "aws_kinesis_stream").map(([, s]) => s);
    expect(streams.map((s) => s.name).sort()).toEqual(["kr-events", "kr-utm"]);
    for (const s of streams) {
      expect(s).toMatchObject({
        stream_mode_details: { stream_mode: "ON_DEMAND" },
        encryption_type: "KMS",
        kms_key_id: "alias/aws/kinesis",
      });
    }
  });

  it("feeds each delivery stream from its Kinesis stream, with read access for its role", () => {
    for (const [, s] of resources(kinesis, "aws_kinesis_firehose_delivery_stream")) {
      const stream = (s.name as string).replace("kr-", "");
      const source = s.kinesis_source_configuration as Record<string, string>;
      expect(source.kinesis_stream_arn).toMatch(
        new RegExp(`^\\$\\{aws_kinesis_stream\\.kinesis-${stream}_.*\\.arn\\}$`),
      );
      expect(source.role_arn).toBe((s.extended_s3_configuration as Record<string, string>).role_arn);
      // Kinesis encrypts at rest; Firehose refuses its own SSE on a Kinesis source.
      expect(s.server_side_encryption).toBeUndefined();
    }
    for (const p of policies(kinesis, "aws_iam_role_policy")) {
      const read = p.Statement.find((s) => s.Sid === "ReadKinesisSource");
      expect(read?.Action).toEqual([
        "kinesis:DescribeStream",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:ListShards",
      ]);
    }
  });

  it("outputs the Kinesis streams only when enabled", () => {
    expect(Object.keys(kinesis.output)).toEqual(
      expect.arrayContaining(["kinesis_stream_names", "kinesis_stream_arns"]),
    );
    expect(tf.output.kinesis_stream_names).toBeUndefined();
    expect(resources(tf, "aws_kinesis_stream")).toEqual([]);
  });
});

describe("account-a outputs", () => {
  it("names the bucket and every delivery stream", () => {
    expect(Object.keys(tf.output).sort()).toEqual([
      "alarm_topic_arn",
      "dashboard_name",
      "delivery_stream_arns",
      "delivery_stream_names",
      "events_bucket_arn",
      "events_bucket_name",
    ]);
    expect(tf.output.events_bucket_name?.value).toBe(`kr-events-${ACCOUNT_A}`);
    expect(tf.output.delivery_stream_names?.value).toEqual({ events: "kr-events", utm: "kr-utm" });
  });

  it("follows KR_STREAMS: a third stream is configuration only", () => {
    const three = synthA(testSettings({ streams: ["events", "utm", "clicks"] }));
    expect(three.output.delivery_stream_names?.value).toEqual({
      events: "kr-events",
      utm: "kr-utm",
      clicks: "kr-clicks",
    });
    const get = (policies(three, "aws_s3_bucket_policy")[0]?.Statement ?? []).find(
      (s) => s.Action === "s3:GetObject",
    );
    expect(get?.Resource).toContain(`arn:aws:s3:::kr-events-${ACCOUNT_A}/clicks/*`);
  });
});
