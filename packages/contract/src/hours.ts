// Hour ranges: the unit of loading and re-importing. An hour is a Date on a whole UTC hour; ranges are
// inclusive at both ends, because people say "from 05 to 08" and mean four hours of partitions.

const HOUR_MS = 3_600_000;

/** Inclusive range of whole UTC hours. */
export interface HourRange {
  readonly from: Date;
  readonly to: Date;
}

/** A --from/--to value or range that cannot be used; the message says what to type instead. */
export class HourRangeError extends Error {
  override readonly name = "HourRangeError";
}

const EXAMPLES =
  "a UTC hour like 2026-11-23T05 (or 2026-11-23T05:00Z, '2026-11-23 05:00') or a date like 2026-11-23";

const HOUR_VALUE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/**
 * Parses one end of a range. A bare date means the whole day, so it is hour 00 as `from` and hour 23
 * as `to`. Times carry no offset (UTC), `Z`, or an explicit offset that is converted to UTC.
 */
export function parseHour(value: string, edge: "from" | "to"): Date {
  const flag = `--${edge}`;
  const text = value.trim();
  const match = HOUR_VALUE.exec(text);
  if (!match) throw new HourRangeError(`${flag} ${JSON.stringify(value)} is not an hour: type ${EXAMPLES}`);
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  if (
    calendarDay.getUTCFullYear() !== year ||
    calendarDay.getUTCMonth() !== month - 1 ||
    calendarDay.getUTCDate() !== day
  ) {
    throw new HourRangeError(`${flag} ${JSON.stringify(value)} is not a calendar date: type ${EXAMPLES}`);
  }
  if (h === undefined) {
    return edge === "from" ? calendarDay : new Date(calendarDay.getTime() + 23 * HOUR_MS);
  }
  const hour = Number(h);
  if (hour > 23) throw new HourRangeError(`${flag} ${JSON.stringify(value)}: the hour must be 00-23`);
  if (Number(mi ?? 0) !== 0 || Number(s ?? 0) !== 0 || Number(frac ?? 0) !== 0) {
    const whole = `${y}-${mo}-${d}T${h}`;
    throw new HourRangeError(
      `${flag} ${JSON.stringify(value)} is not a whole hour: partitions are hourly, type ${whole} for the hour that contains it`,
    );
  }
  const offsetMinutes = parseOffset(zone);
  const instant = Date.UTC(year, month - 1, day, hour) - offsetMinutes * 60_000;
  if (instant % HOUR_MS !== 0) {
    throw new HourRangeError(
      `${flag} ${JSON.stringify(value)}: the offset must be whole hours; give the hour in UTC`,
    );
  }
  return new Date(instant);
}

function parseOffset(zone: string | undefined): number {
  if (!zone || /^(z|utc)$/i.test(zone)) return 0;
  const sign = zone.startsWith("-") ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0));
}

export interface ParseRangeOptions {
  /** Longest accepted range in hours. */
  maxHours: number;
  /** Name of the setting that holds maxHours, for the message (e.g. LOAD_MAX_RANGE_HOURS). */
  maxHoursSetting?: string;
}

/**
 * Parses --from/--to. `to` may be omitted: then the range is the `from` hour alone, or the whole day
 * when `from` is a date. Rejects a missing `from`, reversed ends and ranges longer than the cap.
 */
export function parseHourRange(input: { from?: string; to?: string }, options: ParseRangeOptions): HourRange {
  if (input.from === undefined || input.from.trim() === "") {
    throw new HourRangeError(
      input.to === undefined
        ? `--from is required: type ${EXAMPLES}`
        : `--to needs a --from: type e.g. --from ${input.to} --to ${input.to}`,
    );
  }
  const from = parseHour(input.from, "from");
  const to = parseHour(input.to === undefined || input.to.trim() === "" ? input.from : input.to, "to");
  if (to < from) {
    throw new HourRangeError(
      `--from ${formatHour(from)} is after --to ${formatHour(to)}: swap them (both ends are included: --from ${formatHour(to)} --to ${formatHour(from)})`,
    );
  }
  const range = { from, to };
  const hours = hourCount(range);
  if (hours > options.maxHours) {
    const setting = options.maxHoursSetting ? ` (${options.maxHoursSetting})` : "";
    const lastAllowed = new Date(from.getTime() + (options.maxHours - 1) * HOUR_MS);
    throw new HourRangeError(
      `the range ${formatHour(from)}..${formatHour(to)} is ${hours} hours, more than the ${options.maxHours}-hour cap${setting}: ` +
        `load it in parts, e.g. --from ${formatHour(from)} --to ${formatHour(lastAllowed)}, or raise the cap`,
    );
  }
  return Object.freeze(range);
}

/** The last `hours` hours up to and including the hour that contains `now` (the scheduled window). */
export function lookbackRange(now: Date, hours: number): HourRange {
  if (!Number.isInteger(hours) || hours < 1)
    throw new HourRangeError(`look-back must be at least 1 hour, got ${hours}`);
  const to = floorToHour(now);
  return Object.freeze({ from: new Date(to.getTime() - (hours - 1) * HOUR_MS), to });
}

export function floorToHour(date: Date): Date {
  return new Date(Math.floor(date.getTime() / HOUR_MS) * HOUR_MS);
}

export function hourCount(range: HourRange): number {
  return (range.to.getTime() - range.from.getTime()) / HOUR_MS + 1;
}

/** Every hour of the range, oldest first. */
export function hoursOf(range: HourRange): Date[] {
  const hours: Date[] = [];
  for (let t = range.from.getTime(); t <= range.to.getTime(); t += HOUR_MS) hours.push(new Date(t));
  return hours;
}

/** Consecutive sub-ranges of at most `chunkHours` hours covering the range. */
export function chunkRange(range: HourRange, chunkHours: number): HourRange[] {
  if (!Number.isInteger(chunkHours) || chunkHours < 1) {
    throw new HourRangeError(`chunk size must be a positive whole number of hours, got ${chunkHours}`);
  }
  const chunks: HourRange[] = [];
  for (let start = range.from.getTime(); start <= range.to.getTime(); start += chunkHours * HOUR_MS) {
    const end = Math.min(start + (chunkHours - 1) * HOUR_MS, range.to.getTime());
    chunks.push(Object.freeze({ from: new Date(start), to: new Date(end) }));
  }
  return chunks;
}

/** `2026-11-23T05` — the form the CLI accepts back. */
export function formatHour(hour: Date): string {
  return hour.toISOString().slice(0, 13);
}

export function formatRange(range: HourRange): string {
  return `${formatHour(range.from)}..${formatHour(range.to)}`;
}
