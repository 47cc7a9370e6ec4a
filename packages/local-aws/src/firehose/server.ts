import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { type ClockSetting, toClock } from "./clock";
import { type BufferingHints, DeliveryStream, type DeliveryStreamSpec } from "./delivery-stream";
import { type ActiveFaults, FaultInjector, type FirehoseFaults } from "./faults";
import { firehoseHandler } from "./http-handler";
import type { FirehoseBackend } from "./operations";
import { type DeliveryStats, S3Delivery } from "./s3-delivery";

export interface LocalFirehoseOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Where delivered objects go: the local S3 server (path-style). */
  s3: {
    endpoint: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    region?: string;
  };
  /** Destination bucket; it must exist. */
  bucket: string;
  streams: DeliveryStreamSpec[];
  buffering: BufferingHints;
  /** "Now" for arrival hours and object names; default the real time. */
  clock?: ClockSetting;
  faults?: FirehoseFaults;
  /** Seed of the fault decisions. */
  seed?: number;
  /** Region shown in ARNs. */
  region?: string;
  /** Accepted bytes waiting for S3 above which Put calls are throttled, like a saturated stream. */
  maxBacklogBytes?: number;
}

export interface LocalFirehoseStats extends DeliveryStats {
  calls: number;
  throttledCalls: number;
  recordsAccepted: number;
  bytesAccepted: number;
  /** Records refused by the partial-failure fault. */
  recordsFailed: number;
  streams: Record<
    string,
    { recordsAccepted: number; bytesAccepted: number; bufferedRecords: number; bufferedBytes: number }
  >;
}

export interface LocalFirehose {
  /** http://host:port — pass as the Firehose client's `endpoint`. */
  endpoint: string;
  port: number;
  setClock(clock: ClockSetting): void;
  /** Merges into the active faults (0 turns one off) and returns them. */
  setFaults(faults: FirehoseFaults): ActiveFaults;
  /** Delivers every open buffer now and waits until all accepted records are in S3. */
  flush(): Promise<void>;
  stats(): LocalFirehoseStats;
  /** Stops accepting calls, delivers what it holds, and stops. */
  close(): Promise<void>;
}

const optionsSchema = z.object({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  bucket: z.string().min(3),
  streams: z
    .array(z.object({ name: z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/), prefix: z.string() }))
    .min(1)
    .refine((streams) => new Set(streams.map((s) => s.name)).size === streams.length, "names must be unique"),
  buffering: z.object({ sizeBytes: z.number().int().min(1), intervalMs: z.number().int().min(0) }),
  seed: z.number().int().optional(),
  maxBacklogBytes: z.number().int().min(1).optional(),
});

/** Starts a local stand-in for Amazon Data Firehose that delivers GZIP objects to an S3 server. */
export async function startLocalFirehose(options: LocalFirehoseOptions): Promise<LocalFirehose> {
  const checked = optionsSchema.safeParse(options);
  if (!checked.success) {
    throw new TypeError(
      `startLocalFirehose: ${checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  const client = new S3Client({
    endpoint: options.s3.endpoint,
    region: options.s3.region ?? "us-east-1",
    credentials: options.s3.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  try {
    await client.send(new HeadBucketCommand({ Bucket: options.bucket }));
  } catch (error) {
    client.destroy();
    throw new Error(
      `local Firehose: bucket ${options.bucket} is not reachable at ${options.s3.endpoint}: ${String(error)}`,
    );
  }

  const faults = new FaultInjector(options.faults, options.seed ?? 1);
  const delivery = new S3Delivery({ client, bucket: options.bucket, faults });
  const streams = new Map(
    options.streams.map((spec) => [
      spec.name,
      new DeliveryStream(spec, options.buffering, (buffer) => delivery.enqueue(buffer)),
    ]),
  );
  let clock = toClock(options.clock);
  let closing = false;
  const maxBacklog = options.maxBacklogBytes ?? 256 * 1024 * 1024;
  const recordIdBase = randomBytes(16).toString("hex");
  let recordCounter = 0;
  const backend: FirehoseBackend = {
    streams,
    faults,
    now: () => clock(),
    overloaded: () => closing || delivery.backlogBytes > maxBacklog,
    bucket: options.bucket,
    region: options.region ?? "us-east-1",
    counters: { calls: 0, throttledCalls: 0, recordsFailed: 0 },
    nextRecordId: () => `${recordIdBase}${(recordCounter++).toString(16).padStart(12, "0")}`,
  };

  const handler = firehoseHandler(backend);
  let inFlight = 0;
  let onDrained: (() => void) | undefined;
  const server = createServer((req, res) => {
    inFlight++;
    handler(req, res).finally(() => {
      if (--inFlight === 0) onDrained?.();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;

  const flush = async () => {
    for (const stream of streams.values()) stream.close();
    await delivery.settle();
  };

  return {
    endpoint: `http://${address.address}:${address.port}`,
    port: address.port,
    setClock(setting) {
      clock = toClock(setting);
    },
    setFaults: (next) => faults.set(next),
    flush,
    stats() {
      const perStream: LocalFirehoseStats["streams"] = {};
      let recordsAccepted = 0;
      let bytesAccepted = 0;
      for (const [name, stream] of streams) {
        perStream[name] = {
          recordsAccepted: stream.recordsAccepted,
          bytesAccepted: stream.bytesAccepted,
          bufferedRecords: stream.bufferedRecords,
          bufferedBytes: stream.bufferedBytes,
        };
        recordsAccepted += stream.recordsAccepted;
        bytesAccepted += stream.bytesAccepted;
      }
      return {
        ...backend.counters,
        recordsAccepted,
        bytesAccepted,
        ...delivery.stats(),
        streams: perStream,
      };
    },
    async close() {
      if (closing) return;
      closing = true; // calls still arriving on open connections get ServiceUnavailableException
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (onDrained = resolve));
      try {
        await flush();
      } finally {
        server.closeAllConnections();
        await stopped;
        client.destroy();
      }
    },
  };
}
