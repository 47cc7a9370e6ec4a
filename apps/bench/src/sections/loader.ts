import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { buildCreateStaging, STREAM_TABLES, stagingColumns, stagingTableName } from "@kr/copy-builder";
import {
  createRuntimeDeps,
  createTables,
  type LoadReport,
  loadConfig,
  readTableColumns,
  runLoad,
} from "@kr/loader";
import { localS3Client } from "@kr/local-aws";
import pg from "pg";
import {
  copyCsvSql,
  copyFromStdinSeconds,
  createTableLike,
  psqlCopySeconds,
  tableColumns,
} from "../baseline";
import { type Column, recordsToCsv } from "../csv";
import { type BenchDataset, buildDataset, datasetRows } from "../data";
import type { Figures } from "../results";
import { type StandIns, startStandIns } from "../stand-ins";
import { median, now } from "../stats";
import { type BenchWarehouse, loaderEnv, openBenchWarehouse, settle } from "../warehouse";
import type { SectionContext } from "./context";
import { createTempLikeStaging, TEMP_BASELINE, tempCopySeconds, twoWriteSeconds } from "./loader-baselines";

const BUCKET = "kr-bench";
const BASELINE_TABLE = "public.bench_copy_baseline";

interface Samples {
  /** COPY into a TEMP table shaped like staging (the baseline), rows/s. */
  temp: number[];
  /** COPY into TEMP + INSERT … SELECT into the target's shape: rows/s, and the two parts in seconds. */
  twoWrite: number[];
  twoWriteCopyS: number[];
  twoWriteInsertS: number[];
  stdin: number[];
  psql: number[];
  stage: number[];
  first: number[];
  reimport: number[];
  /** Latency of each `SELECT count(*) FROM public.events` started while the first load was staging, ms. */
  readerWait: number[];
}

/**
 * Loader vs the limit, on the same rows: COPY of pre-made CSV (the baseline), the loader's stage step
 * alone, and the whole exactly-once load and its re-import through the loader's API.
 */
export async function measureLoader(context: SectionContext, figures: Figures): Promise<void> {
  const { options, progress } = context;
  progress(`loader: generating ${options.events.toLocaleString("en-US")} events (seeded) into GZIP objects`);
  const dataset = buildDataset(options.events);
  progress(
    `loader: ${dataset.records} rows in ${dataset.objects.length} objects over ${dataset.from}..${dataset.to}, ` +
      `${(dataset.rawBytes / 1e6).toFixed(1)} MB raw, ${(dataset.gzipBytes / 1e6).toFixed(1)} MB gzip`,
  );
  const standIns = await startStandIns(
    { bucket: BUCKET },
    options.profile && join(options.profile, "loader-stand-ins"),
  );
  const dir = await mkdtemp(join(tmpdir(), "kr-bench-loader-"));
  try {
    await uploadObjects(standIns, dataset);
    progress(`loader: objects in the local S3 at ${standIns.s3Endpoint}`);
    const samples: Samples = {
      temp: [],
      twoWrite: [],
      twoWriteCopyS: [],
      twoWriteInsertS: [],
      stdin: [],
      psql: [],
      stage: [],
      first: [],
      reimport: [],
      readerWait: [],
    };
    let csv: { buffer: Buffer; file: string; columns: Column[] } | undefined;
    for (let rep = 1; rep <= options.repetitions; rep++) {
      const warehouse = await openBenchWarehouse(context.config, standIns);
      context.backend = warehouse.describe;
      progress(`loader ${rep}/${options.repetitions}: fresh database on ${warehouse.describe}`);
      try {
        csv = await runRepetition(context, { rep, warehouse, standIns, dataset, samples, dir, csv });
      } finally {
        const closing = now();
        await warehouse.close();
        progress(
          `loader ${rep}/${options.repetitions}: database dropped in ${((now() - closing) / 1000).toFixed(1)} s`,
        );
      }
    }
    report(context, figures, dataset.records, samples);
  } finally {
    await standIns.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function uploadObjects(standIns: StandIns, dataset: BenchDataset): Promise<void> {
  const s3 = localS3Client(standIns.s3Endpoint);
  try {
    const queue = [...dataset.objects];
    const worker = async () => {
      for (let object = queue.shift(); object; object = queue.shift()) {
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: object.key, Body: object.body }));
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  } finally {
    s3.destroy();
  }
}

interface RepetitionInput {
  rep: number;
  warehouse: BenchWarehouse;
  standIns: StandIns;
  dataset: BenchDataset;
  samples: Samples;
  dir: string;
  csv: { buffer: Buffer; file: string; columns: Column[] } | undefined;
}

async function runRepetition(context: SectionContext, input: RepetitionInput) {
  const { progress, options, config } = context;
  const { rep, warehouse, standIns, dataset, samples } = input;
  const tag = `loader ${rep}/${options.repetitions}`;
  const rows = dataset.records;
  const loaderConfig = loadConfig(loaderEnv(warehouse.url, standIns.s3Endpoint, BUCKET));
  const deps = createRuntimeDeps(loaderConfig);
  const admin = new pg.Client(warehouse.url);
  await admin.connect();
  try {
    await createTables(loaderConfig, { streams: ["events"] }, deps);
    await createTableLike(admin, BASELINE_TABLE, "public.events");
    let csv = input.csv;
    if (!csv) {
      const columns = await tableColumns(admin, "public.events");
      const buffer = recordsToCsv(datasetRows(dataset), columns);
      const file = join(input.dir, "events.csv");
      await writeFile(file, buffer);
      csv = { buffer, file, columns };
      progress(`loader: baseline CSV ready, ${(buffer.length / 1e6).toFixed(1)} MB`);
    }

    const ready = csv;
    await createTempLikeStaging(admin, "public", "events");
    // (a) the limit: COPY of the same rows, pre-made as CSV, into a TEMP table shaped like staging
    // (the same table kind the stage step writes), then into a regular table of the target's shape.
    const baseline = async () => {
      const temp = await tempCopySeconds(admin, warehouse, standIns, ready);
      samples.temp.push(rows / temp);
      progress(`${tag}: COPY into TEMP ${fmt(rows / temp)} rows/s`);
      await admin.query(`TRUNCATE "${TEMP_BASELINE}"`);
      if (warehouse.kind === "postgres") {
        const stdin = await copyFromStdinSeconds(admin, BASELINE_TABLE, ready.columns, ready.buffer);
        samples.stdin.push(rows / stdin);
        progress(`${tag}: COPY FROM STDIN ${fmt(rows / stdin)} rows/s`);
        if (config.psqlPath) {
          const truncate = async () => {
            await admin.query(`TRUNCATE ${BASELINE_TABLE}`);
          };
          const psql = await psqlCopySeconds(
            config.psqlPath,
            warehouse.url,
            BASELINE_TABLE,
            ready.columns,
            ready.file,
            truncate,
          );
          samples.psql.push(rows / psql);
          progress(`${tag}: psql \\copy ${fmt(rows / psql)} rows/s`);
        }
      } else {
        await admin.query(`TRUNCATE ${BASELINE_TABLE}`);
        const seconds = await standIns.pgliteCopySeconds(
          copyCsvSql(BASELINE_TABLE, ready.columns, "/dev/blob"),
          ready.file,
        );
        samples.stdin.push(rows / seconds);
        progress(`${tag}: PGlite COPY FROM '/dev/blob' ${fmt(rows / seconds)} rows/s`);
      }
      await admin.query(`TRUNCATE ${BASELINE_TABLE}`);
    };

    // (b) the stage step alone: the loader's driver fills the batch's temp staging table.
    const stageAlone = async () => {
      const stage = await stageSeconds(deps, dataset);
      samples.stage.push(rows / stage.seconds);
      progress(
        `${tag}: stage (${stage.method}) ${fmt(rows / stage.seconds)} rows/s, ${stage.rows} rows staged`,
      );
    };

    // (b') the two-write limit: COPY into TEMP, then one plain INSERT … SELECT into the target's shape.
    const twoWrite = async () => {
      const { copy, insert } = await twoWriteSeconds(admin, warehouse, standIns, ready, BASELINE_TABLE);
      samples.twoWrite.push(rows / (copy + insert));
      samples.twoWriteCopyS.push(copy);
      samples.twoWriteInsertS.push(insert);
      progress(
        `${tag}: two writes ${fmt(rows / (copy + insert))} rows/s (COPY into TEMP ${copy.toFixed(2)} s + INSERT … SELECT ${insert.toFixed(2)} s)`,
      );
    };

    // (c) the whole exactly-once load, then a re-import of the same range, then (untimed) the same
    // first load again with a reader probe beside it.
    const wholeLoad = async () => {
      const request = { from: dataset.from, to: dataset.to, streams: ["events"] };
      let start = now();
      const first = await runLoad(loaderConfig, request, deps);
      const firstSeconds = (now() - start) / 1000;
      checkLoaded(context, first, rows, "first load");
      samples.first.push(firstSeconds);
      progress(`${tag}: whole load ${firstSeconds.toFixed(2)} s, ${fmt(rows / firstSeconds)} rows/s`);
      await settle(admin, warehouse);
      start = now();
      const again = await runLoad(loaderConfig, { ...request, reimport: true }, deps);
      const reimportSeconds = (now() - start) / 1000;
      checkLoaded(context, again, rows, "re-import");
      samples.reimport.push(reimportSeconds);
      const { rows: counted } = await admin.query<{ n: string }>("SELECT count(*) AS n FROM public.events");
      if (Number(counted[0]?.n) !== rows) {
        note(context, `after the re-import public.events holds ${counted[0]?.n} rows, expected ${rows}`);
      }
      progress(
        `${tag}: re-import ${reimportSeconds.toFixed(2)} s (${(reimportSeconds / firstSeconds).toFixed(2)}× the first load)`,
      );

      // The readers get a load of their own: their queries would take CPU from a timed load (on two
      // cores, ~0.1–0.4 s of a 4 s load when they ran beside the first one), which no baseline pays.
      await admin.query("TRUNCATE public.events, loader.loaded_files");
      await settle(admin, warehouse);
      const probe = await readerProbe(warehouse.url);
      const probed = await runLoad(loaderConfig, request, { ...deps, onProgress: probe.onProgress }).finally(
        () => probe.stop(),
      );
      checkLoaded(context, probed, rows, "load beside the readers");
      samples.readerWait.push(...probe.waits);
      progress(
        `${tag}: ${probe.waits.length} readers during the COPY waited ${probe.waits.length ? median(probe.waits).toFixed(1) : "-"} ms (median)`,
      );
    };

    // The order rotates from one repetition to the next, so a drift in the machine's load (or the
    // server's background work after a big write) does not always fall on the same contender.
    const steps = [baseline, stageAlone, twoWrite, wholeLoad];
    for (let i = 0; i < steps.length; i++) {
      await settle(admin, warehouse);
      await (steps[(i + rep - 1) % steps.length] as () => Promise<void>)();
    }
    return csv;
  } finally {
    await admin.end().catch(() => {});
    deps.close();
  }
}

const notes = new WeakMap<SectionContext, string[]>();
function note(context: SectionContext, text: string): void {
  const list = notes.get(context) ?? [];
  if (!list.includes(text)) list.push(text);
  notes.set(context, list);
}

function checkLoaded(context: SectionContext, report: LoadReport, rows: number, what: string): void {
  const totals = report.totals;
  if (totals.rowsStaged !== rows || totals.inserted + totals.replaced + totals.unchanged !== rows) {
    note(
      context,
      `${what}: the loader reported ${totals.rowsStaged} staged, ${totals.inserted} inserted, ${totals.replaced} replaced, ${totals.unchanged} unchanged for ${rows} rows`,
    );
  }
}

/**
 * A dashboard reading the table while the loader stages: one `SELECT count(*)` after another on its
 * own connection, timed only while the load reports its stage step (the COPY) in progress: from its
 * first progress report until every byte is read (the merge that follows is not the COPY).
 */
async function readerProbe(url: string) {
  const reader = new pg.Client(url);
  await reader.connect();
  const waits: number[] = [];
  let staging = false;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      if (!staging) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const start = now();
      await reader.query("SELECT count(*) FROM public.events");
      if (staging) waits.push(now() - start);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    waits,
    onProgress: (p: { phase: string; bytesDone: number; bytesTotal: number }) => {
      staging = p.phase === "staging" && p.bytesDone < p.bytesTotal;
    },
    async stop() {
      stopped = true;
      await loop.catch(() => {});
      await reader.end().catch(() => {});
    },
  };
}

/** Seconds the Postgres driver takes to stage every object into the batch's temp table (rolled back). */
async function stageSeconds(
  deps: ReturnType<typeof createRuntimeDeps>,
  dataset: BenchDataset,
): Promise<{ seconds: number; rows: number; method: string }> {
  const client = await deps.connect();
  try {
    await client.query("BEGIN");
    const spec = STREAM_TABLES.events;
    if (!spec) throw new Error("copy-builder has no events table");
    const targetColumns = await readTableColumns(client, "public", "events");
    const staging = stagingTableName("events");
    const target = {
      schema: "public",
      table: "events",
      staging,
      columns: targetColumns.map((c) => c.name),
      key: spec.key,
      sortKey: spec.sortKey,
    };
    // The batch's staging table: explicit nullable columns, the key wide (see copy-builder staging.ts).
    await client.query(buildCreateStaging(target, targetColumns, "postgres"));
    const columns = stagingColumns(targetColumns, target);
    const files = dataset.objects.map((o) => ({ key: o.key, size: o.body.length, hour: o.hour }));
    const start = now();
    const outcome = await deps.driver.stage({
      client,
      stream: "events",
      batchId: "bench-stage",
      staging,
      columns,
      target,
      targetColumns,
      files,
      maxErrors: 0,
    });
    const seconds = (now() - start) / 1000;
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${staging}`);
    return { seconds, rows: Number(rows[0]?.n ?? 0), method: outcome.method };
  } finally {
    await client.query("ROLLBACK").catch(() => {});
    await client.end().catch(() => {});
  }
}

function report(context: SectionContext, figures: Figures, rows: number, samples: Samples): void {
  const stdin = samples.stdin.length > 0 ? median(samples.stdin) : undefined;
  const psql = samples.psql.length > 0 ? median(samples.psql) : undefined;
  if (stdin !== undefined) figures.set("loader.copy_stdin_rows_per_s", stdin);
  if (psql !== undefined) figures.set("loader.psql_copy_rows_per_s", psql);
  else
    figures.miss(
      "loader.psql_copy_rows_per_s",
      context.backend.startsWith("PGlite")
        ? "psql \\copy speaks COPY FROM STDIN, which PGlite's socket server does not survive; PGlite's own COPY FROM '/dev/blob' is the baseline"
        : "psql is not installed",
    );
  // Like with like: the stage step writes a TEMP table, so its baseline is a COPY into a TEMP table.
  const baseline = median(samples.temp);
  const twoWrite = median(samples.twoWrite);
  const stage = median(samples.stage);
  const first = median(samples.first);
  const whole = rows / first;
  figures.set("loader.copy_baseline_rows_per_s", baseline);
  figures.set("loader.stage_rows_per_s", stage);
  figures.set("loader.stage_ratio_vs_copy", stage / baseline);
  figures.set("loader.two_write_limit_rows_per_s", twoWrite);
  figures.set("loader.rows_per_s", whole);
  figures.set("loader.ratio_vs_two_write_limit", whole / twoWrite);
  figures.set("loader.ratio_vs_copy", whole / baseline);
  figures.set("loader.first_load_s", first);
  figures.set("loader.reimport_s", median(samples.reimport));
  figures.set("loader.reimport_time_ratio", median(samples.reimport) / first);
  // The COPY alone (the stage step) and what a reader waits while it runs: the lock comes after it.
  figures.set("loader.copy_ms", (rows / stage) * 1000);
  if (samples.readerWait.length > 0) {
    figures.set("loader.reader_wait_ms", median(samples.readerWait));
    figures.set("loader.reader_wait_max_ms", Math.max(...samples.readerWait));
  } else {
    figures.miss(
      "loader.reader_wait_ms",
      "no reader started while a load was staging (the stage step was too short)",
    );
  }
  if (context.backend.startsWith("PGlite")) {
    figures.notes.push(
      "loader: PGlite runs one transaction at a time for every connection, so there a reader waits for the stage transaction; on a PostgreSQL server (and Redshift) it does not",
    );
  }
  for (const text of notes.get(context) ?? []) figures.notes.push(`loader: ${text}`);
  // Where the whole load's time goes, against the two-write limit's two parts (medians, seconds).
  const stageS = rows / stage;
  const copyS = median(samples.twoWriteCopyS);
  const insertS = median(samples.twoWriteInsertS);
  figures.notes.push(
    `loader: whole load ${first.toFixed(2)} s = stage ${stageS.toFixed(2)} s + merge and ledger ${(first - stageS).toFixed(2)} s ` +
      `(dedupe, bounded delete, insert, ledger, commit); two-write limit ${(copyS + insertS).toFixed(2)} s = ` +
      `COPY into TEMP ${copyS.toFixed(2)} s + INSERT … SELECT ${insertS.toFixed(2)} s`,
  );
  figures.notes.push(
    "loader: baselines and stage step all write TEMP tables (no WAL); the regular-table COPY is shown beside for reference",
  );
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
