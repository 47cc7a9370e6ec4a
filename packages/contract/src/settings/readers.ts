// The small set of readers every setting is defined with. A reader turns the text of one environment
// variable into a typed value or one message; zod/mini does the checking (the Lambda bundles this, and
// zod/mini is the same validation as zod at a fraction of the bytes).
import * as z from "zod/mini";

export type ReadResult<T> = { ok: true; value: T } | { ok: false; message: string };

export interface Reader<T> {
  /** What the reader accepts, for the docs (e.g. "whole number 1-65535"). */
  readonly accepts: string;
  read(text: string): ReadResult<T>;
}

type Schema<T> = z.ZodMiniType<T, string>;

function fromSchema<T>(schema: Schema<T>, accepts: string): Reader<T> {
  return {
    accepts,
    read(text) {
      const parsed = schema.safeParse(text);
      if (parsed.success) return { ok: true, value: parsed.data };
      return { ok: false, message: parsed.error.issues[0]?.message ?? `must be ${accepts}` };
    },
  };
}

const refined = (test: (value: string) => boolean, error: string) =>
  z.string().check(z.refine(test, { error, abort: true }));

export interface StringOptions {
  /** The value must match (whole string). */
  pattern?: RegExp;
  /** Or pass this test. */
  test?: (value: string) => boolean;
  /** The message when it does not, e.g. "must be an AWS region like eu-west-1". */
  message?: string;
  /** For the docs; defaults to the message without "must be". */
  accepts?: string;
}

/** Free text, or text of a given shape. */
export function string(options: StringOptions = {}): Reader<string> {
  const { pattern, test } = options;
  const message = options.message ?? "is not valid";
  const accepts = options.accepts ?? message.replace(/^must be /, "");
  const check = (v: string) => (pattern ? pattern.test(v) : true) && (test ? test(v) : true);
  return fromSchema(refined(check, message), pattern || test ? accepts : "text");
}

/** A whole number from `min` to `max`. */
export function int(min: number, max: number): Reader<number> {
  const schema = z.pipe(
    refined((v) => /^\d+$/.test(v), `must be a whole number from ${min} to ${max}`).check(
      z.refine((v) => Number(v) >= min, { error: `must be at least ${min}`, abort: true }),
      z.refine((v) => Number(v) <= max, `must be at most ${max}`),
    ),
    z.transform(Number),
  );
  return fromSchema(schema, `whole number ${min}-${max}`);
}

/** A decimal number from `min` to `max` (e.g. a fraction 0-1). */
export function number(min: number, max: number): Reader<number> {
  const schema = z.pipe(
    refined((v) => /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(v), "must be a number").check(
      z.refine((v) => Number(v) >= min, { error: `must be at least ${min}`, abort: true }),
      z.refine((v) => Number(v) <= max, `must be at most ${max}`),
    ),
    z.transform(Number),
  );
  return fromSchema(schema, `number ${min}-${max}`);
}

/** true/false (also 1/0, yes/no, any case). */
export function bool(): Reader<boolean> {
  const schema = z.pipe(
    refined((v) => /^(true|false|1|0|yes|no)$/i.test(v), "must be true or false"),
    z.transform((v: string) => /^(true|1|yes)$/i.test(v)),
  );
  return fromSchema(schema, "true or false");
}

/** One of `values`. */
export function oneOf<const T extends string>(values: readonly T[], message?: string): Reader<T> {
  const error = message ?? `must be one of ${values.map((v) => `"${v}"`).join(", ")}`;
  return fromSchema(z.enum(values as [T, ...T[]], error) as unknown as Schema<T>, values.join(" | "));
}

export interface ListOptions {
  /** Each entry must pass (entries are trimmed). */
  item: (value: string) => boolean;
  /** The message when an entry does not, e.g. "must be comma-separated stream names". */
  message: string;
  /** Refuse repeated entries (default true). */
  unique?: boolean;
  /** The message for a repeated entry (default "must not repeat an entry"). */
  repeated?: string;
  /** At least this many entries (default 1). */
  min?: number;
  /** The message for fewer entries (default "must list at least <min>"). */
  tooFew?: string;
  accepts?: string;
}

/** A comma-separated list; entries are trimmed, empty entries refused. */
export function list(options: ListOptions): Reader<readonly string[]> {
  const split = (v: string) => v.split(",").map((s) => s.trim());
  const min = options.min ?? 1;
  const schema = z.pipe(
    refined((v) => split(v).every((s) => s !== "" && options.item(s)), options.message).check(
      z.refine((v) => options.unique === false || new Set(split(v)).size === split(v).length, {
        error: options.repeated ?? "must not repeat an entry",
        abort: true,
      }),
      z.refine((v) => split(v).length >= min, options.tooFew ?? `must list at least ${min}`),
    ),
    z.transform(split),
  );
  return fromSchema(schema, options.accepts ?? options.message.replace(/^must be /, ""));
}

/** An absolute http(s) URL. */
export function url(message = "must be an http(s) URL like http://127.0.0.1:4569"): Reader<string> {
  const ok = (v: string) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol);
  return fromSchema(refined(ok, message), "http(s) URL");
}

/** A whole number from a fixed set (e.g. CloudWatch's retention periods). */
export function intIn(
  choices: readonly number[],
  message: string,
  accepts = choices.join(", "),
): Reader<number> {
  const schema = z.pipe(
    refined((v) => /^\d+$/.test(v) && choices.includes(Number(v)), message),
    z.transform(Number),
  );
  return fromSchema(schema, accepts);
}
