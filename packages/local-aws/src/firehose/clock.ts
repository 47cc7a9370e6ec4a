/** What the caller may set as "now": a fixed instant, or a function asked once per API call. */
export type ClockSetting = Date | (() => Date);

export type Clock = () => Date;

export function toClock(setting: ClockSetting | undefined): Clock {
  if (setting === undefined) return () => new Date();
  if (setting instanceof Date) {
    const fixed = setting.getTime();
    if (Number.isNaN(fixed)) throw new RangeError("clock: invalid Date");
    return () => new Date(fixed);
  }
  return setting;
}
