// Moved to @kr/contract; kept so relative imports keep working.
export {
  chunkRange,
  floorToHour,
  formatHour,
  formatRange,
  type HourRange,
  HourRangeError,
  hourCount,
  hoursOf,
  lookbackRange,
  type ParseRangeOptions,
  parseHour,
  parseHourRange,
} from "@kr/contract";
