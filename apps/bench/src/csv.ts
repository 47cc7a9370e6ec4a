/** A column of the table the rows are copied into, as information_schema describes it. */
export interface Column {
  name: string;
  /** information_schema data_type, e.g. "text", "timestamp with time zone", "jsonb". */
  type: string;
}

const NEEDS_QUOTES = /[",\n\r]/;

function field(value: unknown, column: Column): string {
  if (value === null || value === undefined) return ""; // unquoted empty = NULL in CSV format
  let text: string;
  if (column.type === "jsonb" || column.type === "json" || column.type === "super")
    text = JSON.stringify(value);
  else if (typeof value === "object") text = JSON.stringify(value);
  else text = String(value);
  if (text === "" || NEEDS_QUOTES.test(text)) return `"${text.replaceAll('"', '""')}"`;
  return text;
}

/**
 * The rows as PostgreSQL CSV in the table's column order — the input of the `COPY` baseline,
 * made before any clock starts. JSON records map to columns by name; absent fields are NULL.
 */
export function recordsToCsv(records: Iterable<Record<string, unknown>>, columns: readonly Column[]): Buffer {
  const chunks: Buffer[] = [];
  let lines: string[] = [];
  for (const record of records) {
    lines.push(columns.map((column) => field(record[column.name], column)).join(","));
    if (lines.length === 10_000) {
      chunks.push(Buffer.from(`${lines.join("\n")}\n`));
      lines = [];
    }
  }
  if (lines.length > 0) chunks.push(Buffer.from(`${lines.join("\n")}\n`));
  return Buffer.concat(chunks);
}
