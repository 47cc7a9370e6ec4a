import { describe, expect, it } from "vitest";
import {
  isTimestamp,
  normalizeBoolean,
  normalizeFloat,
  normalizeInteger,
} from "../../src/staging/value-checks";
import { useWarehouseClient } from "./helpers";

const db = useWarehouseClient();

/** Whether the server accepts `text` as `type`: the oracle our validators must never contradict by accepting too much. */
async function serverAccepts(text: string, type: string): Promise<boolean> {
  try {
    await db.client.query(`SELECT $1::${type}`, [text]);
    return true;
  } catch {
    return false;
  }
}

const TIMESTAMPS = [
  "2026-11-23T05:12:34.567Z",
  "2026-11-23 05:12:34",
  "2026-11-23t05:12Z",
  "2026-11-23T05:12:34+05:30",
  "2026-11-23T05:12:34 +0530",
  "2026-11-23T05:12:34-03",
  "2026-11-23T05:12:34.1234567Z",
  "2024-02-29T00:00:00Z",
  "2026-11-23",
  "9999-12-31T23:59:59.999999Z",
  "0001-01-01T00:00:00Z",
  "2026-02-29T00:00:00Z",
  "2026-13-01",
  "0000-01-01",
  "2026-11-23T24:00:00Z",
  "2026-11-23T05:60:00Z",
  "2026-11-23T05:00:60Z",
  "2026-11-23T05:00:00+16:00",
  "2026-11-23T05Z",
  "2026-11-23T05:00:00.Z",
  "2026-11-23T05:00:00ZZ",
  "2026-11-23T05:00:00+05:3",
  "20261123T050000Z",
  "yesterday",
  "now",
  "",
  "2026-11-23T05:00:00 ",
];
const INTEGERS = [
  "0",
  "-0",
  "+7",
  " 12 ",
  "007",
  "2147483647",
  "-2147483648",
  "2147483648",
  "1.0",
  "1e3",
  "0x10",
  "",
  "-",
];
const FLOATS = [
  "1",
  "-1.5",
  "1e308",
  "1e309",
  "1e-310",
  "1e-400",
  "0e-400",
  "NaN",
  "-Infinity",
  ".5",
  "5.",
  "1e",
  "abc",
  " 2 ",
];
const BOOLEANS = ["t", "TRUE", "yes", "off", "1", "0", " no ", "maybe", "2", ""];

describe("value checks never accept what PostgreSQL refuses", () => {
  it("timestamps", async () => {
    for (const text of TIMESTAMPS) {
      if (isTimestamp(text)) expect([text, await serverAccepts(text, "timestamptz")]).toEqual([text, true]);
    }
    expect(TIMESTAMPS.filter((t) => isTimestamp(t))).toEqual(TIMESTAMPS.slice(0, 11));
  });

  it("integers, within each width", async () => {
    for (const [bits, type] of [
      [16, "smallint"],
      [32, "integer"],
      [64, "bigint"],
    ] as const) {
      for (const text of [...INTEGERS, "32768", "-32769", "9223372036854775807", "9223372036854775808"]) {
        const normalized = normalizeInteger(text, bits);
        if (normalized !== null)
          expect([text, type, await serverAccepts(normalized, type)]).toEqual([text, type, true]);
      }
    }
    expect(INTEGERS.filter((t) => normalizeInteger(t, 32) !== null)).toEqual(INTEGERS.slice(0, 7));
  });

  it("doubles and reals, refusing over- and underflow", async () => {
    for (const [single, type] of [
      [false, "double precision"],
      [true, "real"],
    ] as const) {
      for (const text of [...FLOATS, "3.5e38", "1e-46"]) {
        const normalized = normalizeFloat(text, single);
        if (normalized !== null)
          expect([text, type, await serverAccepts(normalized, type)]).toEqual([text, type, true]);
      }
    }
    expect(FLOATS.filter((t) => normalizeFloat(t, false) !== null)).toEqual([
      "1",
      "-1.5",
      "1e308",
      "1e-310",
      "0e-400",
      "NaN",
      "-Infinity",
      ".5",
      "5.",
      " 2 ",
    ]);
  });

  it("booleans", async () => {
    for (const text of BOOLEANS) {
      const normalized = normalizeBoolean(text);
      if (normalized !== null) expect(await serverAccepts(normalized, "boolean")).toBe(true);
    }
    expect(BOOLEANS.map(normalizeBoolean)).toEqual([
      "true",
      "true",
      "true",
      "false",
      "true",
      "false",
      "false",
      null,
      null,
      null,
    ]);
  });
});
