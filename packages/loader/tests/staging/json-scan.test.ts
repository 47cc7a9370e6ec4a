// The string scanner's fast path (four bytes a branch) must find exactly what a byte-at-a-time reading
// finds, wherever the string starts and wherever its quote, escapes or bad bytes fall.
import { describe, expect, it } from "vitest";
import { F_ESCAPE, F_HIGH, scanned, scanString } from "../../src/staging/json-scan";

/** JSON's string grammar, one byte at a time: the end after the closing quote, or -1; and the flags. */
function reference(buf: Uint8Array, i: number, end: number): { end: number; flags: number } {
  let flags = 0;
  for (let j = i + 1; j < end; j++) {
    const c = buf[j] as number;
    if (c === 0x22) return { end: j + 1, flags };
    if (c < 0x20) return { end: -1, flags: 0 };
    if (c >= 0x80) flags |= F_HIGH;
    if (c === 0x5c) {
      flags |= F_ESCAPE;
      const e = buf[j + 1];
      if (e === 0x75) {
        const hex = Buffer.from(buf.subarray(j + 2, j + 6)).toString("latin1");
        if (j + 6 > end || !/^[0-9a-fA-F]{4}$/.test(hex)) return { end: -1, flags: 0 };
        j += 5;
      } else if (e !== undefined && j + 1 < end && '"\\/bfnrt'.includes(String.fromCharCode(e))) j++;
      else return { end: -1, flags: 0 };
    }
  }
  return { end: -1, flags: 0 };
}

/** A small deterministic PRNG (mulberry32), so a failure names its seed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "a",
  "b",
  "0",
  " ",
  '"',
  "\\n",
  '\\"',
  "\\\\",
  "\\u0041",
  "\\x",
  "\\u00zz",
  "\t",
  "\x01",
  "é",
  "\\",
];

describe("scanString", () => {
  it("agrees with a byte-at-a-time scan at every offset and length", () => {
    const random = prng(20261207);
    for (let n = 0; n < 5_000; n++) {
      const pad = Math.floor(random() * 5);
      const length = Math.floor(random() * 14);
      let body = "";
      for (let k = 0; k < length; k++)
        body += random() < 0.7 ? "a" : PIECES[Math.floor(random() * PIECES.length)];
      const closed = random() < 0.9;
      const buf = Buffer.from(
        `${" ".repeat(pad)}"${body}${closed ? '"' : ""}${"x".repeat(Math.floor(random() * 5))}`,
      );
      const want = reference(buf, pad, buf.length);
      const got = scanString(buf, pad, buf.length);
      expect({ input: buf.toString(), end: got, flags: got < 0 ? 0 : scanned.flags }).toEqual({
        input: buf.toString(),
        end: want.end,
        flags: want.flags,
      });
    }
  });

  it("stops at the scan's end, not the buffer's", () => {
    const buf = Buffer.from('"abcdefgh"');
    expect(scanString(buf, 0, 9)).toBe(-1);
    expect(scanString(buf, 0, 10)).toBe(10);
    expect(scanString(buf, 0, 5)).toBe(-1);
  });
});
