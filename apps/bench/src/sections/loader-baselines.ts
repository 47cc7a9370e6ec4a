// The loader's honest limits, measured on the same CSV in the same run:
// - one write: COPY of pre-made CSV into a TEMP table shaped like the loader's staging table (the
//   stage step writes a TEMP table too: no WAL), beside the same COPY into a regular table;
// - two writes: that COPY, then one plain INSERT … SELECT into a table shaped like the target — what
//   any exactly-once load has to do at least (stage, then write the target), minus dedupe, delete
//   and ledger.
import { buildCreateStaging } from "@kr/copy-builder";
import { readTableColumns } from "@kr/loader";
import type pg from "pg";
import { copyCsvSql, copyFromStdinSeconds, quoteTable } from "../baseline";
import type { Column } from "../csv";
import type { StandIns } from "../stand-ins";
import { now } from "../stats";
import type { BenchWarehouse } from "../warehouse";

/** Unqualified: temp tables live in the session's own schema. */
export const TEMP_BASELINE = "bench_copy_temp";

export interface BaselineCsv {
  buffer: Buffer;
  file: string;
  columns: Column[];
}

/** The loader's own staging DDL (explicit nullable columns, the key wide) under another name. */
export async function createTempLikeStaging(client: pg.Client, schema: string, table: string): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${quoteTable(TEMP_BASELINE)}`);
  const columns = await readTableColumns(client, schema, table);
  await client.query(
    buildCreateStaging(
      {
        schema,
        table,
        staging: TEMP_BASELINE,
        columns: columns.map((c) => c.name),
        key: "event_id",
        sortKey: "occurred_at",
      },
      columns,
      "postgres",
    ),
  );
}

/** Seconds to COPY the CSV into the TEMP table (emptied first, outside the timing). */
export async function tempCopySeconds(
  admin: pg.Client,
  warehouse: BenchWarehouse,
  standIns: StandIns,
  csv: BaselineCsv,
): Promise<number> {
  if (warehouse.kind === "postgres")
    return copyFromStdinSeconds(admin, TEMP_BASELINE, csv.columns, csv.buffer);
  // PGlite is one backend behind its socket: the TEMP table the admin session made is the one its
  // own COPY FROM '/dev/blob' fills.
  await admin.query(`TRUNCATE ${quoteTable(TEMP_BASELINE)}`);
  return standIns.pgliteCopySeconds(copyCsvSql(TEMP_BASELINE, csv.columns, "/dev/blob"), csv.file);
}

/**
 * The two-write limit: COPY the CSV into the TEMP table, then `INSERT INTO target SELECT * FROM temp`
 * (no dedupe, no delete, no ledger). Both tables are emptied first, outside the timing.
 */
export async function twoWriteSeconds(
  admin: pg.Client,
  warehouse: BenchWarehouse,
  standIns: StandIns,
  csv: BaselineCsv,
  target: string,
): Promise<{ copy: number; insert: number }> {
  await admin.query(`TRUNCATE ${quoteTable(target)}`);
  const copy = await tempCopySeconds(admin, warehouse, standIns, csv);
  const start = now();
  await admin.query(`INSERT INTO ${quoteTable(target)} SELECT * FROM ${quoteTable(TEMP_BASELINE)}`);
  const insert = (now() - start) / 1000;
  await admin.query(`TRUNCATE ${quoteTable(target)}`);
  await admin.query(`TRUNCATE ${quoteTable(TEMP_BASELINE)}`);
  return { copy, insert };
}
