// `status --verify`, pure: per (arrival hour, stream), the records in S3 against what the warehouse
// holds. lines = loaded + rejected + duplicates, where
//   lines       records (non-blank lines) in the hour's objects, read by verify;
//   duplicates  records whose key already occurred earlier in the hour (Firehose redelivery: the
//               merge keeps one row per key);
//   loaded      the hour's distinct keys that have a row in the stream table (counted in the table,
//               so rows deleted behind the loader's back are missed);
//   rejected    records without a row that the ledger accounts for as rejected: at most the rejected
//               count of the batches that loaded the hour's files. Exact when those batches loaded
//               only this hour; a batch that spans hours has one count for all of them, which is
//               spent once across the hours verified, oldest first (an upper bound per hour).
// An hour is unreconciled when the identity fails (records with no row that no reject explains:
// rows deleted, files pending or failed, objects changed since) or when a key has more than one row.
// No I/O here; status/verify.ts gathers the counts.
import { formatHour } from "@kr/copy-builder";

/** What verify read from one hour's objects. */
export interface HourScan {
  stream: string;
  hour: Date;
  files: number;
  bytes: number;
  lines: number;
  /** Lines that parsed as a JSON object with a string key. */
  keyedLines: number;
  distinctKeys: number;
}

/** One ledger file of the hour, with its batch's rejected count and the hours that batch loaded. */
export interface VerifyLedgerFile {
  key: string;
  hour: Date;
  batchId: string;
  /** null when the batch row is gone. */
  batchRejected: number | null;
  batchHourFrom: Date | null;
  batchHourTo: Date | null;
}

export interface HourReconciliation {
  stream: string;
  hour: string;
  files: number;
  /** Objects of the hour the ledger does not list (pending, or their batch failed). */
  filesNotLoaded: number;
  lines: number;
  loaded: number;
  rejected: number;
  duplicates: number;
  /** lines − (loaded + rejected + duplicates): records with no row and no reject to explain them. */
  unaccounted: number;
  /** Rows beyond one per key (a key held twice in the table). */
  extraRows: number;
  /** The ledger's rejected count for the hour's batches (the most `rejected` can be). */
  ledgerRejected: number;
  /** False when a batch of this hour also loaded other hours (ledgerRejected is then shared). */
  rejectedExact: boolean;
  reconciled: boolean;
}

export interface VerifyReport {
  range: { from: string; to: string; hours: number };
  hours: HourReconciliation[];
  /** Per stream: the hours whose identity fails. */
  unreconciled: { stream: string; hours: string[] }[];
  /** What verify read: every object of the range. */
  files: number;
  bytes: number;
  lines: number;
  durationMs: number;
}

/**
 * The identity for one hour of one stream. `rowsInTable`: table rows holding one of the hour's keys.
 * `rejectsLeft`: per batch, the rejected records not yet spent on an earlier hour of the same stream
 * (pass the same map for every hour of a stream, oldest first).
 */
export function reconcileHour(
  scan: HourScan,
  ledger: readonly VerifyLedgerFile[],
  objectKeys: readonly string[],
  rowsInTable: number,
  rejectsLeft: Map<string, number> = new Map(),
): HourReconciliation {
  const loadedKeys = new Set(ledger.map((f) => f.key));
  const filesNotLoaded = objectKeys.filter((k) => !loadedKeys.has(k)).length;
  const hour = scan.hour.getTime();
  const batches = new Map<string, VerifyLedgerFile>();
  for (const file of ledger) batches.set(file.batchId, file);
  let ledgerRejected = 0;
  let rejectedExact = true;
  for (const batch of batches.values()) {
    ledgerRejected += batch.batchRejected ?? 0;
    if (batch.batchHourFrom?.getTime() !== hour || batch.batchHourTo?.getTime() !== hour)
      rejectedExact = false;
  }
  const duplicates = scan.keyedLines - scan.distinctKeys;
  const loaded = Math.min(rowsInTable, scan.distinctKeys);
  const extraRows = Math.max(0, rowsInTable - scan.distinctKeys);
  const withoutRow = scan.lines - duplicates - loaded;
  let rejected = 0;
  for (const [batchId, batch] of batches) {
    const left = rejectsLeft.get(batchId) ?? batch.batchRejected ?? 0;
    const spent = Math.min(left, withoutRow - rejected);
    rejectsLeft.set(batchId, left - spent);
    rejected += spent;
  }
  const unaccounted = withoutRow - rejected;
  return {
    stream: scan.stream,
    hour: formatHour(scan.hour),
    files: scan.files,
    filesNotLoaded,
    lines: scan.lines,
    loaded,
    rejected,
    duplicates,
    unaccounted,
    extraRows,
    ledgerRejected,
    rejectedExact,
    reconciled: unaccounted === 0 && extraRows === 0,
  };
}

export function unreconciledByStream(
  streams: readonly string[],
  hours: readonly HourReconciliation[],
): VerifyReport["unreconciled"] {
  return streams.map((stream) => ({
    stream,
    hours: hours.filter((h) => h.stream === stream && !h.reconciled).map((h) => h.hour),
  }));
}
