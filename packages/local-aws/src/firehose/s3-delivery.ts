import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { FaultInjector } from "./faults";
import { firehoseObjectKey } from "./object-key";

const gzip = promisify(gzipCallback);

/** A buffer the delivery stream has closed: its records, concatenated as-is on delivery. */
export interface ClosedBuffer {
  streamName: string;
  prefix: string;
  /** Arrival time of its first record: names the hour prefix and the object. */
  openedAt: Date;
  chunks: Buffer[];
  bytes: number;
  records: number;
}

export interface DeliveryStats {
  objectsWritten: number;
  /** Extra objects written by the duplicate-delivery fault. */
  duplicateObjects: number;
  /** GZIP bytes written to S3, duplicates included. */
  bytesWritten: number;
  /** Records and uncompressed bytes delivered, duplicates not counted twice. */
  recordsDelivered: number;
  bytesDelivered: number;
  /** PutObject attempts that failed and were retried. */
  deliveryRetries: number;
  /** Buffers closed but not yet in S3. */
  pendingBuffers: number;
  pendingBytes: number;
  /** Buffers whose every attempt failed; retried on the next flush. */
  failedBuffers: number;
}

export interface S3DeliveryOptions {
  client: S3Client;
  bucket: string;
  faults: FaultInjector;
  /** PutObject calls in flight at once. */
  concurrency?: number;
  /** Attempts per object before the buffer is parked as failed. */
  maxAttempts?: number;
  retryBaseMs?: number;
}

/** GZIPs closed buffers and writes them to S3 under Firehose's keys, a few at a time, with retries. */
export class S3Delivery {
  private readonly queue: ClosedBuffer[] = [];
  private failed: ClosedBuffer[] = [];
  private lastError: unknown;
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly counters = {
    objectsWritten: 0,
    duplicateObjects: 0,
    bytesWritten: 0,
    recordsDelivered: 0,
    bytesDelivered: 0,
    deliveryRetries: 0,
  };
  private pendingBytes = 0;

  constructor(private readonly options: S3DeliveryOptions) {}

  enqueue(buffer: ClosedBuffer): void {
    this.queue.push(buffer);
    this.pendingBytes += buffer.bytes;
    this.pump();
  }

  /** Uncompressed bytes accepted but not yet in S3 (the server throttles above a bound). */
  get backlogBytes(): number {
    return this.pendingBytes;
  }

  /** Waits until every closed buffer is in S3; retries parked failures once more, then rejects if any remain. */
  async settle(): Promise<void> {
    const parked = this.failed;
    this.failed = [];
    for (const buffer of parked) this.enqueue(buffer);
    if (this.running > 0 || this.queue.length > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    if (this.failed.length > 0) {
      throw new Error(
        `local Firehose: ${this.failed.length} buffer(s) could not be written to S3 bucket ` +
          `${this.options.bucket}: ${String(this.lastError)}`,
      );
    }
  }

  stats(): DeliveryStats {
    const failedBytes = this.failed.reduce((sum, buffer) => sum + buffer.bytes, 0);
    return {
      ...this.counters,
      pendingBuffers: this.queue.length + this.running + this.failed.length,
      pendingBytes: this.pendingBytes + failedBytes,
      failedBuffers: this.failed.length,
    };
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 4;
    while (this.running < concurrency && this.queue.length > 0) {
      const buffer = this.queue.shift() as ClosedBuffer;
      this.running++;
      this.deliver(buffer)
        .catch((error: unknown) => {
          this.lastError = error;
          this.failed.push(buffer);
        })
        .finally(() => {
          this.running--;
          this.pendingBytes -= buffer.bytes;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const resolve of waiters) resolve();
          }
        });
    }
  }

  private async deliver(buffer: ClosedBuffer): Promise<void> {
    // Firehose concatenates records as they came: no delimiter is added.
    const body = await gzip(Buffer.concat(buffer.chunks, buffer.bytes));
    const copies = this.options.faults.duplicateBuffer() ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const key = firehoseObjectKey(buffer.prefix, buffer.streamName, buffer.openedAt, randomUUID());
      await this.put(key, body);
      this.counters.objectsWritten++;
      this.counters.bytesWritten += body.length;
      if (copy > 0) this.counters.duplicateObjects++;
    }
    this.counters.recordsDelivered += buffer.records;
    this.counters.bytesDelivered += buffer.bytes;
  }

  private async put(key: string, body: Buffer): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const base = this.options.retryBaseMs ?? 100;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            Body: body,
            // Like Firehose: no Content-Encoding, so readers get the .gz bytes as stored.
            ContentType: "application/octet-stream",
          }),
        );
        return;
      } catch (error) {
        if (attempt >= maxAttempts) throw error;
        this.counters.deliveryRetries++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(base * 2 ** (attempt - 1), 2_000)));
      }
    }
  }
}
