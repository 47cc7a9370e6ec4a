// No Redshift is reachable here: the Redshift driver's whole statement sequence runs against
// PostgreSQL. Only its COPY is emulated — raw lines into the batch's lines table, as the COPY docs
// define it (emulatedRawLinesCopy) — and the few Redshift-only constructs of the other statements
// are rewritten to PostgreSQL ones with the documented behaviour (redshiftOnPostgres; the functions
// are created by createRedshiftStandIns). The SQL parse, the reject step and the merge run as written.
import { gunzipSync } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import type pg from "pg";
import {
  createRedshiftDriver,
  type LoadRequest,
  type ReplayRequest,
  runLoad,
  runReplay,
  type StageRequest,
} from "../../src/index";
import { s3StageSource } from "../../src/staging/s3-source";
import { BUCKET, MANIFEST_BUCKET, type TestStack } from "./stack";

export const ROLES = [
  "arn:aws:iam::222222222222:role/kr-copy",
  "arn:aws:iam::111111111111:role/kr-events-reader",
];

/**
 * A Redshift statement in PostgreSQL terms: SUPER navigation (`d.doc.key`) as jsonb operators, SUPER
 * as jsonb, SYSDATE as the transaction's UTC start, the staging table's distribution clause left out,
 * and CAN_JSON_PARSE, JSON_PARSE, JSON_TYPEOF, JSON_SERIALIZE, TRY_CAST and the byte-counted
 * VARCHAR cast as functions with the documented behaviour.
 */
export function redshiftOnPostgres(sql: string): string {
  return sql
    .replace(/CAST\(d\.doc\.([a-z_0-9]+) AS VARCHAR\(65535\)\)/g, "(d.doc #>> '{$1}')")
    .replace(/d\.doc\.([a-z_0-9]+)/g, "(d.doc -> '$1')")
    .replace(/CAN_JSON_PARSE\(/g, "public.rs_can_json_parse(")
    .replace(/(?<!CAN_)JSON_PARSE\(raw_line\)/g, "raw_line::jsonb")
    .replace(/JSON_TYPEOF\(/g, "jsonb_typeof(")
    .replace(/JSON_SERIALIZE\(([^()]*(?:\([^()]*\))?)\)/g, "($1)::text")
    .replace(/TRY_CAST\(([^()]+?) AS TIMESTAMPTZ\)/g, "public.rs_try_timestamptz($1)")
    .replace(/CAST\(("[a-z_0-9]+") AS VARCHAR\((\d+)\)\)/g, "public.rs_varchar_bytes($1, $2)")
    .replace(/ SUPER\b/g, " jsonb")
    .replace(/\bSYSDATE\b/g, "(now() AT TIME ZONE 'UTC')")
    .replace(/\nDISTSTYLE KEY\nDISTKEY \("[a-z_0-9]+"\)$/, "");
}

type Connect = () => Promise<{ query: unknown }>;

/**
 * Wraps a connection factory so every statement is seen (`onStatement`) as Redshift gets it and run
 * as redshiftOnPostgres rewrites it.
 */
export function runningRedshiftDdl<C extends Connect>(
  connect: C,
  onStatement: (text: string) => void = () => {},
): C {
  return (async () => {
    const client = await connect();
    const query = (client.query as (...args: unknown[]) => unknown).bind(client);
    client.query = (...args: unknown[]) => {
      const [first, ...rest] = args;
      if (typeof first === "string") {
        onStatement(first);
        return query(redshiftOnPostgres(first), ...rest);
      }
      const config = first as { text?: string };
      if (config?.text) {
        onStatement(config.text);
        return query({ ...config, text: redshiftOnPostgres(config.text) }, ...rest);
      }
      return query(...args);
    };
    return client;
  }) as C;
}

const WIDE = 65_535;
const LF = 0x0a;

/** The lines of one object as COPY sees them: split at LF, a trailing LF ends the last line. */
function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === LF) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (start < bytes.length) lines.push(bytes.subarray(start));
  return lines;
}

/**
 * Redshift's `COPY … (raw_line) DELIMITER '\037' IGNOREBLANKLINES` as its docs define it: a line
 * that only holds a line feed is skipped; one with the delimiter (1202, more columns than the DDL),
 * over 65535 bytes (1204) or not UTF-8 is refused with its file and line, recorded where
 * sys_load_error_detail has it (a stand-in table, createRedshiftStandIns) under a new
 * pg_last_copy_id(); a lone NUL loads as NULL (NULL AS '\000'); the rest loads as it is (no ESCAPE). MAXERROR n fails the
 * COPY at n refused lines.
 */
export function emulatedRawLinesCopy(s3: S3Client, bucket: string = BUCKET) {
  return async (request: StageRequest & { linesTable: string }, copySql: string): Promise<void> => {
    const maxError = Number(/\nMAXERROR (\d+)\n/.exec(copySql)?.[1]);
    const refused: { file: string; line: number; message: string }[] = [];
    const rows: (string | null)[] = [];
    for (const file of request.files) {
      const chunks: Buffer[] = [];
      for await (const chunk of await s3StageSource(s3, bucket, file).open())
        chunks.push(Buffer.from(chunk as Buffer));
      const body = Buffer.concat(chunks);
      // GZIP: the COPY says so for .gz objects (the driver splits a batch by key).
      splitLines(file.key.endsWith(".gz") ? gunzipSync(body) : body).forEach((line, i) => {
        const refuse = (message: string) =>
          refused.push({ file: `s3://${bucket}/${file.key}`, line: i + 1, message });
        if (line.length === 0) return;
        const text = line.toString("utf8");
        if (!Buffer.from(text).equals(line)) refuse("Invalid UTF8 character");
        else if (line.length > WIDE) refuse("String length exceeds DDL length");
        else if (line.includes(0x1f)) refuse("Extra column(s) found");
        else rows.push(text === "\u0000" ? null : text); // NULL AS '\000'
      });
    }
    const client = request.client as pg.ClientBase;
    const { rows: ids } = await client.query<{ id: string }>("SELECT nextval('public.kr_copy_ids') AS id");
    await client.query("SELECT set_config('kr.last_copy_id', $1, false)", [String(ids[0]?.id)]);
    for (const error of refused) {
      await client.query(
        `INSERT INTO public.sys_load_error_detail
           (query_id, session_id, start_time, file_name, line_number, column_name, error_message)
         VALUES ($1, pg_backend_pid(), now() AT TIME ZONE 'UTC', $2, $3, 'raw_line', $4)`,
        [ids[0]?.id, error.file, error.line, error.message],
      );
    }
    if (refused.length >= maxError) {
      throw new Error(
        `Load into table '${request.linesTable}' failed.  Check 'sys_load_error_detail' system table for details.`,
      );
    }
    for (let i = 0; i < rows.length; i += 500) {
      await client.query(`INSERT INTO "${request.linesTable}" (raw_line) SELECT unnest($1::text[])`, [
        rows.slice(i, i + 500),
      ]);
    }
  };
}

/** Runs a load with the Redshift driver; records every statement, with `<COPY>` for the emulated COPY. */
export async function redshiftLoad(
  stack: TestStack,
  request: LoadRequest,
  overrides: Record<string, string> = {},
) {
  const config = stack.config(overrides);
  const deps = stack.deps(config);
  const copy = emulatedRawLinesCopy(deps.s3);
  const statements: string[] = [];
  const copies: { sql: string; keys: string[] }[] = [];
  let inCopy = false;
  const driver = createRedshiftDriver({
    manifestS3: stack.s3Client,
    manifestBucket: MANIFEST_BUCKET,
    sourceBucket: BUCKET,
    iamRoles: ROLES,
    region: "eu-west-1",
    copyStep: async (stageRequest, sql) => {
      copies.push({ sql, keys: stageRequest.files.map((f) => f.key) });
      statements.push("<COPY>");
      inCopy = true;
      try {
        return await copy(stageRequest, sql);
      } finally {
        inCopy = false;
      }
    },
  });
  const connect = runningRedshiftDdl(deps.connect, (text) => {
    if (!inCopy) statements.push(text);
  });
  try {
    const report = await runLoad(config, request, { ...deps, driver, connect, onProgress: () => {} });
    return { report, statements, copies };
  } finally {
    deps.close();
  }
}

/** Runs a replay with the Redshift driver, on PostgreSQL as redshiftLoad does; records every statement. */
export async function redshiftReplay(stack: TestStack, request: ReplayRequest) {
  const config = stack.config();
  const deps = stack.deps(config);
  const statements: string[] = [];
  const driver = createRedshiftDriver({
    manifestS3: stack.s3Client,
    manifestBucket: MANIFEST_BUCKET,
    sourceBucket: BUCKET,
    iamRoles: ROLES,
    copyStep: emulatedRawLinesCopy(deps.s3),
  });
  const connect = runningRedshiftDdl(deps.connect, (text) => statements.push(text));
  try {
    return { report: await runReplay(config, request, { driver, connect }), statements };
  } finally {
    deps.close();
  }
}
