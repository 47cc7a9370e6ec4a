import { gzipSync } from "node:zlib";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { firehoseObjectKey, streamPrefix } from "@kr/copy-builder";
import { generateRecords } from "@kr/generator";
import { createRedshiftDriver, createRuntimeDeps, createTables, loadConfig, runLoad } from "@kr/loader";
import { localS3Client } from "@kr/local-aws";
import { BENCH_SEED } from "../data";
import type { Figures } from "../results";
import { startStandIns } from "../stand-ins";
import { loaderEnv, openBenchWarehouse } from "../warehouse";
import type { SectionContext } from "./context";

const BUCKET = "kr-bench-plan";
const STREAMS = ["events", "utm"] as const;
/** 720 hours from here: 2026-10-01T00 … 2026-10-30T23. */
const FIRST_HOUR = Date.UTC(2026, 9, 1, 0);
const RANGES = [
  { key: "copy_statements.h1", hours: 1 },
  { key: "copy_statements.h24", hours: 24 },
  { key: "copy_statements.h720", hours: 720 },
] as const;

const hourText = (ms: number) => new Date(ms).toISOString().slice(0, 13);

/**
 * Redshift COPY statements per stream per batch in the loader's dry-run plan, with the Redshift
 * driver, for 1, 24 and 720 hours of objects in the local S3 (one tiny object per stream and hour,
 * two in each of the first 24 hours). The dry run reads the catalog and the ledger of a real
 * database and writes nothing.
 */
export async function measureCopyStatements(context: SectionContext, figures: Figures): Promise<void> {
  const { progress } = context;
  const standIns = await startStandIns({ bucket: BUCKET });
  try {
    const s3 = localS3Client(standIns.s3Endpoint);
    const lines = [
      ...generateRecords({
        count: 4,
        streams: STREAMS,
        seed: BENCH_SEED,
        start: new Date(FIRST_HOUR),
        end: new Date(FIRST_HOUR + 3_600_000),
      }),
    ];
    const body = gzipSync(Buffer.concat(lines.map((r) => r.data)));
    const keys: string[] = [];
    for (let hour = 0; hour < 720; hour++) {
      for (const stream of STREAMS) {
        for (let n = 0; n < (hour < 24 ? 2 : 1); n++) {
          keys.push(
            firehoseObjectKey({
              prefix: streamPrefix(stream),
              deliveryStream: `kr-${stream}`,
              arrivedAt: new Date(FIRST_HOUR + hour * 3_600_000 + n * 60_000),
              uuid: `00000000-0000-4000-8000-${String(hour * 10 + n).padStart(12, "0")}`,
            }),
          );
        }
      }
    }
    progress(
      `copy-statements: putting ${keys.length} tiny objects in 720 hour prefixes × ${STREAMS.length} streams`,
    );
    const queue = [...keys];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let key = queue.shift(); key; key = queue.shift()) {
          await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
        }
      }),
    );
    s3.destroy();

    const warehouse = await openBenchWarehouse(context.config, standIns);
    const config = loadConfig(loaderEnv(warehouse.url, standIns.s3Endpoint, BUCKET, STREAMS.join(",")));
    const runtime = createRuntimeDeps(config);
    try {
      await createTables(config, {}, runtime);
      const driver = createRedshiftDriver({
        manifestS3: runtime.s3,
        manifestBucket: "kr-bench-manifests",
        sourceBucket: BUCKET,
        iamRoles: ["arn:aws:iam::222222222222:role/kr-copy"],
        region: "eu-west-1",
      });
      for (const range of RANGES) {
        const report = await runLoad(
          config,
          {
            from: hourText(FIRST_HOUR),
            to: hourText(FIRST_HOUR + (range.hours - 1) * 3_600_000),
            dryRun: true,
          },
          { ...runtime, driver },
        );
        const perStream = report.streams.map((stream) => ({
          stream: stream.stream,
          files: stream.files,
          copies: (stream.sql ?? []).filter((statement) => /^\s*COPY\s/i.test(statement)).length,
        }));
        if (perStream.length !== STREAMS.length || perStream.some((s) => s.files === 0)) {
          throw new Error(
            `the ${range.hours} h plan has no files for some stream: ${JSON.stringify(perStream)}`,
          );
        }
        figures.set(range.key, Math.max(...perStream.map((s) => s.copies)));
        progress(
          `copy-statements: ${range.hours} h → ${perStream.map((s) => `${s.stream}: ${s.files} files, ${s.copies} COPY`).join("; ")}`,
        );
      }
    } finally {
      runtime.close();
      await warehouse.close();
    }
  } finally {
    await standIns.close();
  }
}
