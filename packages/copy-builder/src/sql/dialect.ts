/** Redshift (AWS) or PostgreSQL (PGlite locally, a server in CI). */
export type Dialect = "redshift" | "postgres";

/** A statement with positional parameters, shaped like pg's QueryConfig. */
export interface Statement {
  text: string;
  values: unknown[];
}

/** `2026-11-23 05:00:00.000+00`: the timestamp text Redshift and PostgreSQL both read as UTC. */
export function timestampText(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError("invalid timestamp");
  return instant.toISOString().replace("T", " ").replace("Z", "+00");
}

/** A timestamp as a literal both dialects read the same way (explicit UTC offset). */
export function timestampLiteral(instant: Date): string {
  return `CAST('${timestampText(instant)}' AS TIMESTAMPTZ)`;
}
