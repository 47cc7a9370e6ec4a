// Validators for the text forms PostgreSQL would parse. Each accepts a strict subset of what the
// server accepts, so a value that passes can never make the server abort the COPY.

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The decimal number in `b[from, from + count)`, or -1 when any byte there is not a digit. */
export function digits(b: Uint8Array, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = (b[i] as number) - 48;
    if (!(d >= 0 && d <= 9)) return -1; // also catches reads past the end (NaN)
    value = value * 10 + d;
  }
  return value;
}

/**
 * ISO-8601-like timestamps in `bytes[start, end)`: `YYYY-MM-DD`, then optionally
 * `[T ]HH:MM[:SS[.fraction]]` and a zone (` `? then `Z` or `±HH[[:]MM]`). Years 0001–9999, real
 * calendar days, zone offsets within ±15:59. Works on bytes so the COPY path needs no string.
 */
export function isTimestampBytes(b: Uint8Array, start: number, end: number, allowTime = true): boolean {
  const n = end - start;
  if (n < 10 || b[start + 4] !== 45 || b[start + 7] !== 45) return false;
  const year = digits(b, start, 4);
  const month = digits(b, start + 5, 2);
  const day = digits(b, start + 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number))) return false;
  if (n === 10) return true;
  if (!allowTime) return false;
  const sep = b[start + 10];
  if (sep !== 84 && sep !== 116 && sep !== 32) return false; // T t space
  if (n < 16 || b[start + 13] !== 58) return false;
  const hour = digits(b, start + 11, 2);
  const minute = digits(b, start + 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return false;
  let i = start + 16;
  if (i < end && b[i] === 58) {
    if (i + 3 > end) return false;
    const second = digits(b, i + 1, 2);
    if (second < 0 || second > 59) return false;
    i += 3;
    if (i < end && b[i] === 46) {
      const first = ++i;
      while (i < end && (b[i] as number) >= 48 && (b[i] as number) <= 57) i++;
      if (i === first) return false;
    }
  }
  if (i === end) return true;
  if (b[i] === 32) i++;
  if (i === end) return false;
  const z = b[i];
  if (z === 90) return i + 1 === end; // Z
  if (z !== 43 && z !== 45) return false; // + -
  if (i + 3 > end) return false;
  const offsetHours = digits(b, i + 1, 2);
  if (offsetHours < 0 || offsetHours > 15) return false;
  i += 3;
  if (i === end) return true;
  if (b[i] === 58) i++;
  if (i + 2 !== end) return false;
  const offsetMinutes = digits(b, i, 2);
  return offsetMinutes >= 0 && offsetMinutes <= 59;
}

export function isTimestamp(s: string, allowTime = true): boolean {
  const bytes = Buffer.from(s);
  return isTimestampBytes(bytes, 0, bytes.length, allowTime);
}

const INTEGER_LIMITS: Record<16 | 32 | 64, [bigint, bigint]> = {
  16: [-32768n, 32767n],
  32: [-2147483648n, 2147483647n],
  64: [-9223372036854775808n, 9223372036854775807n],
};
const INTEGER_TEXT = /^[+-]?[0-9]+$/;

/** Canonical text of an integer within the column's range, or null. */
export function normalizeInteger(text: string, bits: 16 | 32 | 64): string | null {
  const s = text.trim();
  if (!INTEGER_TEXT.test(s)) return null;
  // Up to 4 characters fits every range.
  if (s.length <= 4) return s;
  const value = BigInt(s);
  const [min, max] = INTEGER_LIMITS[bits];
  return value < min || value > max ? null : value.toString();
}

const DECIMAL_TEXT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const SPECIAL_FLOAT = /^[+-]?(?:nan|infinity|inf)$/i;

/** Canonical text of a float8/float4 value, or null when out of range (PostgreSQL errors on over- and underflow). */
export function normalizeFloat(text: string, single: boolean): string | null {
  const s = text.trim();
  if (SPECIAL_FLOAT.test(s)) return s;
  if (!DECIMAL_TEXT.test(s)) return null;
  const value = Number(s);
  const stored = single ? Math.fround(value) : value;
  if (!Number.isFinite(stored)) return null;
  if (stored === 0 && /[1-9]/.test(s.replace(/[eE].*$/, ""))) return null;
  return s;
}

/** numeric without a typmod: any decimal, within the digit weights numeric can hold. */
export function normalizeNumeric(text: string): string | null {
  const s = text.trim();
  if (/^[+-]?nan$/i.test(s)) return s;
  if (!DECIMAL_TEXT.test(s)) return null;
  return numberWithinNumericRange(s) ? s : null;
}

/**
 * Whether numeric (and so a jsonb number) can hold this decimal: PostgreSQL refuses values whose
 * leading digit sits more than 131071 places before, or whose scale exceeds 16383 places after, the point.
 */
export function numberWithinNumericRange(s: string): boolean {
  if (s.length < 300 && !/[eE]/.test(s)) return true;
  const match = /^[+-]?([0-9]*)\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?$/.exec(s);
  if (!match) return false;
  const integerDigits = (match[1] ?? "").replace(/^0+/, "").length;
  const fractionDigits = (match[2] ?? "").length;
  const exponent = Number(match[3] ?? "0");
  return integerDigits + exponent <= 131000 && fractionDigits - exponent <= 16000;
}

const TRUE_TEXT = new Set(["t", "true", "y", "yes", "on", "1"]);
const FALSE_TEXT = new Set(["f", "false", "n", "no", "off", "0"]);

export function normalizeBoolean(text: string): "true" | "false" | null {
  const s = text.trim().toLowerCase();
  if (TRUE_TEXT.has(s)) return "true";
  if (FALSE_TEXT.has(s)) return "false";
  return null;
}

const UUID_TEXT = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
export function isUuid(s: string): boolean {
  return UUID_TEXT.test(s);
}

/** Characters (code points), as varchar(n) counts them. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}
