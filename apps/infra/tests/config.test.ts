import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  ConfigError,
  INFRA_ENV_SETTINGS,
  loadInfraConfig,
  parseInfraConfig,
  parseTfvars,
  scheduleIntervalMinutes,
} from "../src/config";

const ROOT = join(import.meta.dirname, "..", "..", "..");

/** The problems a bad configuration is rejected with. */
function problems(
  env: Record<string, string>,
  tfvars: Record<string, string | number | boolean> = {},
): string[] {
  try {
    parseInfraConfig(env, tfvars);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("configuration was accepted");
}

describe("defaults", () => {
  const settings = parseInfraConfig({}, {}, { stateDir: "/repo" });

  it("synthesize with no .env and no build.tfvars", () => {
    expect(settings).toMatchObject({
      project: "kr",
      region: "eu-west-1",
      streams: ["events", "utm"],
      ingest: { id: "111111111111" },
      warehouse: { id: "222222222222" },
      firehose: { bufferSizeMb: 64, bufferIntervalSeconds: 300, kinesisSource: false },
      network: { subnetIds: [], vpcCidr: "10.42.0.0/16", createEndpoints: true },
      cluster: {
        masterUsername: "kr_admin",
        nodeType: "ra3.xlplus",
        numberOfNodes: 2,
        skipFinalSnapshot: false,
      },
      state: { localDir: "/repo", keyPrefix: "kr" },
    });
    expect(settings.loader.entry).toBe(join(ROOT, "packages/loader/src/lambda.ts"));
    expect(settings.ingest.profile).toBeUndefined();
  });

  it("is frozen all the way down", () => {
    expect(Object.isFrozen(settings)).toBe(true);
    expect(Object.isFrozen(settings.cluster)).toBe(true);
    expect(Object.isFrozen(settings.streams)).toBe(true);
  });

  it("accepts .env.example and build.tfvars.example as they are", () => {
    const env = parseEnv(readFileSync(join(ROOT, ".env.example"), "utf8"));
    const tfvars = parseTfvars(readFileSync(join(ROOT, "build.tfvars.example"), "utf8"));
    const s = parseInfraConfig(env, tfvars);
    expect(s.ingest).toEqual({ id: "111111111111", profile: "kr-ingest" });
    expect(s.warehouse).toEqual({ id: "222222222222", profile: "kr-warehouse" });
    expect(s.cluster.masterUsername).toBe("kr_admin");
  });

  it("reads every infra setting from the environment", () => {
    const s = parseInfraConfig({
      KR_PROJECT: "acme-data",
      KR_STREAMS: "events, utm ,clicks",
      AWS_REGION: "us-east-2",
      ACCOUNT_A_ID: "123456789012",
      ACCOUNT_B_ID: "210987654321",
      ACCOUNT_A_STATE_BUCKET: "acme-tfstate-a",
      TF_STATE_KEY_PREFIX: "prod/kr",
      FIREHOSE_SOURCE: "kinesis",
      FIREHOSE_BUFFER_SIZE_MB: "128",
      FIREHOSE_BUFFER_INTERVAL_SECONDS: "0",
      VPC_ID: "vpc-0abc1234",
      SUBNET_IDS: "subnet-0aaa1111,subnet-0bbb2222",
      VPC_ENDPOINTS: "false",
      LOAD_SCHEDULE: "cron(5 * * * ? *)",
      LOG_RETENTION_DAYS: "90",
    });
    expect(s.streams).toEqual(["events", "utm", "clicks"]);
    expect(s.ingest).toEqual({ id: "123456789012", stateBucket: "acme-tfstate-a" });
    expect(s.state.keyPrefix).toBe("prod/kr");
    expect(s.firehose).toEqual({ bufferSizeMb: 128, bufferIntervalSeconds: 0, kinesisSource: true });
    expect(s.network).toEqual({
      vpcId: "vpc-0abc1234",
      subnetIds: ["subnet-0aaa1111", "subnet-0bbb2222"],
      vpcCidr: "10.42.0.0/16",
      createEndpoints: false,
    });
    expect(s.loader.schedule).toBe("cron(5 * * * ? *)");
    expect(s.logRetentionDays).toBe(90);
  });

  it("treats empty values as unset", () => {
    expect(
      parseInfraConfig({ ACCOUNT_A_PROFILE: "", FIREHOSE_BUFFER_SIZE_MB: " " }).firehose.bufferSizeMb,
    ).toBe(64);
  });
});

describe("alarm settings", () => {
  it("default to the documented thresholds, no subscription and the repository's runbook", () => {
    expect(parseInfraConfig({}).alarms).toEqual({
      emails: [],
      lagMinutes: 180,
      rejectedRecords: 1,
      durationPercent: 95,
      freshnessMinutes: 15,
      runbookUrl: "docs/operations.md",
    });
  });

  it("reads every alarm setting", () => {
    const alarms = parseInfraConfig({
      ALARM_EMAIL: "ops@example.com, oncall@example.org",
      ALARM_LAG_MINUTES: "90",
      ALARM_REJECTED_RECORDS: "50",
      ALARM_DURATION_PERCENT: "80",
      ALARM_FRESHNESS_MINUTES: "30",
      ALARM_RUNBOOK_URL: "https://github.com/acme/kr/blob/main/docs/operations.md",
    }).alarms;
    expect(alarms).toEqual({
      emails: ["ops@example.com", "oncall@example.org"],
      lagMinutes: 90,
      rejectedRecords: 50,
      durationPercent: 80,
      freshnessMinutes: 30,
      runbookUrl: "https://github.com/acme/kr/blob/main/docs/operations.md",
    });
  });

  it("derives the freshness threshold from Firehose's buffer interval when unset", () => {
    const alarms = (env: Record<string, string>) => parseInfraConfig(env).alarms.freshnessMinutes;
    expect(alarms({ FIREHOSE_BUFFER_INTERVAL_SECONDS: "900" })).toBe(25);
    expect(alarms({ FIREHOSE_BUFFER_INTERVAL_SECONDS: "0" })).toBe(10);
    expect(alarms({ FIREHOSE_BUFFER_INTERVAL_SECONDS: "61" })).toBe(12);
  });

  it("accepts a lag above the schedule's interval, and any lag with a cron schedule", () => {
    expect(
      parseInfraConfig({ LOAD_SCHEDULE: "rate(6 hours)", ALARM_LAG_MINUTES: "420" }).alarms.lagMinutes,
    ).toBe(420);
    expect(
      parseInfraConfig({ LOAD_SCHEDULE: "cron(5 * * * ? *)", ALARM_LAG_MINUTES: "15" }).alarms.lagMinutes,
    ).toBe(15);
    expect(problems({ LOAD_SCHEDULE: "rate(1 day)", ALARM_LAG_MINUTES: "1440" })).toEqual([
      expect.stringContaining(
        "ALARM_LAG_MINUTES (1440) must be more than the LOAD_SCHEDULE interval (1440 minutes)",
      ),
    ]);
  });

  it.each([
    ["rate(1 hour)", 60],
    ["rate(5 minutes)", 5],
    ["rate(1 minute)", 1],
    ["rate(2 days)", 2880],
    ["cron(5 * * * ? *)", undefined],
  ])("the interval of %s is %s minutes", (schedule, minutes) => {
    expect(scheduleIntervalMinutes(schedule)).toBe(minutes);
  });
});

describe("each bad setting yields its message", () => {
  it.each([
    [{ ACCOUNT_A_ID: "12345" }, "ACCOUNT_A_ID must be a 12-digit AWS account id"],
    [{ ACCOUNT_B_ID: "22222222222x" }, "ACCOUNT_B_ID must be a 12-digit AWS account id"],
    [{ ACCOUNT_B_ID: "111111111111" }, "ACCOUNT_A_ID and ACCOUNT_B_ID must differ"],
    [{ AWS_REGION: "europe" }, "AWS_REGION must be an AWS region like eu-west-1"],
    [{ KR_STREAMS: "events,Bad-Name" }, "KR_STREAMS must be comma-separated stream names"],
    [{ KR_STREAMS: "events,events" }, "KR_STREAMS must not repeat a stream"],
    [{ KR_PROJECT: "Kr_Project" }, "KR_PROJECT must be 2-30 lowercase letters"],
    [{ FIREHOSE_BUFFER_SIZE_MB: "0" }, "FIREHOSE_BUFFER_SIZE_MB must be at least 1"],
    [{ FIREHOSE_BUFFER_SIZE_MB: "129" }, "FIREHOSE_BUFFER_SIZE_MB must be at most 128"],
    [{ FIREHOSE_BUFFER_INTERVAL_SECONDS: "901" }, "FIREHOSE_BUFFER_INTERVAL_SECONDS must be at most 900"],
    [
      { FIREHOSE_BUFFER_INTERVAL_SECONDS: "5m" },
      "FIREHOSE_BUFFER_INTERVAL_SECONDS must be a whole number from 0 to 900",
    ],
    [{ FIREHOSE_SOURCE: "sqs" }, 'FIREHOSE_SOURCE must be "direct" (PUT to Firehose) or "kinesis"'],
    [{ EVENTS_TRANSITION_DAYS: "7" }, "EVENTS_TRANSITION_DAYS must be at least 30 for STANDARD_IA"],
    [
      { EVENTS_EXPIRATION_DAYS: "30" },
      "EVENTS_EXPIRATION_DAYS (30) must be 0 (never) or more than EVENTS_TRANSITION_DAYS (30)",
    ],
    [{ EVENTS_TRANSITION_STORAGE_CLASS: "COLD" }, "EVENTS_TRANSITION_STORAGE_CLASS must be one of"],
    [{ LOG_RETENTION_DAYS: "8" }, "LOG_RETENTION_DAYS must be a CloudWatch retention"],
    [{ VPC_ID: "vpc-0abc1234" }, "SUBNET_IDS is required with VPC_ID"],
    [{ SUBNET_IDS: "subnet-0aaa1111,subnet-0bbb2222" }, "VPC_ID is required with SUBNET_IDS"],
    [{ VPC_ID: "vpc-0abc1234", SUBNET_IDS: "subnet-0aaa1111" }, "SUBNET_IDS must list at least two subnets"],
    [{ VPC_CIDR: "10.0.0.0/8" }, "VPC_CIDR must be an IPv4 CIDR from /16 to /24"],
    [{ VPC_ENDPOINTS: "maybe" }, "VPC_ENDPOINTS must be true or false"],
    [{ RS_PORT: "80" }, "RS_PORT must be at least 1150"],
    [{ RS_DATABASE: "Dev-DB" }, "RS_DATABASE must be a lowercase database name"],
    [{ LOAD_SCHEDULE: "every hour" }, "LOAD_SCHEDULE must be an EventBridge schedule"],
    [{ LOADER_TIMEOUT_SECONDS: "901" }, "LOADER_TIMEOUT_SECONDS must be at most 900"],
    [{ LOAD_MAX_ERRORS: "100000" }, "LOAD_MAX_ERRORS must be at most 99999"],
    [{ ACCOUNT_A_STATE_BUCKET: "Bad_Bucket" }, "ACCOUNT_A_STATE_BUCKET must be an S3 bucket name"],
    [{ ACCOUNT_B_PROFILE: "my profile" }, "ACCOUNT_B_PROFILE must be an AWS CLI profile name"],
    [
      { ALARM_EMAIL: "ops@example.com,nobody" },
      "ALARM_EMAIL must be a comma-separated list of email addresses",
    ],
    [{ ALARM_LAG_MINUTES: "10" }, "ALARM_LAG_MINUTES must be at least 15"],
    [{ ALARM_LAG_MINUTES: "10081" }, "ALARM_LAG_MINUTES must be at most 10080"],
    [{ ALARM_REJECTED_RECORDS: "0" }, "ALARM_REJECTED_RECORDS must be at least 1"],
    [{ ALARM_DURATION_PERCENT: "100" }, "ALARM_DURATION_PERCENT must be at most 99"],
    [{ ALARM_FRESHNESS_MINUTES: "1" }, "ALARM_FRESHNESS_MINUTES must be at least 2"],
    [{ ALARM_RUNBOOK_URL: "docs/operations.md" }, "ALARM_RUNBOOK_URL must be an http(s) URL"],
    [
      { LOAD_SCHEDULE: "rate(6 hours)" },
      "ALARM_LAG_MINUTES (180) must be more than the LOAD_SCHEDULE interval (360 minutes)",
    ],
    [
      { ALARM_FRESHNESS_MINUTES: "5" },
      "ALARM_FRESHNESS_MINUTES (5) must be more than FIREHOSE_BUFFER_INTERVAL_SECONDS (300 s)",
    ],
    [
      { KR_PROJECT: "a-very-long-project-name-here", KR_STREAMS: "a_stream_name_that_is_long_enough_to_hu" },
      "longer than 64 characters",
    ],
  ])("%j", (env, message) => {
    const found = problems(env);
    expect(found).toEqual([expect.stringContaining(message)]);
  });

  it.each([
    [{ master_username: "Admin" }, "build.tfvars: master_username must be lowercase letters"],
    [{ master_username: "rdsdb" }, "build.tfvars: master_username is reserved"],
    [
      { node_type: "t3.micro" },
      "build.tfvars: node_type and number_of_nodes: t3.micro is not a Redshift node type",
    ],
    [
      { node_type: "dc2.large", number_of_nodes: 2 },
      "build.tfvars: node_type and number_of_nodes: dc2.large: AWS no longer creates new DC2 clusters",
    ],
    [{ node_type: "ra3.4xlarge", number_of_nodes: 1 }, "ra3.4xlarge takes 2-32 nodes at creation (got 1)"],
    [
      { node_type: "ra3.xlplus", number_of_nodes: 17 },
      "ra3.xlplus takes 1, or 2-16 nodes at creation (got 17)",
    ],
    [{ node_type: "ra3.16xlarge", number_of_nodes: 1 }, "ra3.16xlarge takes 2-128 nodes at creation (got 1)"],
    [{ number_of_nodes: 0 }, "build.tfvars: number_of_nodes must be at least 1"],
    [{ number_of_nodes: "2" }, "build.tfvars: number_of_nodes"],
    [{ skip_final_snapshot: "no" }, "build.tfvars: skip_final_snapshot must be true or false"],
    [{ master_password: "x" }, "build.tfvars: master_password is not a variable of the stacks"],
  ])("build.tfvars %j", (tfvars, message) => {
    expect(problems({}, tfvars)).toEqual([expect.stringContaining(message)]);
  });

  it.each([
    ["ra3.xlplus", 1],
    ["ra3.xlplus", 16],
    ["ra3.4xlarge", 32],
    ["ra3.16xlarge", 128],
    ["ra3.large", 2],
  ])("build.tfvars node_type %s with %i nodes is accepted", (node_type, number_of_nodes) => {
    expect(parseInfraConfig({}, { node_type, number_of_nodes }).cluster).toMatchObject({
      nodeType: node_type,
      numberOfNodes: number_of_nodes,
    });
  });

  it("reports every bad setting at once, naming each", () => {
    const found = problems(
      { ACCOUNT_A_ID: "1", AWS_REGION: "mars", FIREHOSE_BUFFER_SIZE_MB: "500", KR_STREAMS: "Events" },
      { number_of_nodes: 999 },
    );
    expect(found.map((p) => p.split(" ")[0])).toEqual([
      "KR_STREAMS",
      "AWS_REGION",
      "ACCOUNT_A_ID",
      "FIREHOSE_BUFFER_SIZE_MB",
      "build.tfvars:",
    ]);
    const error = new ConfigError(found);
    expect(error.message).toMatch(/^5 settings are wrong:\n {2}KR_STREAMS/);
    expect(error.exitCode).toBe(2);
  });

  it("names only infra settings it knows", () => {
    expect(INFRA_ENV_SETTINGS).toEqual(
      expect.arrayContaining(["KR_PROJECT", "ACCOUNT_A_ID", "FIREHOSE_BUFFER_SIZE_MB"]),
    );
    expect(INFRA_ENV_SETTINGS).not.toContain("RS_PASSWORD");
  });
});

describe("build.tfvars parser", () => {
  it("reads the HCL subset: strings, numbers, booleans, comments", () => {
    expect(
      parseTfvars(
        [
          "# comment",
          'master_username = "kr_admin" # trailing',
          "number_of_nodes=4",
          "// another comment",
          "skip_final_snapshot = true",
          'note = "has # and // inside \\"quotes\\""',
          "",
        ].join("\n"),
      ),
    ).toEqual({
      master_username: "kr_admin",
      number_of_nodes: 4,
      skip_final_snapshot: true,
      note: 'has # and // inside "quotes"',
    });
  });

  it("names the file and line of anything outside the subset", () => {
    expect(() => parseTfvars('a = "x"\nnodes = [1, 2]\nb = var.c\na = "y"', "build.tfvars")).toThrow(
      expect.objectContaining({
        problems: [
          'build.tfvars:2: expected name = "string" | number | true | false, got "nodes = [1, 2]"',
          'build.tfvars:3: expected name = "string" | number | true | false, got "b = var.c"',
          "build.tfvars:4: a is set twice",
        ],
      }),
    );
  });
});

describe("loadInfraConfig", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it("reads .env and build.tfvars from the working directory; the process environment wins", () => {
    const dir = mkdtempSync(join(tmpdir(), "kr-infra-config-"));
    writeFileSync(join(dir, ".env"), "ACCOUNT_A_ID=333333333333\nKR_PROJECT=fromfile\n");
    writeFileSync(join(dir, "build.tfvars"), 'master_username = "warehouse_admin"\nnumber_of_nodes = 4\n');
    delete process.env.ACCOUNT_A_ID;
    process.env.KR_PROJECT = "fromenv";
    const s = loadInfraConfig({ cwd: dir });
    expect(s.ingest.id).toBe("333333333333");
    expect(s.project).toBe("fromenv");
    expect(s.cluster).toMatchObject({ masterUsername: "warehouse_admin", numberOfNodes: 4 });
    expect(s.state.localDir).toBe(dir);
  });

  it("works with neither file present", () => {
    const dir = mkdtempSync(join(tmpdir(), "kr-infra-empty-"));
    for (const key of INFRA_ENV_SETTINGS) delete process.env[key];
    expect(loadInfraConfig({ cwd: dir }).ingest.id).toBe("111111111111");
  });
});
