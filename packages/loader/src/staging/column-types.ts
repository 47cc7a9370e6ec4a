import type { StagingColumn } from "./types";

/** How a column's JSON value is validated and written; one per supported PostgreSQL type family. */
export type ColumnKind =
  /**
   * `maxBytes`: a `varchar(n)` column. Longer values are cut to n bytes at a character boundary, as
   * Redshift's parse casts them to its VARCHAR(n) (n counts bytes there, copy-builder raw-lines.ts); n bytes are
   * at most n characters, so PostgreSQL's varchar(n) takes the result too.
   */
  | { kind: "text"; maxBytes: number | null }
  | { kind: "json" }
  | { kind: "timestamp" }
  | { kind: "date" }
  | { kind: "integer"; bits: 16 | 32 | 64 }
  | { kind: "float"; single: boolean }
  | { kind: "numeric" }
  | { kind: "boolean" }
  | { kind: "uuid" };

export interface CompiledColumn {
  name: string;
  /** Lower-cased name: JSON keys are matched case-insensitively. */
  key: string;
  nullable: boolean;
  type: ColumnKind;
}

const SIMPLE: Record<string, ColumnKind> = {
  text: { kind: "text", maxBytes: null },
  varchar: { kind: "text", maxBytes: null },
  "character varying": { kind: "text", maxBytes: null },
  jsonb: { kind: "json" },
  json: { kind: "json" },
  super: { kind: "json" },
  timestamptz: { kind: "timestamp" },
  "timestamp with time zone": { kind: "timestamp" },
  timestamp: { kind: "timestamp" },
  "timestamp without time zone": { kind: "timestamp" },
  date: { kind: "date" },
  smallint: { kind: "integer", bits: 16 },
  int2: { kind: "integer", bits: 16 },
  integer: { kind: "integer", bits: 32 },
  int: { kind: "integer", bits: 32 },
  int4: { kind: "integer", bits: 32 },
  bigint: { kind: "integer", bits: 64 },
  int8: { kind: "integer", bits: 64 },
  "double precision": { kind: "float", single: false },
  float8: { kind: "float", single: false },
  real: { kind: "float", single: true },
  float4: { kind: "float", single: true },
  numeric: { kind: "numeric" },
  decimal: { kind: "numeric" },
  boolean: { kind: "boolean" },
  bool: { kind: "boolean" },
  uuid: { kind: "uuid" },
};

const BOUNDED_TEXT = /^(?:varchar|character varying|char|character|bpchar|nvarchar|nchar)\s*\(\s*(\d+)\s*\)$/;

/**
 * Maps a column's declared type to the validator that keeps bad values out of PostgreSQL. Unknown
 * types fail here, before any byte is read, rather than letting the server abort the COPY later.
 */
export function compileColumn(column: StagingColumn): CompiledColumn {
  const declared = column.type.trim().toLowerCase().replace(/\s+/g, " ");
  const bounded = BOUNDED_TEXT.exec(declared);
  const type: ColumnKind | undefined = bounded
    ? { kind: "text", maxBytes: Number(bounded[1]) }
    : SIMPLE[declared.replace(/\(\s*\d+\s*\)$/, "").trim()];
  if (!type || (type.kind === "numeric" && /\(/.test(declared))) {
    throw new Error(`staging column ${column.name}: unsupported type "${column.type}"`);
  }
  return { name: column.name, key: column.name.toLowerCase(), nullable: column.nullable, type };
}
