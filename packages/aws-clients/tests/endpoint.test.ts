// A profile's endpoint_url, its services section and the AWS_ENDPOINT_URL* variables, each checked with
// real SDK clients against a real endpoint (moto_server), and the SDK behaviour that makes the fix
// necessary pinned, so an SDK upgrade that fixes it says so here.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FirehoseClient, ListDeliveryStreamsCommand } from "@aws-sdk/client-firehose";
import { CreateBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { type MotoServer, startMotoServer } from "@kr/local-aws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { configuredEndpoint, honourProfileEndpoint } from "../src/index";

let moto: MotoServer;
/** Nothing listens there: a request that goes there fails to connect. */
const NOWHERE = "http://127.0.0.1:9";

beforeAll(async () => {
  moto = await startMotoServer({ accountId: "111111111111" });
  const dir = mkdtempSync(join(tmpdir(), "kr-aws-clients-"));
  const keys = ["aws_access_key_id = test", "aws_secret_access_key = test"];
  writeFileSync(
    join(dir, "config"),
    [
      "[default]",
      "region = eu-west-1",
      ...keys,
      "[profile emulated]",
      "region = eu-west-1",
      `endpoint_url = ${moto.endpoint}`,
      ...keys,
      "[profile per-service]",
      "region = eu-west-1",
      `endpoint_url = ${NOWHERE}`,
      "services = local-firehose",
      ...keys,
      "[services local-firehose]",
      "firehose =",
      `  endpoint_url = ${moto.endpoint}`,
      "[profile elsewhere]",
      "region = eu-west-1",
      `endpoint_url = ${NOWHERE}`,
      ...keys,
      "[profile ignoring]",
      "region = eu-west-1",
      `endpoint_url = ${moto.endpoint}`,
      "ignore_configured_endpoint_urls = true",
      ...keys,
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "credentials"), "");
  vi.stubEnv("AWS_CONFIG_FILE", join(dir, "config"));
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(dir, "credentials"));
  for (const name of ["AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION"])
    vi.stubEnv(name, undefined);
  vi.stubEnv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", undefined);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await moto?.close();
});

/** The host a request of `client` would go to (stopped before it is sent). */
async function targetHost(client: S3Client): Promise<string> {
  let host = "";
  client.middlewareStack.add(
    (_next) => async (args) => {
      const request = args.request as { hostname: string; port?: number };
      host = `${request.hostname}${request.port ? `:${request.port}` : ""}`;
      throw new Error("stopped before sending");
    },
    { step: "build" },
  );
  await expect(client.send(new ListBucketsCommand({}))).rejects.toThrow("stopped before sending");
  return host;
}

describe("the SDK alone", () => {
  it("ignores endpoint_url of the profile a client is built with (why @kr/aws-clients exists)", async () => {
    const client = new S3Client({ profile: "emulated" });
    expect(await client.config.region()).toBe("eu-west-1"); // region comes from that profile…
    expect(await targetHost(client)).toBe("s3.eu-west-1.amazonaws.com"); // …the endpoint does not
  });

  it("honours AWS_ENDPOINT_URL_<SERVICE> without a profile", async () => {
    vi.stubEnv("AWS_ENDPOINT_URL_S3", moto.endpoint);
    try {
      expect(await targetHost(new S3Client({ region: "eu-west-1" }))).toBe(new URL(moto.endpoint).host);
    } finally {
      vi.stubEnv("AWS_ENDPOINT_URL_S3", undefined);
    }
  });
});

describe("honourProfileEndpoint", () => {
  it("sends a profile's requests to its endpoint_url: a bucket created and listed on the emulator", async () => {
    const s3 = honourProfileEndpoint(new S3Client({ profile: "emulated" }), "emulated");
    await s3.send(
      new CreateBucketCommand({
        Bucket: "kr-endpoint-test",
        CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
      }),
    );
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toContain("kr-endpoint-test");
    s3.destroy();
  });

  it("takes a service's endpoint from the profile's services section before its endpoint_url", async () => {
    expect(await configuredEndpoint("Firehose", "per-service")).toBe(moto.endpoint);
    expect(await configuredEndpoint("S3", "per-service")).toBe(NOWHERE);
    const firehose = honourProfileEndpoint(new FirehoseClient({ profile: "per-service" }), "per-service");
    const { DeliveryStreamNames } = await firehose.send(new ListDeliveryStreamsCommand({}));
    expect(DeliveryStreamNames).toEqual([]);
    firehose.destroy();
  });

  it("lets AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, override the profile", async () => {
    vi.stubEnv("AWS_ENDPOINT_URL", moto.endpoint);
    try {
      expect(await configuredEndpoint("S3", "elsewhere")).toBe(moto.endpoint);
      vi.stubEnv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:10");
      expect(await configuredEndpoint("S3", "elsewhere")).toBe("http://127.0.0.1:10");
      expect(await configuredEndpoint("Firehose", "elsewhere")).toBe(moto.endpoint);
    } finally {
      vi.stubEnv("AWS_ENDPOINT_URL", undefined);
      vi.stubEnv("AWS_ENDPOINT_URL_S3", undefined);
    }
    const s3 = honourProfileEndpoint(new S3Client({ profile: "elsewhere" }), "elsewhere");
    expect(await targetHost(s3)).toBe("127.0.0.1:9");
  });

  it("keeps an endpoint given in code, and the regional endpoint when the profile ignores configured ones", async () => {
    const explicit = honourProfileEndpoint(
      new S3Client({ profile: "elsewhere", endpoint: moto.endpoint, forcePathStyle: true }),
      "elsewhere",
    );
    expect((await explicit.send(new ListBucketsCommand({}))).Buckets).toBeDefined();
    explicit.destroy();
    expect(await configuredEndpoint("S3", "ignoring")).toBeUndefined();
    const ignoring = honourProfileEndpoint(new S3Client({ profile: "ignoring" }), "ignoring");
    expect(await targetHost(ignoring)).toBe("s3.eu-west-1.amazonaws.com");
  });
});
