// Times the local staging engine against the physical limit on the same server, the same rows and
// the same table: `COPY … FROM STDIN` of the rows pre-made as CSV (and `psql \copy` when psql is on
// PATH), plus the Node side alone (node-only: CPU µs/row and GCs) and the bare download. Usage:
// PG_URL=postgres://… tsx apps/bench/scripts/stage-profile.ts [--rows 500000] [--files 20]
// [--reps 5] [--method copy-from-stdin|bulk-insert] [--concurrency 4] [--batch-rows 2000]
// [--only stage,stage+stats-sql,stage-counted,copy-csv,psql-copy,node-only,node-only-stats,download]. Without PG_URL it runs against PGlite (the
// bulk-insert path). Contenders run in rotating order; medians are printed, and for each run its
// wall time, Node's CPU and the server backend's CPU (when the server is local). Profile with
// `node --cpu-prof --import tsx …`.
import { execFileSync, fork } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { buildStagingStats, targetChecks } from "@kr/copy-builder";
import { LOCAL_S3_CREDENTIALS, startLocalS3, startLocalWarehouse } from "@kr/local-aws";
import { makeRecords, streamColumns, tempTableDdl } from "@kr/test-utils";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { compileColumn } from "../../../packages/loader/src/staging/column-types";
import { CopySink } from "../../../packages/loader/src/staging/copy-stage";
import {
  type StageSource,
  type StagingMethod,
  s3StageSource,
  stageObjects,
} from "../../../packages/loader/src/staging/index";
import { RecordEncoder } from "../../../packages/loader/src/staging/record-encoder";
import { runStage } from "../../../packages/loader/src/staging/stage-loop";
import { statsColumns } from "../../../packages/loader/src/staging/staged-stats";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "500000" },
    files: { type: "string", default: "20" },
    reps: { type: "string", default: "5" },
    method: { type: "string" },
    concurrency: { type: "string", default: "4" },
    only: { type: "string" },
    "s3-child": { type: "string" },
    pglite: { type: "boolean" },
    "batch-rows": { type: "string" },
  },
});
const ROWS = Number(args.rows);
const FILES = Number(args.files);
const REPS = Number(args.reps);

// The staging tests' table shape and records (the events table of STREAM_TABLES, the generator's
// events): the profile measures what the tests pin.
const COLUMNS = streamColumns("events");
const KEYS = { key: "event_id", sortKey: "occurred_at" };
const DDL = tempTableDdl("stage_profile", COLUMNS);
const HOUR = new Date(Date.UTC(2026, 10, 23, 5));

function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return `"${text.replace(/"/g, '""')}"`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The stand-ins (local S3, and PGlite when there is no PG_URL) run in a child process, as the real
 * services would be elsewhere: in this process their work would share the event loop being measured.
 */
async function startStandIns(
  directory: string,
  pglite: boolean,
): Promise<{ endpoint: string; pgliteUrl: string | null; close(): Promise<void> }> {
  const child = fork(
    fileURLToPath(import.meta.url),
    ["--s3-child", directory, ...(pglite ? ["--pglite"] : [])],
    {
      execArgv: process.execArgv,
    },
  );
  const [message] = (await once(child, "message")) as [{ endpoint: string; pgliteUrl: string | null }];
  return {
    endpoint: message.endpoint,
    pgliteUrl: message.pgliteUrl,
    async close() {
      child.kill();
      await once(child, "exit");
    },
  };
}

async function standInsChild(directory: string) {
  const server = await startLocalS3({ directory, buckets: ["profile"], port: 0 });
  const warehouse = args.pglite ? await startLocalWarehouse({ port: 0 }) : null;
  process.send?.({ endpoint: server.endpoint, pgliteUrl: warehouse?.url ?? null });
  process.on("SIGTERM", async () => {
    await server.close();
    process.exit(0);
  });
}

async function main() {
  const pgUrl = process.env.PG_URL;
  const work = await mkdtemp(join(tmpdir(), "kr-stage-profile-"));
  const s3Server = await startStandIns(join(work, "s3"), !pgUrl);
  const url = pgUrl ?? (s3Server.pgliteUrl as string);
  const s3 = new S3Client({
    endpoint: s3Server.endpoint,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: LOCAL_S3_CREDENTIALS,
  });
  try {
    // Same seeded rows for every contender: JSON lines in gz objects, and the same rows as CSV.
    const perFile = Math.ceil(ROWS / FILES);
    const sources: StageSource[] = [];
    const csvParts: string[] = [];
    let jsonBytes = 0;
    let gzBytes = 0;
    for (let f = 0; f < FILES; f++) {
      const lines: string[] = [];
      const count = Math.max(0, Math.min(ROWS, (f + 1) * perFile) - f * perFile);
      for (const event of makeRecords("events", HOUR, count, 42_000 + f)) {
        lines.push(JSON.stringify(event));
        csvParts.push(`${COLUMNS.map((c) => csvField(event[c.name])).join(",")}\n`);
      }
      const text = `${lines.join("\n")}\n`;
      const body = gzipSync(text);
      jsonBytes += Buffer.byteLength(text);
      gzBytes += body.length;
      const key = `events/2026/11/23/05/events-1-2026-11-23-05-00-00-${String(f).padStart(4, "0")}.gz`;
      await s3.send(new PutObjectCommand({ Bucket: "profile", Key: key, Body: body }));
      sources.push(s3StageSource(s3, "profile", { key, size: body.length }));
    }
    const csv = Buffer.from(csvParts.join(""));
    csvParts.length = 0;
    const csvFile = join(work, "rows.csv");
    await writeFile(csvFile, csv);
    console.log(
      `${ROWS} rows in ${FILES} objects: ${(jsonBytes / 1e6).toFixed(1)} MB JSON, ${(gzBytes / 1e6).toFixed(1)} MB gz, ` +
        `${(csv.length / 1e6).toFixed(1)} MB CSV; backend ${pgUrl ? "PostgreSQL server" : "PGlite"}; ${REPS} reps`,
    );

    const client = new pg.Client(url);
    await client.connect();
    const names = COLUMNS.map((c) => c.name).join(", ");

    // CPU seconds of the server backend that runs the COPY, when it runs on this machine (Linux
    // /proc): with Node's own, it shows which side a contender waits for.
    const { rows: backend } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const backendCpu = (): number | null => {
      try {
        const fields = readFileSync(`/proc/${backend[0]?.pid}/stat`, "utf8").split(") ")[1]?.split(" ");
        return fields ? (Number(fields[11]) + Number(fields[12])) / 100 : null;
      } catch {
        return null;
      }
    };
    const cpuLines: Record<string, string[]> = {};
    let current = "";
    const timed = async (body: () => Promise<void>): Promise<number> => {
      await client.query("BEGIN");
      await client.query(DDL);
      const serverBefore = backendCpu();
      const nodeBefore = process.cpuUsage();
      const start = process.hrtime.bigint();
      await body();
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const node = process.cpuUsage(nodeBefore);
      const serverAfter = backendCpu();
      const server =
        serverBefore === null || serverAfter === null ? "?" : (serverAfter - serverBefore).toFixed(2);
      cpuLines[current] = [
        ...(cpuLines[current] ?? []),
        `${seconds.toFixed(2)} s wall, ${((node.user + node.system) / 1e6).toFixed(2)} s Node CPU, ${server} s backend CPU`,
      ];
      const { rows } = await client.query("SELECT count(*)::int AS n FROM stage_profile");
      await client.query("ROLLBACK");
      if (rows[0].n !== ROWS) throw new Error(`staged ${rows[0].n} rows, expected ${ROWS}`);
      return ROWS / seconds;
    };

    const cpuPerRow: number[] = [];
    const statsCpuPerRow: number[] = [];
    const downloadCpuPerRow: number[] = [];
    const gcPerRun: string[] = [];
    const contenders: Record<string, () => Promise<number>> = {
      stage: () =>
        timed(async () => {
          await stageObjects(client, { table: "stage_profile", columns: COLUMNS }, sources, {
            maxErrors: 0,
            method: args.method as StagingMethod | undefined,
            concurrency: Number(args.concurrency),
            ...(args["batch-rows"] ? { bulkBatchRows: Number(args["batch-rows"]) } : {}),
          });
        }),
      // The batch's stage transaction before and after the stage counted the staging statistics:
      // the stage, then the statistics read back with SQL (buildStagingStats) …
      "stage+stats-sql": () =>
        timed(async () => {
          await stageObjects(client, { table: "stage_profile", columns: COLUMNS }, sources, {
            maxErrors: 0,
            method: args.method as StagingMethod | undefined,
            concurrency: Number(args.concurrency),
            checks: targetChecks(COLUMNS, KEYS),
          });
          await client.query(
            buildStagingStats(
              { ...KEYS, schema: "public", table: "events", staging: "stage_profile", columns: [] },
              "postgres",
              COLUMNS,
            ),
          );
        }),
      // … and the stage counting them on the way (what the PostgreSQL driver does).
      "stage-counted": () =>
        timed(async () => {
          const result = await stageObjects(client, { table: "stage_profile", columns: COLUMNS }, sources, {
            maxErrors: 0,
            method: args.method as StagingMethod | undefined,
            concurrency: Number(args.concurrency),
            checks: targetChecks(COLUMNS, KEYS),
            keyStats: KEYS,
          });
          if (!result.keyStats) throw new Error("the stage did not count the staging statistics");
        }),
    };
    // The Node side alone (download, gunzip, parse, validate, encode), rows thrown away: what the
    // profile optimises, measured as wall rate and main-thread CPU per row.
    const nodeOnly = async (statsCounted: boolean, perRow: number[]) => {
      const columns = COLUMNS.map(compileColumn);
      const sink = new CopySink(new Writable({ write: (_chunk, _encoding, done) => done() }), {
        writableLength: 0,
      });
      let gcMs = 0;
      let gcCount = 0;
      const gcKinds: Record<number, number> = {};
      const gc = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          gcMs += entry.duration;
          const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0;
          gcKinds[kind] = (gcKinds[kind] ?? 0) + entry.duration;
          gcCount++;
        }
      });
      gc.observe({ entryTypes: ["gc"] });
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      const counted = statsCounted ? statsColumns(COLUMNS, KEYS) : undefined;
      await runStage(sources, new RecordEncoder(columns, [], counted), sink, {
        maxErrors: 0,
        concurrency: Number(args.concurrency),
      });
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const used = process.cpuUsage(cpu);
      perRow.push((used.user + used.system) / ROWS);
      await new Promise((resolve) => setImmediate(resolve));
      gc.disconnect();
      gcPerRun.push(`${gcCount} GCs ${Math.round(gcMs)} ms ${JSON.stringify(gcKinds)}`);
      return ROWS / seconds;
    };
    contenders["node-only"] = () => nodeOnly(false, cpuPerRow);
    // The same with the staging statistics counted on the way (what the PostgreSQL driver asks for).
    contenders["node-only-stats"] = () => nodeOnly(true, statsCpuPerRow);
    // Download only (S3 GET through the SDK, bytes dropped): the floor under every staging path.
    contenders.download = async () => {
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      for (const source of sources) {
        const body = await source.open();
        for await (const _ of body) {
          // drain
        }
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const used = process.cpuUsage(cpu);
      downloadCpuPerRow.push((used.user + used.system) / ROWS);
      return ROWS / seconds;
    };
    if (pgUrl) {
      contenders["copy-csv"] = () =>
        timed(async () => {
          const stream = client.query(copyFrom(`COPY stage_profile (${names}) FROM STDIN (FORMAT csv)`));
          const done = new Promise<void>((resolve, reject) => {
            stream.on("finish", resolve);
            stream.on("error", reject);
          });
          for (let i = 0; i < csv.length; i += 1 << 20) {
            if (!stream.write(csv.subarray(i, i + (1 << 20))))
              await new Promise((r) => stream.once("drain", r));
          }
          stream.end();
          await done;
        });
      const hasPsql = (() => {
        try {
          execFileSync("psql", ["--version"]);
          return true;
        } catch {
          return false;
        }
      })();
      if (hasPsql) {
        contenders["psql-copy"] = async () => {
          const script = `BEGIN;\n${DDL};\n\\copy stage_profile (${names}) FROM '${csvFile}' WITH (FORMAT csv)\nROLLBACK;\n`;
          const start = process.hrtime.bigint();
          execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", pgUrl], { input: script });
          return ROWS / (Number(process.hrtime.bigint() - start) / 1e9);
        };
      }
    }

    if (args.only)
      for (const name of Object.keys(contenders))
        if (!args.only.split(",").includes(name)) delete contenders[name];
    const results: Record<string, number[]> = {};
    current = "(warm-up)";
    await (contenders.stage ?? contenders["node-only"])?.(); // warm-up: JIT, connection, S3 cache
    for (let rep = 0; rep < REPS; rep++) {
      // Rotate the order so drift on a shared machine does not favour one contender.
      const order = Object.keys(contenders);
      for (let k = 0; k < rep % order.length; k++) order.push(order.shift() as string);
      for (const name of order) {
        current = name;
        const rate = await (contenders[name] as () => Promise<number>)();
        results[name] = [...(results[name] ?? []), rate];
      }
    }
    await client.end();
    const stageMedian = median(results.stage ?? [0]);
    if (downloadCpuPerRow.length) console.log(`download CPU ${median(downloadCpuPerRow).toFixed(2)} µs/row`);
    if (gcPerRun.length) console.log(`node-only garbage collection per run: ${gcPerRun.join(", ")}`);
    if (cpuPerRow.length)
      console.log(`node-only CPU (process, incl. zlib threads) ${median(cpuPerRow).toFixed(2)} µs/row`);
    if (statsCpuPerRow.length)
      console.log(
        `node-only-stats CPU (process, incl. zlib threads) ${median(statsCpuPerRow).toFixed(2)} µs/row`,
      );
    for (const [name, lines] of Object.entries(cpuLines))
      console.log(`${name.padEnd(10)} ${lines.join("; ")}`);
    for (const [name, rates] of Object.entries(results)) {
      const m = median(rates);
      console.log(
        `${name.padEnd(10)} median ${Math.round(m).toLocaleString("en").padStart(9)} rows/s   ` +
          `runs: ${rates.map((r) => Math.round(r / 1000)).join(", ")}k` +
          (name === "stage" || name === "node-only" || name === "download"
            ? ""
            : `   stage ratio ${(stageMedian / m).toFixed(2)}`),
      );
    }
  } finally {
    s3.destroy();
    await s3Server.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (args["s3-child"]) await standInsChild(args["s3-child"]);
else await main();
