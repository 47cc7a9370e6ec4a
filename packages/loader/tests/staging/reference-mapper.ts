import { isUtf8 } from "node:buffer";
import type { CompiledColumn } from "../../src/staging/column-types";
import {
  isTimestamp,
  isUuid,
  normalizeBoolean,
  normalizeFloat,
  normalizeInteger,
  normalizeNumeric,
} from "../../src/staging/value-checks";

// A `\u0000` escape or a lone-surrogate escape that is not itself escaped: jsonb refuses both.
const JSONB_REFUSED_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/**
 * Test oracle for RecordEncoder: the straightforward JSON.parse implementation of the same rules
 * (the first version of the staging engine). It maps one JSON-lines record to the staging row, with Redshift's case-insensitive attribute matching (`'auto ignorecase'`)
 * semantics: keys match column names case-insensitively (the last of duplicates wins), missing
 * keys and JSON null are NULL, extra keys are ignored, objects and arrays become JSON text.
 */
export class RecordMapper {
  /** The mapped row after a successful `map`: canonical text per column, null for NULL. */
  readonly values: (string | null)[];
  private readonly byKey = new Map<string, number>();
  private readonly seen: boolean[];

  constructor(readonly columns: CompiledColumn[]) {
    this.values = columns.map(() => null);
    this.seen = columns.map(() => false);
    columns.forEach((column, index) => {
      this.byKey.set(column.key, index);
    });
  }

  /** Maps the line `buf[start, end)`; returns the rejection reason, or null when `values` holds the row. */
  map(buf: Buffer, start: number, end: number): string | null {
    if (!isUtf8(buf.subarray(start, end))) return "invalid UTF-8";
    let record: unknown;
    try {
      record = JSON.parse(buf.toString("utf8", start, end));
    } catch {
      return "invalid JSON";
    }
    if (typeof record !== "object" || record === null || Array.isArray(record)) return "not a JSON object";
    const { columns, values, seen, byKey } = this;
    seen.fill(false);
    const fields = record as Record<string, unknown>;
    const raw: unknown[] = [];
    for (const key in fields) {
      let index = byKey.get(key);
      if (index === undefined) {
        index = byKey.get(key.toLowerCase());
        if (index === undefined) continue;
        byKey.set(key, index);
      }
      raw[index] = fields[key];
      seen[index] = true;
    }
    for (let index = 0; index < columns.length; index++) {
      if (!seen[index]) continue;
      const converted = convert(columns[index] as CompiledColumn, raw[index]);
      if (converted instanceof Rejection) return converted.reason;
      values[index] = converted;
    }
    for (let i = 0; i < columns.length; i++) {
      if (!seen[i]) values[i] = null;
      const column = columns[i] as CompiledColumn;
      if (values[i] === null && !column.nullable) {
        return `column ${column.name}: ${seen[i] ? "null" : "missing"} value for NOT NULL column`;
      }
    }
    return null;
  }
}

class Rejection {
  constructor(readonly reason: string) {}
}

function reject(column: CompiledColumn, what: string, value: unknown): Rejection {
  const shown = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return new Rejection(
    `column ${column.name}: ${what} ${shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}`,
  );
}

function convert(column: CompiledColumn, value: unknown): string | null | Rejection {
  if (value === null) return null;
  const type = column.type;
  switch (type.kind) {
    case "text": {
      const text =
        typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
      if (text.includes("\0")) return reject(column, "NUL character in", value);
      // At most maxBytes UTF-8 bytes, cut at a character boundary (Redshift's VARCHAR(n) counts bytes).
      if (type.maxBytes === null) return text;
      let cut = text;
      while (Buffer.byteLength(cut) > type.maxBytes) cut = Array.from(cut).slice(0, -1).join("");
      return cut;
    }
    case "json": {
      const text = JSON.stringify(value);
      if (JSONB_REFUSED_ESCAPE.test(text)) return reject(column, "\\u0000 or lone surrogate in", value);
      if (typeof value === "number" && !Number.isFinite(value))
        return reject(column, "number out of range:", value);
      return text;
    }
    case "timestamp":
    case "date":
      if (typeof value === "string" && isTimestamp(value, type.kind === "timestamp")) return value;
      return reject(column, "unparseable timestamp", value);
    case "integer": {
      const text =
        typeof value === "number" && Number.isInteger(value)
          ? BigInt(value).toString()
          : typeof value === "string"
            ? value
            : null;
      const normalized = text === null ? null : normalizeInteger(text, type.bits);
      return normalized ?? reject(column, "non-numeric or out-of-range integer", value);
    }
    case "float":
    case "numeric": {
      const text = typeof value === "number" ? String(value) : typeof value === "string" ? value : null;
      const normalized =
        text === null
          ? null
          : type.kind === "float"
            ? normalizeFloat(text, type.single)
            : normalizeNumeric(text);
      return normalized ?? reject(column, "non-numeric value", value);
    }
    case "boolean": {
      const normalized =
        typeof value === "boolean"
          ? String(value)
          : typeof value === "string" || typeof value === "number"
            ? normalizeBoolean(String(value))
            : null;
      return normalized ?? reject(column, "not a boolean:", value);
    }
    case "uuid":
      if (typeof value === "string" && isUuid(value)) return value;
      return reject(column, "not a uuid:", value);
  }
}
