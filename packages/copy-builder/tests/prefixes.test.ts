import { describe, expect, it } from "vitest";
import {
  buildManifest,
  firehoseObjectKey,
  hourOfKey,
  hourPrefix,
  manifestKey,
  streamPrefix,
  UnsafeSqlValueError,
} from "../src/index";

const hour = new Date("2026-11-03T05:00:00Z");

describe("partition prefixes", () => {
  it("follow Firehose's YYYY/MM/DD/HH layout under the stream's prefix", () => {
    expect(streamPrefix("events")).toBe("events/");
    expect(hourPrefix("events/", hour)).toBe("events/2026/11/03/05/");
    expect(hourPrefix("", hour)).toBe("2026/11/03/05/");
  });

  it("name objects the way Firehose does and read the hour back", () => {
    const key = firehoseObjectKey({
      prefix: "utm/",
      deliveryStream: "kr-utm",
      arrivedAt: new Date("2026-11-03T05:07:09Z"),
      uuid: "0b6e2c2e-0000-4000-8000-000000000001",
    });
    expect(key).toBe(
      "utm/2026/11/03/05/kr-utm-1-2026-11-03-05-07-09-0b6e2c2e-0000-4000-8000-000000000001.gz",
    );
    expect(hourOfKey("utm/", key)).toEqual(hour);
    expect(hourOfKey("events/", key)).toBeUndefined();
    expect(hourOfKey("utm/", "utm/2026/13/03/05/x.gz")).toBeUndefined();
    expect(hourOfKey("utm/", "utm/manifest.json")).toBeUndefined();
  });

  it("refuse a stream name that is not an identifier", () => {
    expect(() => streamPrefix("../events")).toThrow(UnsafeSqlValueError);
  });
});

describe("manifest", () => {
  it("lists every file as a mandatory entry with its length", () => {
    expect(
      buildManifest("kr-events-111111111111", [
        { key: "events/2026/11/03/05/a.gz", size: 10 },
        { key: "events/2026/11/03/06/b.gz", size: 20 },
      ]),
    ).toEqual({
      entries: [
        {
          url: "s3://kr-events-111111111111/events/2026/11/03/05/a.gz",
          mandatory: true,
          meta: { content_length: 10 },
        },
        {
          url: "s3://kr-events-111111111111/events/2026/11/03/06/b.gz",
          mandatory: true,
          meta: { content_length: 20 },
        },
      ],
    });
  });

  it("is written under manifests/<stream>/<batch>", () => {
    expect(manifestKey("events", "b-1")).toBe("manifests/events/b-1.manifest.json");
    expect(() => manifestKey("events", "b'1")).toThrow(UnsafeSqlValueError);
  });
});
