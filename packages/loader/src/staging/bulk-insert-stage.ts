import { type CompiledColumn, quoteIdentifier } from "./column-types";
import type { RowSink } from "./row-sink";
import type { StagingClient } from "./types";

/** Rows per INSERT; measured on PGlite (see scripts/stage-profile.ts). */
export const BULK_BATCH_ROWS = 5000;

/**
 * Batched `INSERT … SELECT FROM jsonb_populate_recordset($1)`: the path for servers whose
 * `COPY FROM STDIN` is unusable (PGlite's socket server loses protocol sync on it).
 */
export class BulkInsertSink implements RowSink {
  private readonly sql: string;
  private readonly keys: string[];
  private readonly jsonColumns: boolean[];
  private rows: string[] = [];

  constructor(
    private readonly client: StagingClient,
    table: string,
    columns: CompiledColumn[],
    private readonly batchRows = BULK_BATCH_ROWS,
  ) {
    const names = columns.map((c) => quoteIdentifier(c.name)).join(", ");
    this.sql = `INSERT INTO ${table} (${names}) SELECT ${names} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`;
    this.keys = columns.map((c) => `${JSON.stringify(c.name)}:`);
    this.jsonColumns = columns.map((c) => c.type.kind === "json");
  }

  add(values: readonly (string | null)[]): void {
    let row = "{";
    for (let i = 0; i < values.length; i++) {
      const value = values[i] ?? null;
      if (value === null) continue; // a missing key populates NULL
      if (row.length > 1) row += ",";
      row += this.keys[i] + (this.jsonColumns[i] ? value : JSON.stringify(value));
    }
    this.rows.push(`${row}}`);
  }

  async maybeFlush(): Promise<void> {
    if (this.rows.length >= this.batchRows) await this.write();
  }

  async finish(): Promise<void> {
    await this.write();
  }

  async abort(): Promise<void> {
    this.rows = [];
  }

  private async write(): Promise<void> {
    if (this.rows.length === 0) return;
    const batch = `[${this.rows.join(",")}]`;
    this.rows = [];
    await this.client.query(this.sql, [batch]);
  }
}
