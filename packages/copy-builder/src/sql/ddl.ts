// CREATE statements for the stream tables and the ledger. Idempotent (IF NOT EXISTS) so
// `make create-redshift-tables` can run any number of times.
import { qualifiedName, quoteIdent } from "../identifiers";
import type { ColumnSpec, ColumnType, StreamTableSpec } from "../tables";
import { chainLeaseDdl } from "./chain";
import type { Dialect } from "./dialect";

export const LEDGER_SCHEMA = "loader";

/** The SQL type of a stream table column on `dialect` (what the DDL writes). */
export function columnSqlType(type: ColumnType, dialect: Dialect): string {
  switch (type.kind) {
    // The same VARCHAR(n) on both engines. Redshift counts n in bytes, PostgreSQL in characters; the
    // loader keeps every value within n bytes on both (see ./staging.ts), so both hold the same values.
    case "varchar":
      return `VARCHAR(${type.length})`;
    case "timestamptz":
      return "TIMESTAMPTZ";
    case "json":
      return dialect === "redshift" ? "SUPER" : "jsonb";
    case "bigint":
      return "BIGINT";
    case "integer":
      return "INTEGER";
    case "double":
      return "DOUBLE PRECISION";
    case "boolean":
      return "BOOLEAN";
  }
}

function columnList(columns: readonly ColumnSpec[], dialect: Dialect): string {
  return columns
    .map(
      (c) =>
        `  ${quoteIdent(c.name, "column")} ${columnSqlType(c.type, dialect)}${c.nullable ? "" : " NOT NULL"}`,
    )
    .join(",\n");
}

/** Schema, table and (PostgreSQL) index for one stream. */
export function streamTableDdl(
  dialect: Dialect,
  schema: string,
  table: string,
  spec: StreamTableSpec,
): string[] {
  const name = qualifiedName(schema, table);
  const create = `CREATE TABLE IF NOT EXISTS ${name} (\n${columnList(spec.columns, dialect)}\n)`;
  if (dialect === "redshift") {
    return [
      `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema, "schema")}`,
      `${create}\nDISTSTYLE KEY\nDISTKEY (${quoteIdent(spec.distKey)})\nSORTKEY (${quoteIdent(spec.sortKey)})`,
    ];
  }
  // A BRIN index is PostgreSQL's cheap stand-in for a sort key: it lets the merge's bounded delete
  // skip the blocks outside the staged time range, and costs almost nothing to maintain.
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema, "schema")}`,
    create,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${table}_${spec.sortKey}_brin`.slice(0, 63))} ON ${name} USING brin (${quoteIdent(spec.sortKey)})`,
  ];
}

/**
 * Columns added to the ledger after its first release, for ledgers created before them. Redshift has
 * no ADD COLUMN IF NOT EXISTS, so create-tables checks the catalog and runs only what is missing.
 */
export const LEDGER_ADDED_COLUMNS: readonly { table: string; column: string; type: string }[] = Object.freeze(
  [
    // Re-import request id: a re-import that spans batches or runs loads each file once per request.
    { table: "loaded_files", column: "request_id", type: "VARCHAR(64)" },
    // A batch cut by its timeout: the next run's batches of that stream and driver are smaller.
    { table: "failed_batches", column: "driver", type: "VARCHAR(32)" },
    { table: "failed_batches", column: "timed_out", type: "BOOLEAN" },
  ],
);

export function buildAddLedgerColumn(
  added: { table: string; column: string; type: string },
  ledgerSchema = LEDGER_SCHEMA,
): string {
  if (!/^[A-Z]+(\(\d+\))?$/.test(added.type)) throw new RangeError(`unexpected column type ${added.type}`);
  return `ALTER TABLE ${qualifiedName(ledgerSchema, added.table)} ADD COLUMN ${quoteIdent(added.column, "column")} ${added.type}`;
}

/** The ledger: which files are loaded (loaded_files) and what each batch did (batches). */
export function ledgerDdl(dialect: Dialect, ledgerSchema = LEDGER_SCHEMA): string[] {
  const files = qualifiedName(ledgerSchema, "loaded_files");
  const batches = qualifiedName(ledgerSchema, "batches");
  const redshift = dialect === "redshift";
  const statements = [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(ledgerSchema, "schema")}`,
    `CREATE TABLE IF NOT EXISTS ${files} (
  "stream" VARCHAR(127) NOT NULL,
  "file_key" VARCHAR(1024) NOT NULL,
  "file_hour" TIMESTAMPTZ NOT NULL,
  "size_bytes" BIGINT NOT NULL,
  "batch_id" VARCHAR(64) NOT NULL,
  "loaded_at" TIMESTAMPTZ NOT NULL,
  "request_id" VARCHAR(64),
  PRIMARY KEY ("stream", "file_key")
)${redshift ? '\nSORTKEY ("stream", "file_hour")' : ""}`,
    `CREATE TABLE IF NOT EXISTS ${batches} (
  "batch_id" VARCHAR(64) NOT NULL,
  "stream" VARCHAR(127) NOT NULL,
  "range_from" TIMESTAMPTZ NOT NULL,
  "range_to" TIMESTAMPTZ NOT NULL,
  "reimport" BOOLEAN NOT NULL,
  "driver" VARCHAR(32) NOT NULL,
  "files" INTEGER NOT NULL,
  "bytes" BIGINT NOT NULL,
  "rows_staged" BIGINT NOT NULL,
  "rows_inserted" BIGINT NOT NULL,
  "rows_replaced" BIGINT NOT NULL,
  "duplicates_dropped" BIGINT NOT NULL,
  "rejected" BIGINT NOT NULL,
  "started_at" TIMESTAMPTZ NOT NULL,
  "finished_at" TIMESTAMPTZ NOT NULL,
  PRIMARY KEY ("batch_id")
)${redshift ? '\nSORTKEY ("started_at")' : ""}`,
  ];
  statements.push(chainLeaseDdl(dialect, ledgerSchema));
  // Redshift keeps primary keys as planner hints only; PostgreSQL enforces them and needs the index
  // that makes the plan's per-hour ledger lookup cheap.
  if (!redshift) {
    statements.push(
      `CREATE INDEX IF NOT EXISTS "loaded_files_stream_hour" ON ${files} ("stream", "file_hour")`,
    );
  }
  return statements;
}
