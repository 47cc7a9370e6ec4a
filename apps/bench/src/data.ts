import { gzipSync } from "node:zlib";
import { firehoseObjectKey, streamPrefix } from "@kr/copy-builder";
import { generateRecords } from "@kr/generator";

/** The seed every contender's data comes from. */
export const BENCH_SEED = 20261123;
/** The first hour the bench's objects land in (UTC); the range spans DATA_HOURS hours from here. */
export const DATA_START = new Date(Date.UTC(2026, 10, 23, 0));
export const DATA_HOURS = 4;
/** About this many records per object (a 64 MiB / 300 s Firehose buffer at 1M events/h holds ~80k). */
const RECORDS_PER_OBJECT = 25_000;

export interface BenchObject {
  key: string;
  hour: Date;
  /** GZIP body, as Firehose writes it. */
  body: Buffer;
  /** The JSON lines, uncompressed. */
  raw: Buffer;
  records: number;
}

export interface BenchDataset {
  stream: "events";
  records: number;
  objects: BenchObject[];
  rawBytes: number;
  gzipBytes: number;
  /** `--from`/`--to` of the loader's range: every hour that holds an object. */
  from: string;
  to: string;
}

const hourText = (date: Date) => date.toISOString().slice(0, 13);

/**
 * The generator's `events` stream (seeded, no duplicates or malformed lines, so every contender
 * writes the same rows), packed into GZIP objects under Firehose's key layout across DATA_HOURS hours.
 */
export function buildDataset(count: number, seed = BENCH_SEED): BenchDataset {
  const end = new Date(DATA_START.getTime() + DATA_HOURS * 3_600_000);
  const objectCount = Math.max(DATA_HOURS, Math.min(200, Math.ceil(count / RECORDS_PER_OBJECT)));
  const perObject = Math.ceil(count / objectCount);
  const objects: BenchObject[] = [];
  let chunks: Buffer[] = [];
  let inChunk = 0;
  let total = 0;
  const flush = () => {
    if (inChunk === 0) return;
    const index = objects.length;
    const hour = new Date(DATA_START.getTime() + Math.floor((index * DATA_HOURS) / objectCount) * 3_600_000);
    const arrivedAt = new Date(hour.getTime() + (index % 60) * 59_000);
    const raw = Buffer.concat(chunks);
    objects.push({
      key: firehoseObjectKey({
        prefix: streamPrefix("events"),
        deliveryStream: "kr-events",
        arrivedAt,
        uuid: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
      }),
      hour,
      body: gzipSync(raw),
      raw,
      records: inChunk,
    });
    chunks = [];
    inChunk = 0;
  };
  for (const record of generateRecords({ count, streams: ["events"], seed, start: DATA_START, end })) {
    chunks.push(record.data);
    inChunk++;
    total++;
    if (inChunk >= perObject) flush();
  }
  flush();
  const last = objects[objects.length - 1]?.hour ?? DATA_START;
  return {
    stream: "events",
    records: total,
    objects,
    rawBytes: objects.reduce((n, o) => n + o.raw.length, 0),
    gzipBytes: objects.reduce((n, o) => n + o.body.length, 0),
    from: hourText(DATA_START),
    to: hourText(last),
  };
}

/** Every JSON line of the dataset, parsed (for the CSV of the COPY baseline). */
export function* datasetRows(dataset: BenchDataset): Generator<Record<string, unknown>> {
  for (const object of dataset.objects) {
    let start = 0;
    const raw = object.raw;
    for (;;) {
      const end = raw.indexOf(10, start);
      if (end < 0) break;
      if (end > start) yield JSON.parse(raw.toString("utf8", start, end)) as Record<string, unknown>;
      start = end + 1;
    }
  }
}
