import { describe, expect, it } from "vitest";
import {
  readSettings,
  resolveMode,
  SETTINGS,
  type SettingDefinition,
  type SettingName,
  SettingsError,
  settingProblem,
  settingsUsedBy,
} from "../src/index";

const problems = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).exitCode).toBe(2);
    return (error as SettingsError).problems;
  }
  throw new Error("expected a SettingsError");
};

describe("definitions", () => {
  const entries = Object.entries(SETTINGS) as [SettingName, SettingDefinition][];

  it("have defaults their own readers accept", () => {
    for (const [name, def] of entries) {
      if (def.default === undefined) continue;
      expect(def.reader.read(def.default), name).toMatchObject({ ok: true });
    }
  });

  it("say who uses them and what unset means", () => {
    for (const [name, def] of entries) {
      expect(def.usedBy.length, name).toBeGreaterThan(0);
      expect(def.description.length, name).toBeGreaterThan(10);
      expect(def.default !== undefined || def.unset !== undefined, `${name}: default or unset`).toBe(true);
    }
  });
});

describe("readSettings", () => {
  it("applies defaults, types values and treats blank as unset", () => {
    const s = readSettings({ RS_PORT: " ", KR_STREAMS: "a, b_2" }, ["RS_PORT", "KR_STREAMS", "RS_SSL"]);
    expect(s).toEqual({ RS_PORT: 5439, KR_STREAMS: ["a", "b_2"], RS_SSL: undefined });
  });

  it("returns a frozen object, lists included", () => {
    const s = readSettings({}, ["KR_STREAMS"]);
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.KR_STREAMS)).toBe(true);
  });

  it("names every bad setting at once, in definition order, never echoing secrets", () => {
    expect(
      problems(() =>
        readSettings({ RS_PORT: "65536", KR_MODE: "cloud", AWS_SECRET_ACCESS_KEY: " " }, [
          "RS_PORT",
          "KR_MODE",
        ]),
      ),
    ).toEqual([
      'KR_MODE must be "local" or "aws" (got "cloud")',
      'RS_PORT must be at most 65535 (got "65536")',
    ]);
    expect(settingProblem("RS_PASSWORD", "is wrong", "hunter2")).toBe("RS_PASSWORD is wrong");
  });

  it("adds a package's cross-setting rules to the same error, only when every value parsed", () => {
    const check = (s: { LOAD_LOOKBACK_HOURS: number }) =>
      s.LOAD_LOOKBACK_HOURS > 10 ? ["LOAD_LOOKBACK_HOURS too long for this package"] : [];
    expect(
      problems(() => readSettings({ LOAD_LOOKBACK_HOURS: "11" }, ["LOAD_LOOKBACK_HOURS"], check)),
    ).toEqual(["LOAD_LOOKBACK_HOURS too long for this package"]);
    expect(
      problems(() => readSettings({ LOAD_LOOKBACK_HOURS: "x" }, ["LOAD_LOOKBACK_HOURS"], check)),
    ).toEqual(['LOAD_LOOKBACK_HOURS must be a whole number from 1 to 8784 (got "x")']);
  });

  it("lists the settings of each package", () => {
    expect(settingsUsedBy("generator")).toContain("KR_MODE");
    expect(settingsUsedBy("bench")).toEqual([
      "FIREHOSE_BUFFER_SIZE_MB",
      "FIREHOSE_BUFFER_INTERVAL_SECONDS",
      "PG_URL",
    ]);
  });
});

describe("shared rules (the disagreements #11 found, decided once)", () => {
  const bad = (name: SettingName, value: string) => !SETTINGS[name].reader.read(value).ok;

  it("KR_PROJECT: 2-30 characters, single hyphens, no trailing hyphen", () => {
    for (const v of ["a", "kr-", "a--b", "1kr", "Kr", "x".repeat(31)])
      expect(bad("KR_PROJECT", v), v).toBe(true);
    for (const v of ["kr", "my-shop", "a1", "x".repeat(30)]) expect(bad("KR_PROJECT", v), v).toBe(false);
  });

  it("stream names start with a letter", () => {
    for (const v of ["_x", "1a", "Events", "a-b", `a${"b".repeat(40)}`])
      expect(bad("KR_STREAMS", v), v).toBe(true);
    expect(bad("KR_STREAMS", "events,utm,x_1")).toBe(false);
  });

  it("regions may have two-digit numbers", () => {
    expect(bad("AWS_REGION", "eu-west-10")).toBe(false);
    expect(bad("AWS_REGION", "us-gov-west-1")).toBe(false);
    expect(bad("AWS_REGION", "Europe")).toBe(true);
  });

  it("KR_MODE unset: local unless the warehouse is remote and no local S3 endpoint is set", () => {
    expect(resolveMode({})).toBe("local");
    expect(resolveMode({ RS_HOST: "127.0.0.1" })).toBe("local");
    expect(resolveMode({ RS_HOST: "kr.abc.eu-west-1.redshift.amazonaws.com" })).toBe("aws");
    expect(resolveMode({ RS_HOST: "db.example", S3_ENDPOINT: "http://127.0.0.1:4569" })).toBe("local");
    expect(resolveMode({ KR_MODE: "aws" })).toBe("aws");
  });
});
