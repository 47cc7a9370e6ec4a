/** A growable byte buffer that rows are encoded into, in PostgreSQL COPY text format. */
export class RowBuffer {
  buf: Buffer;
  used = 0;
  rows = 0;

  constructor(readonly capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Makes room for `bytes` more (keeping what is written), so encoders can write without checks. */
  ensure(bytes: number): void {
    if (this.used + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + bytes));
    this.buf.copy(bigger, 0, 0, this.used);
    this.buf = bigger;
  }

  /** Hands out the written bytes and continues in `next` (a recycled buffer) or a fresh one; the taker keeps the old one. */
  take(next?: Buffer): Buffer {
    const filled = this.buf.subarray(0, this.used);
    this.buf = next && next.length >= this.capacity ? next : Buffer.allocUnsafe(this.capacity);
    this.used = 0;
    this.rows = 0;
    return filled;
  }
}
