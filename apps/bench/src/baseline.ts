import { spawn } from "node:child_process";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Column } from "./csv";
import { now } from "./stats";

/** `"schema"."table"` from a validated `schema.table` name. */
export function quoteTable(qualified: string): string {
  return qualified
    .split(".")
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join(".");
}

const columnList = (columns: readonly Column[]) =>
  columns.map((c) => `"${c.name.replaceAll('"', '""')}"`).join(", ");

/** The columns of a table in their order (what CSV rows must follow). */
export async function tableColumns(client: pg.Client, qualified: string): Promise<Column[]> {
  const [schema, table] = qualified.includes(".") ? qualified.split(".") : ["public", qualified];
  const { rows } = await client.query<{ column_name: string; data_type: string }>(
    `SELECT column_name, data_type FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  if (rows.length === 0) throw new Error(`table ${qualified} not found`);
  return rows.map((row) => ({ name: row.column_name, type: row.data_type }));
}

/** An empty table of the same shape as `like` (columns, defaults, constraints, indexes). */
export async function createTableLike(client: pg.Client, name: string, like: string): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${quoteTable(name)}`);
  await client.query(`CREATE TABLE ${quoteTable(name)} (LIKE ${quoteTable(like)} INCLUDING ALL)`);
}

/** Seconds for `COPY table FROM STDIN (FORMAT csv)` of the CSV buffer over an open connection. */
export async function copyFromStdinSeconds(
  client: pg.Client,
  table: string,
  columns: readonly Column[],
  csv: Buffer,
): Promise<number> {
  await client.query(`TRUNCATE ${quoteTable(table)}`);
  const start = now();
  const stream = client.query(
    copyFrom(`COPY ${quoteTable(table)} (${columnList(columns)}) FROM STDIN WITH (FORMAT csv)`),
  );
  // Feed 1 MiB slices, as a file read would, so the server parses while we send.
  await pipeline(Readable.from(slices(csv, 1 << 20)), stream);
  return (now() - start) / 1000;
}

function* slices(buffer: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < buffer.length; offset += size) yield buffer.subarray(offset, offset + size);
}

/** Seconds for `psql -c "\copy table FROM 'file' (FORMAT csv)"`, process start to exit. */
export async function psqlCopySeconds(
  psqlPath: string,
  url: string,
  table: string,
  columns: readonly Column[],
  csvFile: string,
  truncate: () => Promise<void>,
): Promise<number> {
  await truncate();
  const command = `\\copy ${quoteTable(table)} (${columnList(columns)}) FROM '${csvFile.replaceAll("'", "''")}' WITH (FORMAT csv)`;
  const start = now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(psqlPath, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`psql \\copy exited ${code}: ${stderr.trim()}`)),
    );
  });
  return (now() - start) / 1000;
}

/** `COPY table (columns) FROM '<source>' WITH (FORMAT csv)` — PGlite reads `'/dev/blob'`. */
export function copyCsvSql(table: string, columns: readonly Column[], source: string): string {
  return `COPY ${quoteTable(table)} (${columnList(columns)}) FROM '${source.replaceAll("'", "''")}' WITH (FORMAT csv)`;
}
