// Everything that reaches SQL text passes through here: values are checked against the narrow shape
// they must have (a lowercase identifier, a bucket name, a role ARN…) and only then quoted, so a hostile
// value is rejected rather than escaped into something that still parses.

/** A value that may not go into SQL. `setting` names what was being checked (e.g. "RS_SCHEMA"). */
export class UnsafeSqlValueError extends Error {
  override readonly name = "UnsafeSqlValueError";
  constructor(
    readonly setting: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`${setting} ${JSON.stringify(value)} is not allowed: expected ${expected}`);
  }
}

// Lowercase only: Redshift folds identifiers (even quoted ones, by default) to lowercase while
// PostgreSQL keeps quoted case, so only lowercase names mean the same table on both. 63 characters is
// PostgreSQL's limit (it silently truncates longer names; Redshift allows 127).
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const IDENTIFIER_SHAPE =
  "a lowercase SQL identifier: a-z, 0-9 and _, not starting with a digit, at most 63 characters";

/** Returns `value` when it is a safe lowercase identifier; throws UnsafeSqlValueError otherwise. */
export function validateIdentifier(value: string, setting = "identifier"): string {
  if (!IDENTIFIER.test(value)) throw new UnsafeSqlValueError(setting, value, IDENTIFIER_SHAPE);
  return value;
}

export function isIdentifier(value: string): boolean {
  return IDENTIFIER.test(value);
}

/** `"name"` after validation (the quotes keep reserved words such as `user` usable). */
export function quoteIdent(value: string, setting = "identifier"): string {
  return `"${validateIdentifier(value, setting)}"`;
}

/** `"schema"."table"`. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema, "schema")}.${quoteIdent(table, "table")}`;
}

/**
 * A single-quoted string literal. Quotes are doubled; backslashes and control characters are refused
 * because Redshift treats `\` as an escape inside literals and PostgreSQL does not, so no escaping of
 * them would mean the same thing on both.
 */
export function quoteLiteral(value: string, setting = "literal"): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\\\u0000-\u001f\u007f]/.test(value)) {
    throw new UnsafeSqlValueError(setting, value, "no backslash or control characters");
  }
  return `'${value.replaceAll("'", "''")}'`;
}

// S3 bucket naming rules (general purpose buckets): 3-63 chars, lowercase, digits, dots, hyphens.
const BUCKET = /^(?!xn--)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function validateBucket(value: string, setting = "bucket"): string {
  if (!BUCKET.test(value)) {
    throw new UnsafeSqlValueError(
      setting,
      value,
      "an S3 bucket name: 3-63 characters of a-z, 0-9, . and -, starting and ending with a letter or digit",
    );
  }
  return value;
}

// S3's "safe characters" for keys; `'` is left out so a key can always be a SQL literal.
const KEY = /^[A-Za-z0-9!_.*()/=-]*$/;

/** An S3 key or key prefix made only of S3's safe characters (no quote, space or backslash). */
export function validateKey(value: string, setting = "S3 key"): string {
  if (!KEY.test(value) || value.length > 1024 || value.split("/").includes("..")) {
    throw new UnsafeSqlValueError(
      setting,
      value,
      "an S3 key of A-Z a-z 0-9 ! _ . * ( ) / = - (no '..' segment)",
    );
  }
  return value;
}

// No commas in the role path/name: Redshift role chaining separates ARNs with commas.
const ROLE_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/[A-Za-z0-9+=.@_/-]{1,512}$/;

export function validateRoleArn(value: string, setting = "IAM role ARN"): string {
  if (!ROLE_ARN.test(value)) {
    throw new UnsafeSqlValueError(setting, value, "an IAM role ARN like arn:aws:iam::123456789012:role/name");
  }
  return value;
}

const REGION = /^[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$/;

export function validateRegion(value: string, setting = "region"): string {
  if (!REGION.test(value)) throw new UnsafeSqlValueError(setting, value, "an AWS region like eu-west-1");
  return value;
}
