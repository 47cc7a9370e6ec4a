// A validating JSON scanner over raw bytes. It builds no values: it finds where each value ends and
// notes what the encoder must know about it (escapes, non-ASCII bytes, what PostgreSQL's jsonb
// would refuse), so valid bytes can be copied to the output as they are.
import { numberWithinNumericRange } from "./value-checks";

export const T_STRING = 1;
export const T_NUMBER = 2;
export const T_TRUE = 3;
export const T_FALSE = 4;
export const T_NULL = 5;
export const T_OBJECT = 6;
export const T_ARRAY = 7;

/** A backslash escape occurs (strings) or a backslash byte occurs (containers). */
export const F_ESCAPE = 1;
/** A byte ≥ 0x80: the line needs a UTF-8 validity check. */
export const F_HIGH = 2;
/** `\u0000`, or a lone surrogate escape: jsonb refuses both, text cannot hold NUL. */
export const F_JSONB_REFUSED = 4;
/** Tab or CR as whitespace inside a container: must be escaped in COPY text format. */
export const F_CONTROL_WS = 8;
/** Number with a fraction. */
export const F_FRACTION = 16;
/** Number with an exponent. */
export const F_EXPONENT = 32;
/** A number numeric/jsonb cannot hold. */
export const F_NUMBER_RANGE = 64;

/** Containers nested deeper than this are rejected (PostgreSQL and Redshift both limit depth). */
export const MAX_DEPTH = 256;

/** Scanner output, reused to avoid allocating per value: type, end (exclusive) and flags of the last value. */
export const scanned = { type: 0, end: 0, flags: 0 };

export function skipWhitespace(buf: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = buf[i] as number;
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i++;
  }
  return i;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102);
}

function hex4(buf: Uint8Array, i: number): number {
  let value = 0;
  for (let k = i; k < i + 4; k++) {
    const c = buf[k] as number;
    if (!isHex(c)) return -1;
    value = value * 16 + (c <= 57 ? c - 48 : (c | 32) - 87);
  }
  return value;
}

/** Byte classes inside a JSON string: 0 ordinary, 1 `"`, 2 `\\`, 3 control (invalid), 4 non-ASCII. */
const STRING_CLASS = new Uint8Array(256);
for (let c = 0; c < 32; c++) STRING_CLASS[c] = 3;
STRING_CLASS[34] = 1;
STRING_CLASS[92] = 2;
for (let c = 128; c < 256; c++) STRING_CLASS[c] = 4;

/** Scans the string starting at the `"` at `i`; returns the index after the closing quote, or -1. */
export function scanString(buf: Uint8Array, i: number, end: number): number {
  let flags = 0;
  let j = i + 1;
  for (;;) {
    // Hot loop: ordinary bytes need one table lookup each, four at a time with one branch.
    while (
      j + 4 <= end &&
      ((STRING_CLASS[buf[j] as number] as number) |
        (STRING_CLASS[buf[j + 1] as number] as number) |
        (STRING_CLASS[buf[j + 2] as number] as number) |
        (STRING_CLASS[buf[j + 3] as number] as number)) ===
        0
    )
      j += 4;
    while (j < end && STRING_CLASS[buf[j] as number] === 0) j++;
    if (j >= end) return -1;
    const cls = STRING_CLASS[buf[j] as number];
    if (cls === 1) {
      scanned.type = T_STRING;
      scanned.end = j + 1;
      scanned.flags = flags;
      return j + 1;
    }
    if (cls === 4) {
      flags |= F_HIGH;
      j++;
      continue;
    }
    if (cls === 3) return -1;
    flags |= F_ESCAPE;
    const e = buf[j + 1];
    if (e === 117) {
      if (j + 6 > end) return -1;
      const code = hex4(buf, j + 2);
      if (code < 0) return -1;
      j += 6;
      if (code === 0) flags |= F_JSONB_REFUSED;
      else if (code >= 0xd800 && code <= 0xdbff) {
        const low = buf[j] === 92 && buf[j + 1] === 117 && j + 6 <= end ? hex4(buf, j + 2) : -1;
        if (low >= 0xdc00 && low <= 0xdfff) j += 6;
        else flags |= F_JSONB_REFUSED;
      } else if (code >= 0xdc00 && code <= 0xdfff) flags |= F_JSONB_REFUSED;
      continue;
    }
    // " \ / b f n r t
    if (e !== 34 && e !== 92 && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) {
      return -1;
    }
    j += 2;
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 48 && c <= 57;
}

/** Scans a JSON number at `i` (strict grammar: no leading zeros, no `+`, digits after `.`). */
export function scanNumber(buf: Uint8Array, i: number, end: number): number {
  let flags = 0;
  let j = i;
  if (buf[j] === 45) j++;
  if (buf[j] === 48) j++;
  else if (isDigit(buf[j])) while (j < end && isDigit(buf[j])) j++;
  else return -1;
  if (buf[j] === 46) {
    flags |= F_FRACTION;
    j++;
    if (!isDigit(buf[j])) return -1;
    while (j < end && isDigit(buf[j])) j++;
  }
  const e = buf[j];
  if (e === 101 || e === 69) {
    flags |= F_EXPONENT;
    j++;
    if (buf[j] === 43 || buf[j] === 45) j++;
    if (!isDigit(buf[j])) return -1;
    while (j < end && isDigit(buf[j])) j++;
  }
  if (j > end) return -1;
  if ((flags & F_EXPONENT || j - i > 300) && !numberWithinNumericRange(latin1(buf, i, j)))
    flags |= F_NUMBER_RANGE;
  scanned.type = T_NUMBER;
  scanned.end = j;
  scanned.flags = flags;
  return j;
}

export function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("latin1");
}

function literal(buf: Uint8Array, i: number, end: number, text: Uint8Array, type: number): number {
  if (i + text.length > end) return -1;
  for (let k = 1; k < text.length; k++) if (buf[i + k] !== text[k]) return -1;
  scanned.type = type;
  scanned.end = i + text.length;
  scanned.flags = 0;
  return scanned.end;
}
const TRUE = Buffer.from("true");
const FALSE = Buffer.from("false");
const NULL = Buffer.from("null");

/** Scans any JSON value at `i` (no leading whitespace); returns its end, or -1 when it is not valid JSON. */
export function scanValue(buf: Uint8Array, i: number, end: number, depth: number): number {
  const c = buf[i];
  switch (c) {
    case 34:
      return scanString(buf, i, end);
    case 116:
      return literal(buf, i, end, TRUE, T_TRUE);
    case 102:
      return literal(buf, i, end, FALSE, T_FALSE);
    case 110:
      return literal(buf, i, end, NULL, T_NULL);
    case 123:
    case 91:
      return depth >= MAX_DEPTH ? -1 : scanContainer(buf, i, end, depth + 1);
    default:
      return c === 45 || isDigit(c) ? scanNumber(buf, i, end) : -1;
  }
}

function scanContainer(buf: Uint8Array, i: number, end: number, depth: number): number {
  const isObject = buf[i] === 123;
  const close = isObject ? 125 : 93;
  let flags = 0;
  let j = i + 1;
  for (let first = true; ; first = false) {
    // Whitespace, noting tab and CR, which COPY text format must escape.
    while (j < end) {
      const w = buf[j] as number;
      if (w === 32) j++;
      else if (w === 9 || w === 13 || w === 10) {
        flags |= F_CONTROL_WS;
        j++;
      } else break;
    }
    if (first && buf[j] === close) {
      j++;
      break;
    }
    if (isObject) {
      if (buf[j] !== 34 || scanString(buf, j, end) < 0) return -1;
      flags |= scanned.flags;
      j = scanned.end;
      while (j < end && (buf[j] === 32 || buf[j] === 9 || buf[j] === 13)) {
        if (buf[j] !== 32) flags |= F_CONTROL_WS;
        j++;
      }
      if (buf[j] !== 58) return -1;
      j++;
      while (j < end && (buf[j] === 32 || buf[j] === 9 || buf[j] === 13)) {
        if (buf[j] !== 32) flags |= F_CONTROL_WS;
        j++;
      }
    }
    if (j >= end || scanValue(buf, j, end, depth) < 0) return -1;
    flags |= scanned.flags;
    j = scanned.end;
    while (j < end && (buf[j] === 32 || buf[j] === 9 || buf[j] === 13)) {
      if (buf[j] !== 32) flags |= F_CONTROL_WS;
      j++;
    }
    const next = buf[j];
    if (next === 44) {
      j++;
      continue;
    }
    if (next === close) {
      j++;
      break;
    }
    return -1;
  }
  if (j > end) return -1;
  scanned.type = isObject ? T_OBJECT : T_ARRAY;
  scanned.end = j;
  // Containers carry only what matters for copying them whole; number shape flags are per value.
  scanned.flags = flags & (F_ESCAPE | F_HIGH | F_JSONB_REFUSED | F_CONTROL_WS | F_NUMBER_RANGE);
  return j;
}
