// Deterministic test data shaped like the data contract, written to S3 as Firehose would (gzipped
// JSON lines under <stream>/YYYY/MM/DD/HH/). Nothing is committed as a blob.
import { gzipSync } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { firehoseObjectKey, streamPrefix } from "@kr/copy-builder";

/** mulberry32 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (random: () => number, length: number) =>
  Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join("");
const uuid = (random: () => number) =>
  `${hex(random, 8)}-${hex(random, 4)}-4${hex(random, 3)}-a${hex(random, 3)}-${hex(random, 12)}`;
const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

export type TestRecord = Record<string, unknown> & { event_id: string; occurred_at: string };

/** Records of one stream that arrived during `hour` (occurred up to 2 minutes earlier). */
export function makeRecords(stream: string, hour: Date, count: number, seed: number): TestRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const arrived = hour.getTime() + Math.floor(random() * 3_600_000);
    const occurred_at = new Date(arrived - Math.floor(random() * 120_000)).toISOString();
    const session_id = uuid(random);
    const user_id = random() < 0.5 ? `u-${Math.floor(random() * 1000)}` : null;
    if (stream === "utm") {
      return {
        event_id: uuid(random),
        occurred_at,
        session_id,
        user_id,
        utm_source: pick(random, ["google", "newsletter", "twitter"]),
        utm_medium: pick(random, ["cpc", "email", "social"]),
        utm_campaign: `spring-${Math.floor(random() * 10)}`,
        utm_term: random() < 0.5 ? "shoes" : null,
        utm_content: null,
        landing_page: `https://shop.example/landing/${Math.floor(random() * 50)}`,
      };
    }
    return {
      event_id: uuid(random),
      event_type: pick(random, ["page_view", "click", "signup", "purchase"]),
      occurred_at,
      user_id,
      anonymous_id: uuid(random),
      session_id,
      page_url: `https://shop.example/p/${Math.floor(random() * 500)}`,
      referrer: random() < 0.3 ? "https://www.google.com/" : null,
      user_agent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0",
      properties: {
        cart: { items: Math.floor(random() * 5) },
        tags: ["a", "b"],
        price: Math.round(random() * 10000) / 100,
      },
    };
  });
}

/** Firehose's record format: each JSON object followed by \n. Strings are written as raw lines. */
export function jsonLines(lines: readonly (TestRecord | string)[]): string {
  return `${lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n")}\n`;
}

let objectCounter = 0;

/** Writes one gzipped object where Firehose would, returning its key and size. */
export async function putObject(
  s3: S3Client,
  bucket: string,
  stream: string,
  hour: Date,
  lines: readonly (TestRecord | string)[],
  options: { minute?: number; gzip?: boolean } = {},
): Promise<{ key: string; size: number }> {
  objectCounter++;
  const arrivedAt = new Date(hour.getTime() + (options.minute ?? objectCounter % 60) * 60_000);
  const key = firehoseObjectKey({
    prefix: streamPrefix(stream),
    deliveryStream: `kr-${stream}`,
    arrivedAt,
    uuid: `00000000-0000-4000-8000-${String(objectCounter).padStart(12, "0")}`,
    gzip: options.gzip ?? true,
  });
  const text = jsonLines(lines);
  const body = options.gzip === false ? Buffer.from(text) : gzipSync(text);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return { key, size: body.length };
}

export const hourAt = (iso: string) => new Date(`${iso}:00:00.000Z`);

export interface Dataset {
  /** Every distinct event id per stream. */
  ids: Record<string, Set<string>>;
  keys: string[];
}

/**
 * `filesPerHour` objects of `perFile` records for each stream and hour. Seeds derive from stream,
 * hour and file index, so the same call always writes the same events.
 */
export async function writeDataset(
  s3: S3Client,
  bucket: string,
  streams: readonly string[],
  hours: readonly Date[],
  options: { filesPerHour: number; perFile: number; seed: number },
): Promise<Dataset> {
  const ids: Record<string, Set<string>> = {};
  const keys: string[] = [];
  for (const [s, stream] of streams.entries()) {
    ids[stream] = new Set();
    for (const [h, hour] of hours.entries()) {
      for (let f = 0; f < options.filesPerHour; f++) {
        const records = makeRecords(
          stream,
          hour,
          options.perFile,
          options.seed * 1_000_003 + s * 10_007 + h * 101 + f,
        );
        for (const r of records) ids[stream]?.add(r.event_id);
        keys.push((await putObject(s3, bucket, stream, hour, records, { minute: 5 + f * 7 })).key);
      }
    }
  }
  return { ids, keys };
}
