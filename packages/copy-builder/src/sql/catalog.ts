// The loader reads each stream table's columns from the catalog instead of hard-coding them, so a new
// stream needs only its DDL. information_schema.columns exists on both Redshift and PostgreSQL.
import { validateIdentifier } from "../identifiers";
import type { Statement } from "./dialect";

export function buildColumnsQuery(schema: string, table: string): Statement {
  return {
    text: "SELECT column_name, data_type, character_maximum_length, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position",
    values: [validateIdentifier(schema, "schema"), validateIdentifier(table, "table")],
  };
}

/** information_schema's data_type spelled the short way (`timestamp with time zone` → `timestamptz`). */
export function normalizeDataType(dataType: string): string {
  const type = dataType.toLowerCase();
  const aliases: Record<string, string> = {
    "character varying": "varchar",
    "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp",
  };
  return aliases[type] ?? type;
}

/** Redshift: the cluster's slices (a GZIP file loads on one slice, so batches take whole rounds). */
export const SLICE_COUNT_QUERY = "SELECT COUNT(*) AS n FROM stv_slices";
