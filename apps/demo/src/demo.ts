// The whole pipeline on one machine: stand-ins up → events generated and delivered through Firehose
// into past hours → loaded → part of the range re-imported → counted and checked for exactly once.
import { readdir, rm } from "node:fs/promises";
import { formatHour, streamPrefix } from "@kr/copy-builder";
import { generateRecords, type SendSummary, type StreamName, sendRecords } from "@kr/generator";
import {
  createRuntimeDeps,
  createTables,
  type LoadReport,
  listRejects,
  loadConfig,
  type RejectsReport,
  runLoad,
  runStatus,
  type StatusReport,
} from "@kr/loader";
import { type LocalFirehoseStats, type LocalStack, startLocalStack } from "@kr/local-aws";
import { type DemoConfig, DemoUsageError } from "./config";
import {
  countObjectsPerHour,
  countRowsPerHour,
  type ExactlyOnce,
  type HourCount,
  verifyExactlyOnce,
} from "./inspect";

export interface DemoPorts {
  s3: number;
  firehose: number;
  warehouse: number;
}

export interface DemoResult {
  /** The status grid of the demo's hours after both loads (what `make status` prints). */
  status: StatusReport;
  /** The quarantine after both loads (what `pnpm run load -- rejects --pending` prints). */
  rejects: RejectsReport;
  hours: string[];
  generated: Generated;
  firehose: LocalFirehoseStats;
  objects: Record<string, HourCount[]>;
  rows: Record<string, HourCount[]>;
  load: LoadReport;
  reimport: LoadReport;
  exactlyOnce: ExactlyOnce[];
  durationMs: number;
}

const HOUR_MS = 3_600_000;

/** Runs the demo; `log` receives one line per step. Ports default to the configured ones. */
export async function runDemo(
  config: DemoConfig,
  options: { ports?: Partial<DemoPorts>; log?: (line: string) => void } = {},
): Promise<DemoResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const streams = config.stack.streams as StreamName[];
  const thisHour = Math.floor(started / HOUR_MS) * HOUR_MS;
  const hours = Array.from(
    { length: config.hours },
    (_, i) => new Date(thisHour - (config.endHoursAgo + config.hours - 1 - i) * HOUR_MS),
  );

  log(`[1/6] starting local S3, Firehose and warehouse (fresh state in ${config.stateDir}/)`);
  await resetStateDir(config.stateDir);
  const stack = await startLocalStack({
    stateDir: config.stateDir,
    project: config.stack.project,
    streams,
    bucket: config.stack.bucket,
    s3: { host: config.stack.s3.host, port: options.ports?.s3 ?? config.stack.s3.port },
    firehose: {
      host: config.stack.firehose.host,
      port: options.ports?.firehose ?? config.stack.firehose.port,
      // Only a size flush or the explicit flush at the end of each hour closes a buffer.
      buffering: { sizeBytes: Math.round(config.bufferSizeMb * 1024 * 1024), intervalMs: 3_600_000 },
      faults: { duplicateRate: config.redeliveryRate, throttleRate: config.throttleRate },
      seed: config.seed,
    },
    warehouse: {
      host: config.stack.warehouse.host,
      port: options.ports?.warehouse ?? config.stack.warehouse.port,
    },
  });
  try {
    const loaderConfig = loadConfig({
      ...config.loaderEnv,
      KR_MODE: "local",
      KR_PROJECT: config.stack.project,
      KR_STREAMS: streams.join(","),
      S3_ENDPOINT: stack.s3.endpoint,
      S3_BUCKET: stack.bucket,
      RS_HOST: stack.warehouse.host,
      RS_PORT: String(stack.warehouse.port),
    });
    const deps = createRuntimeDeps(loaderConfig);
    try {
      log("[2/6] creating the stream tables and the loader ledger");
      await createTables(loaderConfig, {}, deps);

      log(
        `[3/6] generating ${config.eventsPerHour.toLocaleString("en-US")} events/hour for ${config.hours} past hours through Firehose`,
      );
      const generated = await generate(config, stack, hours, streams, log);

      const from = formatHour(hours[0] as Date);
      const to = formatHour(hours[hours.length - 1] as Date);
      log(`[4/6] loading ${from}..${to}`);
      const load = await runLoad(loaderConfig, { from, to }, deps);

      const reFrom = formatHour(hours[Math.floor(hours.length / 3)] as Date);
      const reTo = formatHour(hours[Math.min(hours.length - 1, Math.floor(hours.length / 3) + 1)] as Date);
      log(`[5/6] re-importing ${reFrom}..${reTo} (files already in the ledger are loaded again)`);
      const reimport = await runLoad(loaderConfig, { from: reFrom, to: reTo, reimport: true }, deps);

      log("[6/6] counting objects, rows and event ids");
      const prefixes = Object.fromEntries(streams.map((s) => [s, streamPrefix(s)]));
      const objects = await countObjectsPerHour(deps.s3, stack.bucket, prefixes, hours);
      const client = await deps.connect();
      try {
        const rows: Record<string, HourCount[]> = {};
        const exactlyOnce: ExactlyOnce[] = [];
        for (const stream of streams) {
          const table = `${loaderConfig.warehouse.schema}.${stream}`;
          rows[stream] = await countRowsPerHour(client, table);
          exactlyOnce.push(
            await verifyExactlyOnce(client, stream, table, generated.streams[stream]?.eventIds ?? new Set()),
          );
        }
        // What an operator sees next: `make status` over the hours the demo loaded.
        const status = await runStatus(loaderConfig, { from, to }, deps);
        // And the lines the loads rejected, each kept once to fix and replay.
        const rejects = await listRejects(loaderConfig, { pending: true, limit: 5 }, deps);
        return {
          status,
          rejects,
          hours: hours.map(formatHour),
          generated,
          firehose: stack.firehose.stats(),
          objects,
          rows,
          load,
          reimport,
          exactlyOnce,
          durationMs: Date.now() - started,
        };
      } finally {
        await client.end();
      }
    } finally {
      deps.close();
    }
  } finally {
    await stack.close();
  }
}

/** Starts from empty state, but never deletes a directory the stand-ins did not make. */
async function resetStateDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const foreign = entries.filter((e) => e !== "s3" && e !== "warehouse");
  if (foreign.length > 0) {
    throw new DemoUsageError(
      `--state-dir ${dir} holds ${foreign.slice(0, 3).join(", ")}, not only the stand-ins' s3/ and warehouse/: pick an empty or new directory`,
    );
  }
  await rm(dir, { recursive: true, force: true });
}

/** Backfills each past hour: the Firehose clock stands at the hour's last second, so objects land there. */
async function generate(
  config: DemoConfig,
  stack: LocalStack,
  hours: Date[],
  streams: StreamName[],
  log: (line: string) => void,
): Promise<Generated> {
  const perHour: SendSummary[] = [];
  for (const [i, hour] of hours.entries()) {
    stack.firehose.setClock(new Date(hour.getTime() + HOUR_MS - 1000));
    const records = generateRecords({
      count: config.eventsPerHour,
      streams,
      seed: config.seed + i,
      start: hour,
      end: new Date(hour.getTime() + HOUR_MS - 60_000),
      duplicateRate: config.duplicateRate,
      malformedRate: config.malformedRate,
    });
    const summary = await sendRecords({
      endpoint: stack.firehose.endpoint,
      deliveryStreams: stack.deliveryStreams,
      records,
      trackEventIds: true,
      seed: config.seed + i,
    });
    await stack.firehose.flush();
    log(
      `      ${formatHour(hour)}: ${summary.delivered.toLocaleString("en-US")} events delivered in ${summary.firehoseRecords.toLocaleString("en-US")} Firehose records, ${summary.retried} re-sent`,
    );
    perHour.push(summary);
  }
  return mergeSummaries(perHour, streams);
}

/** What was generated and delivered over all hours, per stream; event ids are unioned across hours. */
export interface Generated {
  delivered: number;
  undelivered: number;
  retried: number;
  throttledCalls: number;
  elapsedMs: number;
  streams: Record<
    string,
    { delivered: number; malformed: number; duplicates: number; eventIds: Set<string> }
  >;
}

function mergeSummaries(summaries: SendSummary[], streams: readonly string[]): Generated {
  const merged: Generated = {
    delivered: 0,
    undelivered: 0,
    retried: 0,
    throttledCalls: 0,
    elapsedMs: 0,
    streams: Object.fromEntries(
      streams.map((s) => [s, { delivered: 0, malformed: 0, duplicates: 0, eventIds: new Set<string>() }]),
    ),
  };
  for (const summary of summaries) {
    merged.delivered += summary.delivered;
    merged.undelivered += summary.undelivered;
    merged.retried += summary.retried;
    merged.throttledCalls += summary.throttledCalls;
    merged.elapsedMs += summary.elapsedMs;
    for (const stream of streams) {
      const into = merged.streams[stream];
      const from = summary.streams[stream];
      if (!into || !from) continue;
      into.delivered += from.delivered;
      into.malformed += from.malformedDelivered;
      into.duplicates += from.duplicatesDelivered;
      for (const id of summary.eventIds?.[stream] ?? []) into.eventIds.add(id);
    }
  }
  return merged;
}
