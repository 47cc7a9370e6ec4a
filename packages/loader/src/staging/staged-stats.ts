// The staging statistics the merge needs (copy-builder's buildStagingStats: distinct keys, the sort
// key's range), counted while the stage encodes the rows, so PostgreSQL need not scan the staging
// table again for them: that scan (a sequential read of every staged row plus an aggregate of 64-bit
// key hashes) was ~0.2–0.28 s of a ~3.2–4.6 s first load of 500,000 rows (apps/bench/README.md).
// Pure: bytes in, counts out. Whatever it cannot count exactly as the server would, it gives up on,
// and the batch reads the statistics with SQL as before.
import { digits } from "./value-checks";

/** The same figures buildStagingStats reads, as the stage counted them. */
export interface StagedKeyStats {
  /**
   * Distinct 52-bit hashes of the staged keys' text: equal keys have equal hashes, so this is never
   * above the distinct keys, and equal to the rows only when every key is distinct (then exact) —
   * the contract of the PostgreSQL form of buildStagingStats, so the merge treats both alike.
   */
  distinctKeys: number;
  /** The sort key's range, cut to whole milliseconds (mergeBounds widens by 1 ms for that). */
  bounds: { min: Date; max: Date };
}

/** Keys it counts at most (8 bytes each: 32 MiB); a bigger batch reads its statistics with SQL. */
const MAX_KEYS = 1 << 22;
const FIRST_KEYS = 1 << 16;
const TWO_TO_THE_20 = 1_048_576;

/**
 * Counts distinct keys and the sort key's range, one row at a time. `usable` turns false for good
 * at the first row it cannot count as the server would (a key that is not a plain string, a
 * timestamp without an explicit zone, more than MAX_KEYS rows); `result()` is then undefined.
 */
export class StagedStatsCollector {
  /** Each row's key hash, in arrival order; sorted once at the end (see distinctHashes). */
  private hashes = new Float64Array(FIRST_KEYS);
  private rows = 0;
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = Number.NEGATIVE_INFINITY;
  private usable = true;

  /** False once it gave up: the rows after that need not be shown to it. */
  get active(): boolean {
    return this.usable;
  }

  /** Gives up: the batch reads its statistics with SQL. */
  giveUp(): void {
    this.usable = false;
    this.hashes = new Float64Array(0);
  }

  /** One staged row: its key's UTF-8 bytes `key[ks, ke)` and its sort key's text `sort[ss, se)`. */
  add(key: Uint8Array, ks: number, ke: number, sort: Uint8Array, ss: number, se: number): void {
    if (!this.usable) return;
    const ms = zonedTimestampMs(sort, ss, se);
    if (Number.isNaN(ms)) {
      this.giveUp();
      return;
    }
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
    if (this.rows === this.hashes.length) {
      if (this.rows >= MAX_KEYS) {
        this.giveUp();
        return;
      }
      const grown = new Float64Array(this.rows * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.rows++] = keyHash(key, ks, ke);
  }

  /** Undefined when it gave up; with no rows, none either (there is no range to give). */
  result(): StagedKeyStats | undefined {
    if (!this.usable || this.rows === 0) return undefined;
    return {
      distinctKeys: distinctHashes(this.hashes.subarray(0, this.rows)),
      bounds: { min: new Date(this.minMs), max: new Date(this.maxMs) },
    };
  }
}

/**
 * Two 32-bit hashes of the key, four bytes at a time (murmur3's mixing), 52 bits of them kept: at
 * 2M keys the chance that two distinct keys share one is ~5 × 10⁻⁴, and a shared hash only sends the
 * batch down the deduping insert, which is exact. Never 0.
 */
export function keyHash(b: Uint8Array, start: number, end: number): number {
  let h1 = 0x9747b28c;
  let h2 = 0x5bd1e995;
  let i = start;
  for (const last = end - 3; i < last; i += 4) {
    const k =
      (b[i] as number) |
      ((b[i + 1] as number) << 8) |
      ((b[i + 2] as number) << 16) |
      ((b[i + 3] as number) << 24);
    h1 = Math.imul(h1 ^ Math.imul(k, 0xcc9e2d51), 0x1b873593);
    h1 = (h1 << 13) | (h1 >>> 19);
    h2 = Math.imul(h2 ^ Math.imul(k, 0x85ebca6b), 0xc2b2ae35);
    h2 = (h2 << 15) | (h2 >>> 17);
  }
  let tail = 0;
  for (let shift = 0; i < end; i++, shift += 8) tail |= (b[i] as number) << shift;
  h1 = fmix32(Math.imul(h1 ^ tail, 0x1b873593) ^ (end - start));
  h2 = fmix32(Math.imul(h2 ^ tail, 0xc2b2ae35) ^ (end - start) ^ h1);
  return (h1 >>> 0) * TWO_TO_THE_20 + (h2 >>> 12) + 1;
}

/**
 * Distinct values among `hashes` (sorted in place). Sorting once at the end instead of a hash set
 * filled row by row: the set's random writes into megabytes missed the cache on nearly every row
 * (~0.35 µs a row in the stage's CPU profile), a native sort of 500k doubles takes ~60 ms.
 */
export function distinctHashes(hashes: Float64Array): number {
  if (hashes.length === 0) return 0;
  hashes.sort();
  let distinct = 1;
  for (let i = 1; i < hashes.length; i++) if (hashes[i] !== hashes[i - 1]) distinct++;
  return distinct;
}

function fmix32(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}

const MS_PER_DAY = 86_400_000;

/** value-checks' `digits`, NaN instead of -1 for a non-digit, so a bad field spoils the sum. */
function field(b: Uint8Array, from: number, count: number): number {
  const value = digits(b, from, count);
  return value < 0 ? Number.NaN : value;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/**
 * Epoch milliseconds (the fraction cut, not rounded) of a timestamp the stage's validator accepted
 * (value-checks.ts isTimestampBytes), when it names its zone: `YYYY-MM-DD`, `T`/`t`/space,
 * `HH:MM[:SS[.fraction]]`, an optional space, then `Z` or `±HH[[:]MM]`. NaN otherwise — a date
 * alone or a time without a zone is read by PostgreSQL in the session's TimeZone, which this does
 * not guess. The bytes are trusted to be calendar-valid (the validator checked them).
 */
export function zonedTimestampMs(b: Uint8Array, start: number, end: number): number {
  if (end - start < 17 || b[start + 4] !== 45 || b[start + 7] !== 45 || b[start + 13] !== 58)
    return Number.NaN;
  const days = daysFromCivil(field(b, start, 4), field(b, start + 5, 2), field(b, start + 8, 2));
  let ms = days * MS_PER_DAY + field(b, start + 11, 2) * 3_600_000 + field(b, start + 14, 2) * 60_000;
  let i = start + 16;
  if (b[i] === 58 && i < end) {
    ms += field(b, i + 1, 2) * 1000;
    i += 3;
    if (b[i] === 46 && i < end) {
      i++;
      let scale = 100;
      while (i < end && (b[i] as number) >= 48 && (b[i] as number) <= 57) {
        if (scale >= 1) ms += ((b[i] as number) - 48) * scale;
        scale /= 10;
        i++;
      }
    }
  }
  if (b[i] === 32 && i < end) i++;
  if (i >= end) return Number.NaN;
  const zone = b[i];
  if (zone === 90) return i + 1 === end ? ms : Number.NaN; // Z
  if (zone !== 43 && zone !== 45) return Number.NaN; // + -
  const offsetHours = field(b, i + 1, 2);
  i += 3;
  let offsetMinutes = 0;
  if (i < end) {
    if (b[i] === 58) i++;
    if (i + 2 !== end) return Number.NaN;
    offsetMinutes = field(b, i, 2);
  }
  const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000;
  return zone === 43 ? ms - offsetMs : ms + offsetMs;
}

/** The staged key's and sort key's column indices, when the stage can count them as the server would. */
export interface StatsColumns {
  key: number;
  sort: number;
}

/** A key of these types compares as its bytes (char(n) pads and ignores trailing spaces: not that). */
const PLAIN_TEXT = /^(?:text|varchar|character varying)\s*(?:\(\s*\d+\s*\))?$/;
const ZONED_TIMESTAMP = /^(?:timestamptz|timestamp with time zone)$/;

/**
 * Where the key and sort key are among the staged columns, or undefined when their types are not
 * ones this module counts exactly (a text key, a timestamptz sort key); the batch then uses SQL.
 */
export function statsColumns(
  columns: readonly { name: string; type: string }[],
  names: { key: string; sortKey: string },
): StatsColumns | undefined {
  const declared = (c: { type: string }) => c.type.trim().toLowerCase().replace(/\s+/g, " ");
  const key = columns.findIndex((c) => c.name === names.key && PLAIN_TEXT.test(declared(c)));
  const sort = columns.findIndex((c) => c.name === names.sortKey && ZONED_TIMESTAMP.test(declared(c)));
  return key < 0 || sort < 0 ? undefined : { key, sort };
}
