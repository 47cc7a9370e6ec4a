// Run by keys.test.ts under a non-UTC TZ: prints the key layout's answers for one arrival time.
import { firehoseObjectKey, hourOfKey } from "../src/index";

const arrivedAt = new Date("2026-11-03T23:59:58Z");
process.stdout.write(
  JSON.stringify({
    offsetMinutes: arrivedAt.getTimezoneOffset(),
    key: firehoseObjectKey({ prefix: "events/", deliveryStream: "kr-events", arrivedAt, uuid: "u" }),
    hour: hourOfKey("events/", "events/2026/11/03/23/x.gz")?.toISOString(),
  }),
);
