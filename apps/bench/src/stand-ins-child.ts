// Child process: the local S3 server (and, when asked, the local Firehose) in their own process, so
// that what the bench measures — the generator, the loader — does not share an event loop with them,
// as it would not with the real services. Talks to the parent over IPC (see stand-ins.ts).
import { readFile } from "node:fs/promises";
import {
  LOCAL_S3_CREDENTIALS,
  type LocalFirehose,
  type LocalWarehouse,
  startLocalFirehose,
  startLocalS3,
  startLocalWarehouse,
} from "@kr/local-aws";
import type { ChildRequest, ChildResponse, StandInsSpec } from "./stand-ins";

const send = (message: ChildResponse) => process.send?.(message);

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as StandInsSpec;
  const s3 = await startLocalS3({ directory: spec.directory, buckets: [spec.bucket] });
  let firehose: LocalFirehose | undefined;
  if (spec.firehose) {
    firehose = await startLocalFirehose({
      s3: { endpoint: s3.endpoint, credentials: { ...LOCAL_S3_CREDENTIALS } },
      bucket: spec.bucket,
      streams: spec.firehose.streams,
      buffering: spec.firehose.buffering,
      ...(spec.firehose.clock ? { clock: new Date(spec.firehose.clock) } : {}),
    });
  }
  let warehouse: LocalWarehouse | undefined;
  process.on("message", async (request: ChildRequest) => {
    try {
      if (request.type === "warehouse-start") {
        await warehouse?.close();
        warehouse = await startLocalWarehouse({ port: 0 });
        const { rows } = await warehouse.db.query<{ version: string }>("SELECT version()");
        send({
          type: "warehouse",
          id: request.id,
          url: warehouse.url,
          version: rows[0]?.version ?? "PGlite",
        });
      } else if (request.type === "warehouse-copy") {
        if (!warehouse) throw new Error("no warehouse started");
        // PGlite's own COPY path: the CSV file as a blob, parsed inside the WASM PostgreSQL.
        const blob = new Blob([await readFile(request.csvFile)]);
        const start = performance.now();
        await warehouse.db.query(request.sql, [], { blob });
        send({ type: "seconds", id: request.id, seconds: (performance.now() - start) / 1000 });
      } else if (request.type === "warehouse-stop") {
        await warehouse?.close();
        warehouse = undefined;
        send({ type: "done", id: request.id });
      } else if (request.type === "cpu") {
        const usage = process.cpuUsage();
        send({ type: "cpu", id: request.id, micros: usage.user + usage.system });
      } else if (request.type === "stats")
        send({ type: "stats", id: request.id, stats: firehose?.stats() ?? null });
      else if (request.type === "flush") {
        await firehose?.flush();
        send({ type: "done", id: request.id });
      } else if (request.type === "close") {
        await warehouse?.close();
        await firehose?.close();
        await s3.close();
        send({ type: "done", id: request.id });
        process.disconnect();
      }
    } catch (error) {
      send({ type: "error", id: request.id, message: (error as Error).message });
    }
  });
  send({ type: "ready", s3Endpoint: s3.endpoint, firehoseEndpoint: firehose?.endpoint ?? null });
}

main().catch((error: unknown) => {
  send({ type: "failed", message: (error as Error).stack ?? String(error) });
  process.exitCode = 1;
});
