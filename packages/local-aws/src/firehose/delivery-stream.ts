import { epochHour } from "./object-key";
import type { ClosedBuffer } from "./s3-delivery";

export interface DeliveryStreamSpec {
  /** Delivery stream name, [a-zA-Z0-9_.-]{1,64}. */
  name: string;
  /** S3 prefix the hour folders go under, e.g. `events/`. */
  prefix: string;
}

export interface BufferingHints {
  /** Deliver when the buffer holds this many bytes (Firehose: 1–128 MiB). */
  sizeBytes: number;
  /** Deliver this long after the buffer's first record, in real time (Firehose: 0–900 s). */
  intervalMs: number;
}

/**
 * One delivery stream's buffer: records accumulate until the size or the interval is reached, or
 * the arrival hour changes, and the closed buffer goes to `deliver`.
 */
export class DeliveryStream {
  readonly createdAt = new Date();
  recordsAccepted = 0;
  bytesAccepted = 0;
  private chunks: Buffer[] = [];
  private bytes = 0;
  private openedAt = new Date(0);
  private hour = -1;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: DeliveryStreamSpec,
    readonly buffering: BufferingHints,
    private readonly deliver: (buffer: ClosedBuffer) => void,
  ) {}

  get bufferedRecords(): number {
    return this.chunks.length;
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  accept(records: Buffer[], arrival: Date): void {
    const hour = epochHour(arrival);
    for (const record of records) {
      // A buffer never spans two arrival hours, so each object belongs to exactly one hour prefix.
      if (this.chunks.length > 0 && hour !== this.hour) this.close();
      if (this.chunks.length === 0) this.open(arrival, hour);
      this.chunks.push(record);
      this.bytes += record.length;
      this.recordsAccepted++;
      this.bytesAccepted += record.length;
      if (this.bytes >= this.buffering.sizeBytes) this.close();
    }
  }

  /** Hands the open buffer, if any, to delivery. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.chunks.length === 0) return;
    const buffer: ClosedBuffer = {
      streamName: this.spec.name,
      prefix: this.spec.prefix,
      openedAt: this.openedAt,
      chunks: this.chunks,
      bytes: this.bytes,
      records: this.chunks.length,
    };
    this.chunks = [];
    this.bytes = 0;
    this.deliver(buffer);
  }

  private open(arrival: Date, hour: number): void {
    this.openedAt = arrival;
    this.hour = hour;
    this.timer = setTimeout(() => this.close(), this.buffering.intervalMs);
    this.timer.unref();
  }
}
