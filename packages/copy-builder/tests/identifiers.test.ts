import { describe, expect, it } from "vitest";
import {
  buildCopy,
  buildDeleteReplaced,
  qualifiedName,
  quoteIdent,
  quoteLiteral,
  STREAM_TABLES,
  streamTableDdl,
  UnsafeSqlValueError,
  validateBucket,
  validateKey,
  validateRegion,
  validateRoleArn,
} from "../src/index";

const hostileIdentifiers = [
  'events"; DROP TABLE public.events; --',
  "Events",
  "events; select 1",
  "1events",
  "ev ents",
  "events\u0000",
  "a".repeat(64),
  "",
];

describe("identifiers", () => {
  it("quotes safe lowercase names", () => {
    expect(quoteIdent("events")).toBe('"events"');
    expect(quoteIdent("user")).toBe('"user"');
    expect(qualifiedName("public", "utm")).toBe('"public"."utm"');
  });

  it.each(hostileIdentifiers)("refuses %j", (value) => {
    expect(() => quoteIdent(value, "RS_SCHEMA")).toThrow(UnsafeSqlValueError);
    expect(() => quoteIdent(value, "RS_SCHEMA")).toThrow(
      /^RS_SCHEMA .* is not allowed: expected a lowercase SQL identifier/,
    );
  });

  it("a hostile schema cannot reach a statement", () => {
    expect(() =>
      streamTableDdl("redshift", 'public"; DROP TABLE x; --', "events", STREAM_TABLES.events),
    ).toThrow(UnsafeSqlValueError);
    expect(() =>
      buildDeleteReplaced(
        {
          schema: "public",
          table: "events",
          staging: "kr_stage_events",
          columns: [],
          key: "event_id) OR (1=1",
          sortKey: "occurred_at",
        },
        "staged",
      ),
    ).toThrow(UnsafeSqlValueError);
  });
});

describe("literals", () => {
  it("doubles single quotes, so a quote cannot end the literal", () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral("x' OR '1'='1")).toBe("'x'' OR ''1''=''1'");
  });

  it.each(["a\\'b", "line\nbreak", "nul\u0000"])(
    "refuses backslashes and control characters: %j",
    (value) => {
      expect(() => quoteLiteral(value)).toThrow(UnsafeSqlValueError);
    },
  );
});

describe("values that go into COPY", () => {
  it.each(["kr-events", "kr.events.eu", "abc", "kr-events-111111111111"])("bucket %s is fine", (b) => {
    expect(validateBucket(b)).toBe(b);
  });
  it.each(["KR", "ab", "kr_events", "kr..events", "-kr", "kr'; --", "192.168.0.1", "a".repeat(64)])(
    "bucket %j is refused",
    (b) => {
      expect(() => validateBucket(b, "S3_BUCKET")).toThrow(/^S3_BUCKET .* expected an S3 bucket name/);
    },
  );

  it("keys: only S3's safe characters and no '..' segment", () => {
    expect(validateKey("events/2026/11/23/05/kr-events-1-2026-11-23-05-10-00-ab.gz")).toBeTruthy();
    for (const key of ["a'b", "a b", "a\\b", "events/../secrets", "ä"])
      expect(() => validateKey(key)).toThrow(UnsafeSqlValueError);
  });

  it("role ARNs: IAM shape, no comma (it separates chained roles)", () => {
    expect(validateRoleArn("arn:aws:iam::222222222222:role/kr-copy")).toBeTruthy();
    expect(validateRoleArn("arn:aws-cn:iam::222222222222:role/path/kr-copy")).toBeTruthy();
    for (const arn of [
      "arn:aws:iam::22222222222:role/kr",
      "arn:aws:iam::222222222222:user/kr",
      "arn:aws:iam::222222222222:role/a,b",
      "arn:aws:iam::222222222222:role/kr' MAXERROR 100000 --",
    ]) {
      expect(() => validateRoleArn(arn)).toThrow(UnsafeSqlValueError);
    }
  });

  it("regions", () => {
    for (const r of ["eu-west-1", "us-gov-west-1", "ap-southeast-2"]) expect(validateRegion(r)).toBe(r);
    for (const r of ["EU-WEST-1", "eu-west", "eu-west-1'", ""])
      expect(() => validateRegion(r)).toThrow(UnsafeSqlValueError);
  });

  it("a hostile role or region never reaches the COPY text", () => {
    const base = {
      table: "kr_stage_events",
      manifest: { bucket: "kr-manifests", key: "m.json" },
      maxErrors: 1,
      gzip: true,
    };
    expect(() =>
      buildCopy({ ...base, iamRoles: ["arn:aws:iam::222222222222:role/x' CREDENTIALS 'y"] }),
    ).toThrow(UnsafeSqlValueError);
    expect(() =>
      buildCopy({ ...base, iamRoles: "default", region: "eu-west-1' MAXERROR 100000 --" }),
    ).toThrow(UnsafeSqlValueError);
    expect(() =>
      buildCopy({ ...base, iamRoles: "default", manifest: { bucket: "kr-manifests", key: "m'.json" } }),
    ).toThrow(UnsafeSqlValueError);
    expect(() => buildCopy({ ...base, iamRoles: "default", maxErrors: 100_001 })).toThrow(/MAXERROR/);
    expect(() => buildCopy({ ...base, iamRoles: [] })).toThrow(UnsafeSqlValueError);
  });
});
