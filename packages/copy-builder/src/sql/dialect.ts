/** Redshift (AWS) or PostgreSQL (PGlite locally, a server in CI). */
export type Dialect = "redshift" | "postgres";

/** A statement with positional parameters, shaped like pg's QueryConfig. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** A timestamp as a literal both dialects read the same way (explicit UTC offset). */
export function timestampLiteral(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError("invalid timestamp");
  return `CAST('${instant.toISOString().replace("T", " ").replace("Z", "+00")}' AS TIMESTAMPTZ)`;
}
