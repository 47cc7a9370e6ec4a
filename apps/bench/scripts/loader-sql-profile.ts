// Where the whole exactly-once load spends its time on PostgreSQL: replays the loader's own batch
// statements (from its dry-run plan) one by one on the bench's dataset, timing each, with the stage
// step done by the loader's driver, and the plan's conditional steps taken or skipped as runBatch
// decides them (the staging statistics only when the stage did not count them; the reject step only
// when staging holds refused rows; on a re-import, a read-only count of unchanged rows first, and
// nothing written when every row is unchanged). Usage:
//   PG_URL=postgres://… tsx apps/bench/scripts/loader-sql-profile.ts [events] [work_mem, e.g. 128MB] [--explain]
// LOAD_WORK_MEM_MB in the environment sets the loader's own SET LOCAL work_mem (the plan's).
import { PutObjectCommand } from "@aws-sdk/client-s3";
import {
  buildCountUnchanged,
  buildDeleteReplaced,
  buildInsertFromStaging,
  STREAM_TABLES,
  stagingColumns,
  targetChecks,
} from "@kr/copy-builder";
import { createRuntimeDeps, createTables, loadConfig, runLoad } from "@kr/loader";
import { localS3Client } from "@kr/local-aws";
import { openTestWarehouse } from "@kr/test-utils";
import { loadBenchConfig } from "../src/config";
import { buildDataset } from "../src/data";
import { startStandIns } from "../src/stand-ins";
import { loaderEnv } from "../src/warehouse";

const events = Number(process.argv[2] ?? 500_000);
/** An experiment: the session's work_mem for the replay (the server default otherwise). */
const workMem = process.argv[3] && process.argv[3] !== "-" ? process.argv[3] : undefined;
/** Print EXPLAIN (ANALYZE, BUFFERS) of the merge statements (they still run: EXPLAIN ANALYZE executes). */
const explain = process.argv.includes("--explain");
const config = loadBenchConfig();
if (!config.pgUrl) throw new Error("set PG_URL");
const dataset = buildDataset(events);
const standIns = await startStandIns({ bucket: "kr-bench" });
const s3 = localS3Client(standIns.s3Endpoint);
for (const o of dataset.objects)
  await s3.send(new PutObjectCommand({ Bucket: "kr-bench", Key: o.key, Body: o.body }));
const warehouse = await openTestWarehouse({ serverUrl: config.pgUrl });
const loaderConfig = loadConfig({
  ...loaderEnv(warehouse.url, standIns.s3Endpoint, "kr-bench"),
  ...(process.env.LOAD_WORK_MEM_MB ? { LOAD_WORK_MEM_MB: process.env.LOAD_WORK_MEM_MB } : {}),
});
const deps = createRuntimeDeps(loaderConfig);
await createTables(loaderConfig, { streams: ["events"] }, deps);
const request = { from: dataset.from, to: dataset.to, streams: ["events"] };

async function run(
  client: { query(sql: string): Promise<{ rows: Record<string, unknown>[] }> },
  sql: string,
) {
  if (!explain) return client.query(sql);
  const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`);
  process.stdout.write(`${rows.map((r) => `    | ${Object.values(r)[0]}`).join("\n")}\n`);
  return { rows: [] };
}

async function replay(label: string, reimport: boolean) {
  const plan = await runLoad(loaderConfig, { ...request, reimport, dryRun: true }, deps);
  const sql = plan.streams[0]?.sql ?? [];
  const client = await deps.connect();
  if (workMem) await client.query(`SET work_mem = '${workMem.replace(/[^0-9A-Za-z]/g, "")}'`);
  const files = dataset.objects.map((o) => ({ key: o.key, size: o.body.length, hour: o.hour }));
  const timings: [string, number][] = [];
  let columns: { name: string; type: string; nullable: boolean }[] = [];
  let duplicates = true;
  let bounds: { min: Date; max: Date } | undefined;
  /** Rows the reject step would remove (from the statistics scan); its statements run only then. */
  let refused = 0;
  /** The stage counted the staging statistics (PostgreSQL driver): runBatch does not read them. */
  let counted = false;
  /** A re-import whose staged rows all equal their target rows writes nothing. */
  let allUnchanged = false;
  const spec = STREAM_TABLES.events as { key: string; sortKey: string };
  // The plan's own staging table (its name carries the batch id), and its rejects table.
  const staging =
    /CREATE TEMP TABLE "(kr_stage_[a-z0-9_]+?)" \(/.exec(sql.join("\n"))?.[1] ?? "kr_stage_events";
  const target = () => ({
    schema: "public",
    table: "events",
    staging,
    columns: columns.map((c) => c.name),
    key: spec.key,
    sortKey: spec.sortKey,
  });
  for (const statement of sql) {
    const head = statement.split("\n").find((line) => !line.startsWith("--")) ?? statement;
    const start = performance.now();
    if (statement.startsWith("-- copy-from-stdin") || statement.startsWith("-- bulk-insert")) {
      const { rows } = await client.query(
        "SELECT column_name AS name, data_type AS type, is_nullable = 'YES' AS nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'events' ORDER BY ordinal_position",
      );
      columns = rows.map((r) => ({
        ...r,
        type: r.type === "timestamp with time zone" ? "timestamptz" : r.type,
      }));
      const outcome = await deps.driver.stage({
        client,
        stream: "events",
        batchId: "profile",
        staging,
        columns: stagingColumns(columns, target()),
        target: target(),
        targetColumns: columns,
        rejectsTable: `${staging}_rejects`,
        checks: targetChecks(columns, target()),
        files,
        maxErrors: 0,
      });
      // As runBatch does: statistics the stage counted are not read again.
      if (outcome.stats) {
        counted = true;
        duplicates = outcome.stats.distinctKeys < outcome.stats.rowsStaged;
        bounds = outcome.stats.bounds;
      }
    } else if (statement.startsWith("SELECT COUNT(*) AS rows_staged")) {
      if (counted) {
        if (!statement.includes(" AS refused ")) continue; // the re-read after the reject step
        timings.push(["(counted by the stage) SELECT COUNT(*) AS rows_staged …", 0]);
        continue;
      }
      if (refused === 0 && !statement.includes(" AS refused ") && bounds) continue; // the re-read
      const { rows } = await client.query(statement);
      duplicates = Number(rows[0].distinct_keys) < Number(rows[0].rows_staged);
      bounds = { min: new Date(rows[0].min_sort), max: new Date(rows[0].max_sort) };
      refused = Number(rows[0].refused ?? 0);
    } else if (
      refused === 0 &&
      (statement.startsWith("SELECT LEFT(") ||
        statement.startsWith(`INSERT INTO "${staging}_rejects"`) ||
        statement.startsWith(`DELETE FROM "${staging}"`))
    ) {
      continue; // the reject step: staging holds no refused row
    } else if (statement.startsWith('WITH "kr_unchanged"')) {
      // As runBatch does: first a read-only count; every row unchanged → nothing is written.
      if (!bounds) throw new Error("no staging statistics before the re-import's comparison");
      const { rows } = await run(
        client,
        buildCountUnchanged(target(), bounds, { windowHours: loaderConfig.load.dedupeWindowHours }),
      );
      allUnchanged = explain || Number(rows[0]?.unchanged) === dataset.records;
      if (!allUnchanged) await run(client, statement);
    } else if (allUnchanged && statement.startsWith('INSERT INTO "public"."events"')) {
      continue;
    } else if (statement.startsWith('INSERT INTO "public"."events"')) {
      // As runBatch does: the window function only when staging holds duplicates.
      const spec = STREAM_TABLES.events as { key: string; sortKey: string };
      const names = columns.map((c) => c.name);
      const insert = buildInsertFromStaging(
        {
          schema: "public",
          table: "events",
          staging,
          columns: names,
          key: spec.key,
          sortKey: spec.sortKey,
        },
        { dedupe: duplicates },
      );
      await run(client, insert);
    } else if (statement.includes("$1")) {
      timings.push([`(skipped, parameterised) ${head.slice(0, 60)}`, 0]);
      continue;
    } else if (statement.startsWith('DELETE FROM "public"."events"')) {
      if (allUnchanged) continue;
      // As runBatch does: literal bounds from the staging statistics.
      await run(
        client,
        bounds
          ? buildDeleteReplaced(target(), bounds, { windowHours: loaderConfig.load.dedupeWindowHours })
          : statement,
      );
    } else {
      await client.query(statement);
    }
    timings.push([head.slice(0, 100), (performance.now() - start) / 1000]);
  }
  await client.end();
  const total = timings.reduce((n, [, s]) => n + s, 0);
  process.stdout.write(
    `\n${label}${workMem ? ` (work_mem ${workMem})` : ""}: ${total.toFixed(2)} s for ${dataset.records} rows (${Math.round(dataset.records / total)} rows/s)\n`,
  );
  for (const [what, seconds] of timings) {
    process.stdout.write(
      `  ${seconds.toFixed(2).padStart(6)} s  ${((100 * seconds) / total).toFixed(0).padStart(3)} %  ${what.replace(/\s+/g, " ")}\n`,
    );
  }
}

try {
  await replay("first load", false);
  await replay("re-import", true);
} finally {
  deps.close();
  await warehouse.close();
  await standIns.close();
}
