import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { firehoseObjectKey, hourOfKey, hourPrefix } from "../src/index";

describe("S3 key layout", () => {
  const arrivedAt = new Date("2026-11-03T23:59:58Z");

  it("uses the UTC arrival hour, Firehose's default layout", () => {
    expect(firehoseObjectKey({ prefix: "events/", deliveryStream: "kr-events", arrivedAt, uuid: "u" })).toBe(
      "events/2026/11/03/23/kr-events-1-2026-11-03-23-59-58-u.gz",
    );
    expect(hourOfKey("events/", "events/2026/11/03/23/x.gz")).toEqual(new Date("2026-11-03T23:00:00Z"));
    expect(hourPrefix("utm/", arrivedAt)).toBe("utm/2026/11/03/23/");
  });

  // The hour must never come from local time: run the same assertions in a far-from-UTC zone.
  it("gives the same keys when the process runs in a non-UTC time zone", () => {
    const self = fileURLToPath(new URL("./keys-tz.script.ts", import.meta.url));
    for (const tz of ["Pacific/Kiritimati", "America/St_Johns"]) {
      const run = spawnSync(process.execPath, ["--import", "tsx", self], {
        env: { ...process.env, TZ: tz },
        encoding: "utf8",
      });
      expect(run.stderr, tz).toBe("");
      const answer = JSON.parse(run.stdout);
      expect(answer.offsetMinutes, `${tz} is not UTC`).not.toBe(0);
      expect(answer, tz).toMatchObject({
        key: "events/2026/11/03/23/kr-events-1-2026-11-03-23-59-58-u.gz",
        hour: "2026-11-03T23:00:00.000Z",
      });
    }
  });
});
