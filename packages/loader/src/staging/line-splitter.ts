/** Receives each line as `buf[start, end)` (no `\n`) with its 1-based line number; the buffer is only valid during the call. */
export type LineHandler = (buf: Buffer, start: number, end: number, line: number) => void;

/**
 * Splits a byte stream on `\n` without decoding it: lines that span chunk boundaries are joined,
 * and a final line without `\n` is still emitted by `end()`.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private line = 0;

  constructor(private readonly onLine: LineHandler) {}

  push(chunk: Buffer): void {
    let start = 0;
    let newline = chunk.indexOf(10);
    if (newline === -1) {
      if (chunk.length > 0) this.keep(chunk);
      return;
    }
    if (this.carryBytes > 0) {
      this.carry.push(chunk.subarray(0, newline));
      const joined = Buffer.concat(this.carry, this.carryBytes + newline);
      this.carry = [];
      this.carryBytes = 0;
      this.onLine(joined, 0, joined.length, ++this.line);
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    while (newline !== -1) {
      this.onLine(chunk, start, newline, ++this.line);
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  /** Flushes a last line that has no trailing `\n`. */
  end(): void {
    if (this.carryBytes === 0) return;
    const joined = Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    this.onLine(joined, 0, joined.length, ++this.line);
  }

  private keep(part: Buffer): void {
    this.carry.push(part);
    this.carryBytes += part.length;
  }
}

/** Whitespace-only lines (a trailing newline, CRLF leftovers) are not records (status --verify counts the same way). */
export function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
