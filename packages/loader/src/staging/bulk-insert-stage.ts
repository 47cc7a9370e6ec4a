import { quoteIdent } from "@kr/contract";
import type { CompiledColumn } from "./column-types";
import { RowBuffer } from "./row-buffer";
import type { RowSink } from "./row-sink";
import type { StagingClient } from "./types";

/**
 * Rows per INSERT, measured on PGlite with 50k events (apps/bench/scripts/stage-profile.ts, 5 runs, medians):
 * 1000 → 24k rows/s, 2000 → 29–30k, 5000 → 22–26k, 20000 → 19k. PGlite itself is the limit there:
 * json_populate_recordset, jsonb_populate_recordset and unnest of per-column arrays all ran 29–30k.
 */
export const BULK_BATCH_ROWS = 2000;

/**
 * Batched `INSERT … SELECT FROM json_populate_recordset($1)`: the path for servers whose
 * `COPY FROM STDIN` is unusable (PGlite's socket server loses protocol sync on it). It takes the
 * same encoded COPY text-format rows as the COPY path, so both paths stage identical values.
 */
export class BulkInsertSink implements RowSink {
  /** Room for a batch plus a decoded chunk's rows, so it does not grow (growing copies it). */
  readonly rows = new RowBuffer(4 * 1024 * 1024);
  private readonly sql: string;
  private readonly keys: string[];
  private readonly jsonColumns: boolean[];

  constructor(
    private readonly client: StagingClient,
    table: string,
    columns: CompiledColumn[],
    private readonly batchRows = BULK_BATCH_ROWS,
  ) {
    const names = columns.map((c) => quoteIdent(c.name, "column")).join(", ");
    this.sql = `INSERT INTO ${table} (${names}) SELECT ${names} FROM json_populate_recordset(NULL::${table}, $1::json)`;
    this.keys = columns.map((c) => `${JSON.stringify(c.name)}:`);
    this.jsonColumns = columns.map((c) => c.type.kind === "json");
  }

  async maybeFlush(): Promise<void> {
    if (this.rows.rows >= this.batchRows) await this.write();
  }

  async finish(): Promise<void> {
    await this.write();
  }

  async abort(): Promise<void> {
    this.rows.take();
  }

  private async write(): Promise<void> {
    if (this.rows.rows === 0) return;
    const batch = this.toJson(this.rows.take());
    await this.client.query(this.sql, [batch]);
  }

  /** COPY text-format rows → a JSON array of objects keyed by column name (a NULL is a missing key). */
  private toJson(bytes: Buffer): string {
    const parts: string[] = [];
    for (let pos = 0; pos < bytes.length; ) {
      const rowEnd = bytes.indexOf(10, pos);
      let row = "";
      for (let column = 0, start = pos; ; column++) {
        let tab = bytes.indexOf(9, start);
        if (tab === -1 || tab > rowEnd) tab = rowEnd;
        const isNull = tab - start === 2 && bytes[start] === 92 && bytes[start + 1] === 78;
        if (!isNull) {
          const text = unescapeText(bytes, start, tab);
          row += `${row ? "," : ""}${this.keys[column]}${this.jsonColumns[column] ? text : JSON.stringify(text)}`;
        }
        if (tab === rowEnd) break;
        start = tab + 1;
      }
      parts.push(`{${row}}`);
      pos = rowEnd + 1;
    }
    return `[${parts.join(",")}]`;
  }
}

/** Undoes COPY text-format escaping of `bytes[start, end)`. */
function unescapeText(bytes: Buffer, start: number, end: number): string {
  const raw = bytes.toString("utf8", start, end);
  if (!raw.includes("\\")) return raw;
  return raw.replace(/\\(.)/g, (_, c: string) =>
    c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c,
  );
}
