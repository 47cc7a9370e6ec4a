import { join, resolve } from "node:path";
import { LocalAwsError } from "./errors";
import type { ClockSetting } from "./firehose/clock";
import type { FirehoseFaults } from "./firehose/faults";
import { type LocalFirehose, startLocalFirehose } from "./firehose/server";
import { LOCAL_S3_CREDENTIALS, type LocalS3, startLocalS3 } from "./s3-server";
import { type LocalWarehouse, startLocalWarehouse } from "./warehouse-server";

export interface LocalStackOptions {
  /** State directory: S3 objects under `<stateDir>/s3`, the warehouse under `<stateDir>/warehouse`. */
  stateDir: string;
  /** Delivery streams are named `<project>-<stream>`. */
  project: string;
  /** Streams; each gets a delivery stream writing under the S3 prefix `<stream>/`. */
  streams: string[];
  bucket: string;
  /** Ports 0 pick free ones (tests, a demo that must not clash with a running local-up). */
  s3?: { host?: string; port?: number };
  firehose?: {
    host?: string;
    port?: number;
    buffering?: { sizeBytes: number; intervalMs: number };
    clock?: ClockSetting;
    faults?: FirehoseFaults;
    seed?: number;
  };
  /** `inMemory` keeps the warehouse out of the state directory. */
  warehouse?: { host?: string; port?: number; inMemory?: boolean };
}

export interface LocalStack {
  s3: LocalS3;
  firehose: LocalFirehose;
  warehouse: LocalWarehouse;
  bucket: string;
  /** Stream → delivery stream name, e.g. { events: "kr-events" }. */
  deliveryStreams: Record<string, string>;
  /** Stream → S3 prefix, e.g. { events: "events/" }. */
  prefixes: Record<string, string>;
  /** Flushes the Firehose buffers to S3, then stops all three. */
  close(): Promise<void>;
}

const DEFAULT_BUFFERING = { sizeBytes: 64 * 1024 * 1024, intervalMs: 300_000 };

/** Names which setting a busy port comes from, the commonest way local-up fails to start. */
function explain(error: unknown, what: string, port: number | undefined): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") {
    return new LocalAwsError(`${what}: port ${port} is in use — is \`make local-up\` already running?`, 1);
  }
  return error;
}

/** Starts S3, Firehose (delivering into that S3) and the warehouse; closes what started if one fails. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stateDir = resolve(options.stateDir);
  const started: { close(): Promise<void> }[] = [];
  const deliveryStreams = Object.fromEntries(options.streams.map((s) => [s, `${options.project}-${s}`]));
  const prefixes = Object.fromEntries(options.streams.map((s) => [s, `${s}/`]));
  try {
    const s3 = await startLocalS3({
      directory: join(stateDir, "s3"),
      buckets: [options.bucket],
      host: options.s3?.host,
      port: options.s3?.port ?? 4569,
    }).catch((error) => {
      throw explain(error, "S3", options.s3?.port ?? 4569);
    });
    started.push(s3);
    const firehose = await startLocalFirehose({
      host: options.firehose?.host,
      port: options.firehose?.port ?? 4573,
      s3: { endpoint: s3.endpoint, credentials: LOCAL_S3_CREDENTIALS },
      bucket: options.bucket,
      streams: options.streams.map((s) => ({
        name: deliveryStreams[s] as string,
        prefix: prefixes[s] as string,
      })),
      buffering: options.firehose?.buffering ?? DEFAULT_BUFFERING,
      clock: options.firehose?.clock,
      faults: options.firehose?.faults,
      seed: options.firehose?.seed,
    }).catch((error) => {
      throw explain(error, "Firehose", options.firehose?.port ?? 4573);
    });
    started.push(firehose);
    const warehouse = await startLocalWarehouse({
      dataDir: options.warehouse?.inMemory ? undefined : join(stateDir, "warehouse"),
      host: options.warehouse?.host,
      port: options.warehouse?.port ?? 5439,
    }).catch((error) => {
      throw explain(error, "warehouse", options.warehouse?.port ?? 5439);
    });
    started.push(warehouse);
    return {
      s3,
      firehose,
      warehouse,
      bucket: options.bucket,
      deliveryStreams,
      prefixes,
      async close() {
        // Firehose first: its last buffers go to S3 before S3 stops.
        await firehose.close();
        await Promise.all([s3.close(), warehouse.close()]);
      },
    };
  } catch (error) {
    for (const service of started.reverse()) await service.close().catch(() => {});
    throw error;
  }
}
