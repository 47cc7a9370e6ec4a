import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { describe, expect, it } from "vitest";
import { AccountBStack, findSecurityViolations, type TerraformJson } from "../src/index";
import { ACCOUNT_B, expr, only, policies, resources, synthB, testSettings } from "./fixtures";

const tf = synthB();
const byName = <T extends Record<string, unknown>>(type: string, name: string) =>
  resources(tf, type).find(([logical]) => logical.startsWith(name))?.[1] as T;

describe("account-b provider, state and variables", () => {
  it("uses account B's profile and region and refuses any other account", () => {
    expect(tf.provider.aws).toEqual([
      expect.objectContaining({
        profile: "kr-warehouse",
        region: "eu-west-1",
        allowed_account_ids: [ACCOUNT_B],
      }),
    ]);
  });

  it("keeps state in its own local file by default", () => {
    expect(tf.terraform.backend).toEqual({ local: { path: "/repo/terraform.account-b.tfstate" } });
  });

  it("declares the build.tfvars variables with the validated settings as defaults", () => {
    expect(tf.variable).toMatchObject({
      master_username: { type: "string", default: "kr_admin" },
      node_type: { type: "string", default: "ra3.xlplus" },
      number_of_nodes: { type: "number", default: 2 },
      skip_final_snapshot: { type: "bool", default: false },
    });
  });
});

describe("Redshift cluster", () => {
  const cluster = only(tf, "aws_redshift_cluster");

  it("is private, encrypted and never sees a password", () => {
    expect(cluster).toMatchObject({
      cluster_identifier: "kr-warehouse",
      publicly_accessible: false,
      encrypted: "true",
      manage_master_password: true,
      master_username: expr("var.master_username"),
      enhanced_vpc_routing: true,
    });
    expect(cluster.master_password).toBeUndefined();
    expect(cluster.master_password_wo).toBeUndefined();
    expect(JSON.stringify(tf)).not.toMatch(/"(master_)?password"/);
  });

  it("has the COPY role attached and as its default role", () => {
    expect(cluster.iam_roles).toEqual([expect.stringMatching(/^\$\{aws_iam_role\.copy-role_[^.]+\.arn\}$/)]);
    expect(cluster.default_iam_role_arn).toBe((cluster.iam_roles as string[])[0]);
  });

  it("is multi-node by default, sized and snapshotted from the variables", () => {
    expect(cluster).toMatchObject({
      node_type: expr("var.node_type"),
      number_of_nodes: expr("var.number_of_nodes"),
      cluster_type: expr('(var.number_of_nodes > 1) ? "multi-node" : "single-node"'),
      skip_final_snapshot: expr("var.skip_final_snapshot"),
      final_snapshot_identifier: "kr-warehouse-final",
      automated_snapshot_retention_period: 7,
    });
  });

  it("requires TLS and exports audit logs to log groups with a retention", () => {
    expect(only(tf, "aws_redshift_parameter_group")).toMatchObject({
      family: "redshift-1.0",
      parameter: [
        { name: "require_ssl", value: "true" },
        { name: "enable_user_activity_logging", value: "true" },
      ],
    });
    expect(only(tf, "aws_redshift_logging")).toMatchObject({
      log_destination_type: "cloudwatch",
      log_exports: ["connectionlog", "userlog", "useractivitylog"],
    });
    const groups = resources(tf, "aws_cloudwatch_log_group").map(([, g]) => g.name);
    for (const log of ["connectionlog", "userlog", "useractivitylog"]) {
      expect(groups).toContain(`/aws/redshift/cluster/kr-warehouse/${log}`);
    }
  });

  it("sits in the private subnets behind the cluster security group", () => {
    expect(cluster.vpc_security_group_ids).toEqual([
      expect.stringMatching(/^\$\{aws_security_group\.network_cluster_[^.]+\.id\}$/),
    ]);
    expect(only(tf, "aws_redshift_subnet_group").subnet_ids).toHaveLength(2);
  });
});

describe("network (created)", () => {
  it("is a private VPC in two AZs with no internet or NAT gateway", () => {
    expect(only(tf, "aws_vpc")).toMatchObject({ enable_dns_support: true, enable_dns_hostnames: true });
    const subnets = resources(tf, "aws_subnet").map(([, s]) => s);
    expect(subnets).toHaveLength(2);
    expect(subnets.map((s) => s.availability_zone)).toEqual([
      expect.stringMatching(/names, 0\)\}$/),
      expect.stringMatching(/names, 1\)\}$/),
    ]);
    for (const s of subnets) expect(s.map_public_ip_on_launch).toBe(false);
    for (const type of ["aws_internet_gateway", "aws_nat_gateway", "aws_eip", "aws_route"]) {
      expect(resources(tf, type)).toEqual([]);
    }
    // The default security group is stripped of its allow-all rules.
    expect(only(tf, "aws_default_security_group")).not.toHaveProperty("ingress");
  });

  it("admits port 5439 to the cluster only from the loader's security group", () => {
    const ingress = resources(tf, "aws_vpc_security_group_ingress_rule").map(([, r]) => r);
    const toCluster = ingress.filter((r) => (r.security_group_id as string).includes("network_cluster"));
    expect(toCluster).toEqual([
      expect.objectContaining({
        from_port: 5439,
        to_port: 5439,
        ip_protocol: "tcp",
        referenced_security_group_id: expect.stringContaining("aws_security_group.network_loader"),
      }),
    ]);
    for (const r of ingress) {
      expect(r.cidr_ipv4).toBeUndefined();
      expect(r.cidr_ipv6).toBeUndefined();
    }
  });

  it("has the S3 gateway and Secrets Manager interface endpoints the loader needs", () => {
    const endpoints = resources(tf, "aws_vpc_endpoint").map(([, e]) => e);
    expect(endpoints.map((e) => [e.service_name, e.vpc_endpoint_type])).toEqual([
      ["com.amazonaws.eu-west-1.s3", "Gateway"],
      ["com.amazonaws.eu-west-1.secretsmanager", "Interface"],
    ]);
    expect(endpoints[1]).toMatchObject({ private_dns_enabled: true });
    // The gateway only reaches the product's two buckets.
    const s3 = JSON.parse(endpoints[0]?.policy as string);
    expect(s3.Statement[0].Resource).toEqual([
      "arn:aws:s3:::kr-events-111111111111",
      "arn:aws:s3:::kr-events-111111111111/*",
      `arn:aws:s3:::kr-manifests-${ACCOUNT_B}`,
      `arn:aws:s3:::kr-manifests-${ACCOUNT_B}/*`,
    ]);
  });

  it("lets the loader out only to the cluster, the endpoints and S3", () => {
    const egress = resources(tf, "aws_vpc_security_group_egress_rule")
      .map(([, r]) => r)
      .filter((r) => (r.security_group_id as string).includes("network_loader"));
    expect(egress.map((r) => r.from_port).sort()).toEqual([443, 443, 5439]);
    for (const r of egress) expect(r.cidr_ipv4).toBeUndefined();
  });
});

describe("network (existing VPC)", () => {
  const existing = synthB(
    testSettings({ network: { vpcId: "vpc-0abc1234", subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"] } }),
  );

  it("creates no VPC and places the cluster and the loader in the given subnets", () => {
    expect(resources(existing, "aws_vpc")).toEqual([]);
    expect(resources(existing, "aws_subnet")).toEqual([]);
    expect(only(existing, "aws_redshift_subnet_group").subnet_ids).toEqual([
      "subnet-0aaa1111",
      "subnet-0bbb2222",
    ]);
    const fn = only(existing, "aws_lambda_function") as { vpc_config: { subnet_ids: string[] } };
    expect(fn.vpc_config.subnet_ids).toEqual(["subnet-0aaa1111", "subnet-0bbb2222"]);
    for (const [, sg] of resources(existing, "aws_security_group")) expect(sg.vpc_id).toBe("vpc-0abc1234");
  });

  it("attaches the S3 gateway endpoint to the VPC's route tables", () => {
    expect(Object.values(existing.data?.aws_route_tables ?? {})).toEqual([{ vpc_id: "vpc-0abc1234" }]);
    const gateway = resources(existing, "aws_vpc_endpoint").find(
      ([, e]) => e.vpc_endpoint_type === "Gateway",
    )?.[1];
    expect(gateway?.route_table_ids).toMatch(/^\$\{data\.aws_route_tables\..+\.ids\}$/);
  });

  it("can leave the endpoints to the existing VPC", () => {
    const bare = synthB(
      testSettings({
        network: {
          vpcId: "vpc-0abc1234",
          subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"],
          createEndpoints: false,
        },
      }),
    );
    expect(resources(bare, "aws_vpc_endpoint")).toEqual([]);
  });
});

describe("COPY role and manifest bucket", () => {
  const copyRole = byName<Record<string, string>>("aws_iam_role", "copy-role");

  it("is trusted by Redshift only", () => {
    expect(copyRole.name).toBe("kr-redshift-copy");
    expect(JSON.parse(copyRole.assume_role_policy ?? "").Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "redshift.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
  });

  it("keeps manifests private, encrypted, TLS-only and short-lived", () => {
    expect(only(tf, "aws_s3_bucket")).toMatchObject({ bucket: `kr-manifests-${ACCOUNT_B}` });
    expect(only(tf, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(resources(tf, "aws_s3_bucket_server_side_encryption_configuration")).toHaveLength(1);
    const lifecycle = only(tf, "aws_s3_bucket_lifecycle_configuration") as {
      rule: Record<string, unknown>[];
    };
    expect(lifecycle.rule[0]).toMatchObject({ id: "expire-manifests", expiration: [{ days: 7 }] });
    const policy = policies(tf, "aws_s3_bucket_policy")[0];
    expect(policy?.Statement).toEqual([
      expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny" }),
    ]);
  });
});

describe("loader Lambda", () => {
  const fn = only(tf, "aws_lambda_function") as Record<string, unknown> & {
    environment: { variables: Record<string, string> };
    vpc_config: { subnet_ids: string[]; security_group_ids: string[] };
  };

  it("runs the bundle on Node.js, arm64, with reserved concurrency", () => {
    expect(fn).toMatchObject({
      function_name: "kr-loader",
      handler: "index.handler",
      runtime: expect.stringMatching(/^nodejs(2\d)\.x$/),
      architectures: ["arm64"],
      reserved_concurrent_executions: 2,
      memory_size: 512,
      timeout: 900,
    });
    expect(fn.filename).toMatch(/^assets\/loader_bundle_[^/]+\/[0-9A-F]+\/archive\.zip$/);
    expect(fn.source_code_hash).toBe(`\${filebase64sha256("${fn.filename}")}`);
  });

  it("lives in the private subnets behind the loader security group", () => {
    expect(fn.vpc_config.subnet_ids).toEqual(only(tf, "aws_redshift_subnet_group").subnet_ids);
    expect(fn.vpc_config.security_group_ids).toEqual([
      expect.stringContaining("aws_security_group.network_loader"),
    ]);
  });

  it("holds settings, never secrets, in its environment", () => {
    const env = fn.environment.variables;
    expect(env).toMatchObject({
      KR_MODE: "aws",
      KR_STREAMS: "events,utm",
      ACCOUNT_A_ID: "111111111111",
      ACCOUNT_B_ID: ACCOUNT_B,
      LOAD_MANIFEST_BUCKET: `kr-manifests-${ACCOUNT_B}`,
      RS_SCHEMA: "public",
      RS_SECRET_ARN: expect.stringContaining(".master_password_secret_arn}"),
      RS_HOST: expect.stringContaining(".dns_name}"),
    });
    expect(Object.keys(env).filter((k) => /PASSWORD|PASSWD|TOKEN|ACCESS_KEY|SECRET(?!_ARN)/.test(k))).toEqual(
      [],
    );
    const lambdaOnly = {
      resource: { aws_lambda_function: tf.resource.aws_lambda_function },
    } as TerraformJson;
    expect(findSecurityViolations(lambdaOnly)).toEqual([]);
  });

  it("logs as JSON into its own group with a retention", () => {
    expect(fn.logging_config).toEqual({
      log_format: "JSON",
      log_group: expect.stringContaining("loader_log-group"),
    });
    expect(byName("aws_cloudwatch_log_group", "loader_log-group")).toEqual({
      name: "/aws/lambda/kr-loader",
      retention_in_days: 30,
    });
  });

  it("sends failed scheduled runs to an encrypted queue and alarms on errors", () => {
    expect(only(tf, "aws_sqs_queue")).toMatchObject({
      name: "kr-loader-failures",
      sqs_managed_sse_enabled: true,
    });
    expect(only(tf, "aws_lambda_function_event_invoke_config")).toMatchObject({
      destination_config: {
        on_failure: { destination: expect.stringContaining("aws_sqs_queue.loader_failures") },
      },
    });
    const errors = resources(tf, "aws_cloudwatch_metric_alarm").find(
      ([, a]) => a.alarm_name === "kr-loader-errors",
    );
    expect(errors?.[1]).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "Errors",
      dimensions: { FunctionName: "kr-loader" },
      alarm_actions: [expect.stringContaining("aws_sns_topic.alarm-topic")],
    });
  });

  it("has a role that may read the cluster secret, write manifests and nothing broader", () => {
    const role = byName<Record<string, string>>("aws_iam_role", "loader_role");
    expect(role.name).toBe("kr-loader");
    const policy = policies(tf, "aws_iam_role_policy").find((p) =>
      p.Statement.some((s) => s.Sid === "ReadClusterSecret"),
    );
    const bySid = Object.fromEntries((policy?.Statement ?? []).map((s) => [s.Sid, s]));
    expect(bySid.ReadClusterSecret).toMatchObject({
      Action: "secretsmanager:GetSecretValue",
      Resource: expect.stringContaining(".master_password_secret_arn}"),
    });
    expect(bySid.WriteManifests).toMatchObject({ Resource: `arn:aws:s3:::kr-manifests-${ACCOUNT_B}/*` });
    expect(bySid.OwnLogs?.Resource).toMatch(
      /^\$\{aws_cloudwatch_log_group\.loader_log-group_[^.]+\.arn\}:\*$/,
    );
    for (const s of policy?.Statement ?? []) expect(s.Action).not.toBe("*");
  });

  it("may invoke its own function and no other (a scheduled run continues a backlog drain)", () => {
    const invoking = policies(tf, "aws_iam_role_policy").flatMap((p) =>
      p.Statement.filter((s) => [s.Action].flat().some((a) => String(a).startsWith("lambda:"))),
    );
    expect(invoking).toEqual([
      {
        Sid: "ContinueDrain",
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        Resource: expect.stringMatching(/^\$\{aws_lambda_function\.loader_function_[^.]+\.arn\}$/),
      },
    ]);
  });

  it("is invoked by an EventBridge schedule and only by it", () => {
    expect(only(tf, "aws_cloudwatch_event_rule")).toMatchObject({
      schedule_expression: "rate(1 hour)",
      state: "ENABLED",
    });
    expect(only(tf, "aws_cloudwatch_event_target").arn).toMatch(
      /aws_lambda_function\.loader_function_.+\.arn/,
    );
    expect(only(tf, "aws_lambda_permission")).toMatchObject({
      principal: "events.amazonaws.com",
      action: "lambda:InvokeFunction",
      source_arn: expect.stringContaining("aws_cloudwatch_event_rule.schedule_rule"),
    });
    const custom = synthB(testSettings({ loader: { schedule: "cron(5 * * * ? *)" } }));
    expect(only(custom, "aws_cloudwatch_event_rule").schedule_expression).toBe("cron(5 * * * ? *)");
  });

  it("ships the bundle as a zip asset holding index.mjs", () => {
    const outdir = mkdtempSync(join(tmpdir(), "kr-stacks-b-"));
    const app = new App({ outdir, stackTraces: false });
    new AccountBStack(app, testSettings());
    app.synth();
    const assetDir = join(outdir, "stacks", "account-b", fn.filename as string);
    const zip = readFileSync(assetDir);
    expect(zip.subarray(0, 2).toString()).toBe("PK");
    expect(zip.includes(Buffer.from("index.mjs"))).toBe(true);
    expect(statSync(assetDir).size).toBeLessThan(5 * 1024 * 1024);
    expect(readdirSync(join(outdir, "stacks"))).toEqual(["account-b"]);
  });
});

describe("account-b outputs", () => {
  it("names the endpoint, database, secret, roles and function", () => {
    expect(Object.keys(tf.output).sort()).toEqual([
      "alarm_topic_arn",
      "cluster_endpoint_host",
      "cluster_port",
      "copy_role_arn",
      "dashboard_name",
      "database_name",
      "loader_failure_queue_arn",
      "loader_function_name",
      "loader_role_arn",
      "manifest_bucket_name",
      "master_secret_arn",
      "vpc_id",
    ]);
    expect(tf.output.cluster_endpoint_host?.value).toMatch(/aws_redshift_cluster\..+\.dns_name/);
    expect(tf.output.master_secret_arn?.value).toMatch(/\.master_password_secret_arn\}$/);
    expect(tf.output.database_name?.value).toBe("dev");
  });
});
