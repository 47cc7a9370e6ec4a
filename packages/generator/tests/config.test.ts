import { SETTINGS } from "@kr/contract";
import { describe, expect, it } from "vitest";
import { ConfigError, loadGeneratorConfig } from "../src/index";
import { PUT_RECORD_BATCH_LIMITS } from "../src/limits";

describe("generator settings", () => {
  it("defaults to the local Firehose and one delivery stream per known stream", () => {
    const config = loadGeneratorConfig({});
    expect(config).toEqual({
      mode: "local",
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:4573",
      deliveryStreams: { events: "kr-events", utm: "kr-utm" },
      unknownStreams: [],
      recordMaxBytes: 5_000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("in AWS mode uses no endpoint and the ingest account's profile", () => {
    const config = loadGeneratorConfig({
      KR_MODE: "aws",
      KR_PROJECT: "acme",
      KR_STREAMS: "events,clicks",
      FIREHOSE_ENDPOINT: "",
      ACCOUNT_A_PROFILE: "acme-ingest",
      AWS_REGION: "us-east-2",
    });
    expect(config).toMatchObject({
      mode: "aws",
      region: "us-east-2",
      profile: "acme-ingest",
      unknownStreams: ["clicks"],
    });
    expect(config.endpoint).toBeUndefined();
    expect(config.deliveryStreams).toEqual({ events: "acme-events" });
  });

  it("packs events into Firehose records of GENERATOR_RECORD_MAX_BYTES, at most Firehose's 1,000 KiB", () => {
    expect(loadGeneratorConfig({ GENERATOR_RECORD_MAX_BYTES: "1024000" }).recordMaxBytes).toBe(1_024_000);
    expect(loadGeneratorConfig({ GENERATOR_RECORD_MAX_BYTES: "1" }).recordMaxBytes).toBe(1);
    expect(loadGeneratorConfig({ GENERATOR_RECORD_MAX_BYTES: "" }).recordMaxBytes).toBe(5_000);
    expect(
      SETTINGS.GENERATOR_RECORD_MAX_BYTES.reader.read(String(PUT_RECORD_BATCH_LIMITS.recordBytes)).ok,
    ).toBe(true);
    for (const [value, message] of [
      ["1024001", "at most 1024000"],
      ["0", "at least 1"],
      ["5k", "a whole number from 1 to 1024000"],
    ])
      expect(() => loadGeneratorConfig({ GENERATOR_RECORD_MAX_BYTES: value })).toThrow(
        `GENERATOR_RECORD_MAX_BYTES must be ${message} (got ${JSON.stringify(value)})`,
      );
  });

  it("names every bad setting at once, with exit code 2", () => {
    let error: unknown;
    try {
      loadGeneratorConfig({ KR_MODE: "cloud", AWS_REGION: "Europe", KR_STREAMS: " , " });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    for (const name of ["KR_MODE", "AWS_REGION", "KR_STREAMS"])
      expect((error as Error).message).toContain(`${name} must be`);
    // Empty is unset: local mode falls back to the local Firehose.
    expect(loadGeneratorConfig({ FIREHOSE_ENDPOINT: "" }).endpoint).toBe("http://127.0.0.1:4573");
    expect(() => loadGeneratorConfig({ FIREHOSE_ENDPOINT: "127.0.0.1:4573" })).toThrow(
      'FIREHOSE_ENDPOINT must be an http(s) URL like http://127.0.0.1:4573 (got "127.0.0.1:4573")',
    );
  });

  it("decides an unset KR_MODE like every package: aws when the warehouse is remote", () => {
    expect(loadGeneratorConfig({ RS_HOST: "kr.abc.eu-west-1.redshift.amazonaws.com" }).mode).toBe("aws");
    expect(loadGeneratorConfig({ RS_HOST: "127.0.0.1" }).mode).toBe("local");
  });
});
