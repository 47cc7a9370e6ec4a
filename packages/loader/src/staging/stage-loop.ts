import { isUtf8 } from "node:buffer";
import { TooManyRejectedRecordsError } from "./errors";
import { isBlank, LineSplitter } from "./line-splitter";
import type { RecordEncoder } from "./record-encoder";
import type { RowSink } from "./row-sink";
import { openAhead } from "./sources";
import type { StageOptions, StageResult, StageSource } from "./types";

const DETAILED_REJECTS = 100;
const RAW_CHARS = 256;
const PROGRESS_EVERY_ROWS = 50_000;
/** Decoded bytes a file waiting its turn may buffer. */
const PREFETCH_BYTES = 4 * 1024 * 1024;

/** The reason a line longer than `maxLineBytes` is rejected with. */
export const lineTooLongReason = (maxBytes: number) => `line longer than ${maxBytes} bytes`;

/**
 * The line as the quarantine keeps it: exactly as read, or null when text cannot hold it exactly
 * (longer than `maxBytes`, not UTF-8, or a NUL byte, which no text column takes).
 */
export function rawLine(
  buf: Buffer,
  start: number,
  end: number,
  maxBytes: number | undefined,
): string | null {
  if (maxBytes !== undefined && end - start > maxBytes) return null;
  const bytes = buf.subarray(start, end);
  if (bytes.includes(0) || !isUtf8(bytes)) return null;
  return bytes.toString("utf8");
}

/**
 * Reads every source in order, splits lines, encodes each record into the sink's row buffer;
 * counts rejected records and stops as soon as there are more than `maxErrors`. With
 * `options.rejects`, every rejected line is also written out; when its buffer fills, the current sink
 * is finished (the connection is free again), the rejects are written and a new sink is opened, so
 * `sink` may be a factory (a single sink cannot be reopened: then rejects are written at the end).
 */
export async function runStage(
  sources: StageSource[],
  encoder: RecordEncoder,
  openSink: RowSink | (() => RowSink),
  options: StageOptions,
): Promise<StageResult> {
  const reopen = typeof openSink === "function" ? openSink : null;
  let sink = typeof openSink === "function" ? openSink() : openSink;
  const { rejects, maxLineBytes } = options;
  const result: StageResult = { rowsStaged: 0, bytesRead: 0, rejectedCount: 0, rejected: [], files: [] };
  const { maxErrors, onProgress } = options;
  let file = { key: "", rows: 0, rejected: 0 };
  let nextProgress = PROGRESS_EVERY_ROWS;
  // Whether to count the staging statistics on the way (StageOptions.keyStats).
  const counting = encoder.counting;

  const onLine = (buf: Buffer, start: number, end: number, line: number) => {
    if (isBlank(buf, start, end)) return;
    const reason =
      maxLineBytes !== undefined && end - start > maxLineBytes
        ? lineTooLongReason(maxLineBytes)
        : encoder.encode(buf, start, end, sink.rows);
    if (reason === null) {
      if (counting) encoder.countStats(buf);
      file.rows++;
      result.rowsStaged++;
      return;
    }
    file.rejected++;
    result.rejectedCount++;
    if (result.rejected.length < DETAILED_REJECTS) {
      const raw = buf.toString("utf8", start, Math.min(end, start + RAW_CHARS * 4)).slice(0, RAW_CHARS);
      result.rejected.push({ key: file.key, line, reason, raw });
    }
    rejects?.add({ key: file.key, line, reason, raw: rawLine(buf, start, end, maxLineBytes) });
    if (result.rejectedCount > maxErrors) throw new TooManyRejectedRecordsError(result, maxErrors);
  };

  const files = openAhead(sources, options.concurrency ?? 4, PREFETCH_BYTES);
  let current: { close(): void } | null = null;
  try {
    for await (const opened of files) {
      current = opened;
      file = { key: opened.source.key, rows: 0, rejected: 0 };
      result.files.push(file);
      const lines = new LineSplitter(onLine);
      for (let chunk = await opened.next(); chunk !== null; chunk = await opened.next()) {
        lines.push(chunk);
        await sink.maybeFlush();
        if (rejects?.full && reopen) {
          await sink.finish();
          await rejects.flush();
          sink = reopen();
        }
        if (onProgress && result.rowsStaged >= nextProgress) {
          nextProgress = result.rowsStaged + PROGRESS_EVERY_ROWS;
          onProgress({
            filesDone: result.files.length - 1,
            bytesRead: result.bytesRead + opened.bytesRead,
            rowsStaged: result.rowsStaged,
          });
        }
      }
      lines.end();
      await sink.maybeFlush();
      result.bytesRead += opened.bytesRead;
      current = null;
      onProgress?.({
        filesDone: result.files.length,
        bytesRead: result.bytesRead,
        rowsStaged: result.rowsStaged,
      });
    }
    await sink.finish();
    await rejects?.flush();
    const keyStats = encoder.keyStats();
    if (keyStats) result.keyStats = keyStats;
  } catch (error) {
    current?.close();
    await sink.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
  return result;
}
