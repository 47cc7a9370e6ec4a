import { join } from "node:path";
import { DEFAULT_CONCURRENCY, DEFAULT_RECORD_MAX_BYTES, generateRecords, sendRecords } from "@kr/generator";
import { FIREHOSE_LIMITS } from "@kr/local-aws";
import { BENCH_SEED, DATA_HOURS, DATA_START } from "../data";
import type { Figures } from "../results";
import { startStandIns } from "../stand-ins";
import { median, now } from "../stats";
import type { SectionContext } from "./context";

/** 1M events per hour, in events per second. */
export const DESIGN_EVENTS_PER_SECOND = 1_000_000 / 3600;

const DELIVERY_STREAMS = { events: "kr-events", utm: "kr-utm" };

/**
 * The generator as its CLI runs it (generate both streams → PutRecordBatch at the default
 * concurrency) against the local Firehose in its own process; batch fill as the Firehose counted it;
 * record sizes raw and as GZIP objects in S3.
 */
export async function measureGenerator(context: SectionContext, figures: Figures): Promise<void> {
  const { options, progress, config } = context;
  const standIns = await startStandIns(
    {
      bucket: "kr-bench",
      firehose: {
        streams: [
          { name: DELIVERY_STREAMS.events, prefix: "events/" },
          { name: DELIVERY_STREAMS.utm, prefix: "utm/" },
        ],
        buffering: {
          sizeBytes: config.firehoseBufferSizeMb * 1024 * 1024,
          intervalMs: config.firehoseBufferIntervalSeconds * 1000,
        },
      },
    },
    options.profile && join(options.profile, "generator-stand-ins"),
  );
  try {
    const endpoint = standIns.firehoseEndpoint;
    if (!endpoint) throw new Error("the stand-ins started no Firehose");
    const rates: number[] = [];
    const benchCpu: number[] = [];
    const firehoseCpu: number[] = [];
    const megabytes: number[] = [];
    let calls = 0;
    let recordsAccepted = 0;
    let bytesAccepted = 0;
    let events = 0;
    let firehoseRecords = 0;
    let billedBytes = 0;
    for (let rep = 1; rep <= options.repetitions; rep++) {
      const before = await standIns.firehoseStats();
      const records = generateRecords({
        count: options.events,
        streams: ["events", "utm"],
        seed: BENCH_SEED + rep,
        start: DATA_START,
        end: new Date(DATA_START.getTime() + DATA_HOURS * 3_600_000),
      });
      const childCpuBefore = await standIns.cpuMicros();
      const cpuBefore = process.cpuUsage();
      const start = now();
      const summary = await sendRecords({ endpoint, deliveryStreams: DELIVERY_STREAMS, records });
      const seconds = (now() - start) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const childCpu = (await standIns.cpuMicros()) - childCpuBefore;
      benchCpu.push((cpu.user + cpu.system) / summary.delivered);
      firehoseCpu.push(childCpu / summary.delivered);
      const after = await standIns.firehoseStats();
      if (summary.undelivered > 0)
        figures.notes.push(`generator: ${summary.undelivered} records undelivered in run ${rep}`);
      rates.push(summary.delivered / seconds);
      events += summary.delivered;
      firehoseRecords += summary.firehoseRecords;
      billedBytes += summary.billedBytes;
      megabytes.push(summary.bytes / 1e6 / seconds);
      calls += after.calls - before.calls;
      recordsAccepted += after.recordsAccepted - before.recordsAccepted;
      bytesAccepted += after.bytesAccepted - before.bytesAccepted;
      progress(
        `generator ${rep}/${options.repetitions}: ${summary.delivered} events in ${summary.firehoseRecords} records in ${seconds.toFixed(2)} s = ` +
          `${Math.round(summary.delivered / seconds).toLocaleString("en-US")} events/s, ` +
          `${(summary.bytes / 1e6 / seconds).toFixed(1)} MB/s, ${after.calls - before.calls} calls; CPU per event: ` +
          `generator ${((cpu.user + cpu.system) / summary.delivered).toFixed(1)} µs, ` +
          `local Firehose + S3 ${(childCpu / summary.delivered).toFixed(1)} µs`,
      );
    }
    const eventsPerSecond = median(rates);
    figures.set("generator.events_per_s", eventsPerSecond);
    figures.set("generator.mb_per_s", median(megabytes));
    figures.set("generator.multiple_of_design_load", eventsPerSecond / DESIGN_EVENTS_PER_SECOND);
    figures.set("generator.cpu_us_per_event", median(benchCpu));
    figures.set("generator.firehose_cpu_us_per_event", median(firehoseCpu));
    figures.set("generator.records_per_batch", recordsAccepted / calls);
    figures.set("generator.record_fill", (100 * recordsAccepted) / calls / FIREHOSE_LIMITS.recordsPerBatch);
    figures.set("generator.bytes_per_batch", bytesAccepted / calls);
    figures.set("generator.byte_fill", (100 * bytesAccepted) / calls / FIREHOSE_LIMITS.bytesPerBatch);
    if (firehoseRecords !== recordsAccepted)
      figures.notes.push(
        `generator: sent ${firehoseRecords} records, the local Firehose accepted ${recordsAccepted}`,
      );
    figures.set("generator.events_per_record", events / firehoseRecords);
    // What Firehose bills: each delivered record rounded up to 5 KB (the local Firehose counted the
    // same number of records, checked below).
    figures.set("generator.billed_bytes_per_event", billedBytes / events);
    figures.set("generator.avg_record_bytes", bytesAccepted / events);
    progress("generator: flushing the local Firehose to S3 to measure the GZIP objects");
    await standIns.flushFirehose();
    const delivered = await standIns.firehoseStats();
    figures.set("generator.avg_record_gzip_bytes", delivered.bytesWritten / events);
    figures.notes.push(
      `generator: default concurrency ${DEFAULT_CONCURRENCY}; both streams (events, utm); ` +
        `events packed into Firehose records of up to ${DEFAULT_RECORD_MAX_BYTES} bytes; ` +
        `${delivered.objectsWritten} GZIP objects, ${events} events in ${delivered.recordsDelivered} records, ` +
        `${delivered.bytesDelivered} bytes raw → ${delivered.bytesWritten} bytes stored`,
    );
  } finally {
    await standIns.close();
  }
}
