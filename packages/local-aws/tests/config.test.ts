import { describe, expect, it } from "vitest";
import { ConfigError, loadLocalStackConfig } from "../src/index";

describe("local stack settings", () => {
  it("defaults to the ports and names .env.example documents", () => {
    const config = loadLocalStackConfig({});
    expect(config).toMatchObject({
      project: "kr",
      streams: ["events", "utm"],
      bucket: "kr-events",
      s3: { host: "127.0.0.1", port: 4569 },
      firehose: { port: 4573, bufferSizeMb: 64, bufferIntervalSeconds: 300, seed: 1 },
      warehouse: { host: "127.0.0.1", port: 5439, database: "dev", user: "loader" },
    });
    expect(Object.isFrozen(config.firehose.faults)).toBe(true);
  });

  it("reads streams, buffering and faults, treating an empty number as its default", () => {
    const config = loadLocalStackConfig({
      KR_STREAMS: "events, utm ,clicks",
      FIREHOSE_BUFFER_SIZE_MB: "",
      FIREHOSE_BUFFER_INTERVAL_SECONDS: "0",
      LOCAL_FIREHOSE_DUPLICATE_RATE: "0.25",
    });
    expect(config.streams).toEqual(["events", "utm", "clicks"]);
    expect(config.firehose).toMatchObject({ bufferSizeMb: 64, bufferIntervalSeconds: 0 });
    expect(config.firehose.faults.duplicateRate).toBe(0.25);
  });

  it("names every bad setting in one error with exit code 2", () => {
    const error = (() => {
      try {
        loadLocalStackConfig({
          KR_STREAMS: "events,events",
          S3_ENDPOINT: "s3.local",
          FIREHOSE_ENDPOINT: "localhost:4573",
          FIREHOSE_BUFFER_SIZE_MB: "500",
          RS_PORT: "abc",
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).exitCode).toBe(2);
    const message = (error as Error).message;
    for (const name of [
      "KR_STREAMS",
      "S3_ENDPOINT",
      "FIREHOSE_ENDPOINT",
      "FIREHOSE_BUFFER_SIZE_MB",
      "RS_PORT",
    ]) {
      expect(message).toContain(`${name} must`);
    }
    expect(message).toContain('RS_PORT must be a whole number from 0 to 65535 (got "abc")');
  });

  it("checks that each stand-in endpoint has an http port, once every value parsed", () => {
    expect(() => loadLocalStackConfig({ S3_ENDPOINT: "https://127.0.0.1" })).toThrow(
      'S3_ENDPOINT must be http://host:port for a local stand-in (got "https://127.0.0.1")',
    );
    expect(loadLocalStackConfig({ S3_ENDPOINT: "" }).s3.port).toBe(4569);
  });
});
