import { type ChildProcess, fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BufferingHints, DeliveryStreamSpec, LocalFirehoseStats } from "@kr/local-aws";

export interface StandInsSpec {
  directory: string;
  bucket: string;
  firehose?: { streams: DeliveryStreamSpec[]; buffering: BufferingHints; clock?: string };
}

export type ChildRequest = { id: number } & (
  | { type: "stats" }
  | { type: "flush" }
  | { type: "close" }
  | { type: "warehouse-start" }
  | { type: "warehouse-copy"; sql: string; csvFile: string }
  | { type: "warehouse-stop" }
  | { type: "cpu" }
);
export type ChildResponse =
  | { type: "ready"; s3Endpoint: string; firehoseEndpoint: string | null }
  | { type: "failed"; message: string }
  | { type: "stats"; id: number; stats: LocalFirehoseStats | null }
  | { type: "done"; id: number }
  | { type: "warehouse"; id: number; url: string; version: string }
  | { type: "seconds"; id: number; seconds: number }
  | { type: "cpu"; id: number; micros: number }
  | { type: "error"; id: number; message: string };

export interface StandIns {
  s3Endpoint: string;
  firehoseEndpoint: string | undefined;
  bucket: string;
  firehoseStats(): Promise<LocalFirehoseStats>;
  flushFirehose(): Promise<void>;
  /** A fresh in-memory PGlite served on a free port in the stand-ins process (the previous one is closed). */
  startPglite(): Promise<{ url: string; version: string }>;
  /** Runs `COPY … FROM '/dev/blob'` of the CSV file inside that PGlite and returns the seconds it took. */
  pgliteCopySeconds(sql: string, csvFile: string): Promise<number>;
  stopPglite(): Promise<void>;
  /** CPU time (user + system, µs) the stand-ins process has used so far. */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL("./stand-ins-child.ts", import.meta.url));

/** Starts the local S3 (and optionally the local Firehose) in a child process on free ports. */
export async function startStandIns(
  options: Omit<StandInsSpec, "directory">,
  /** Write a CPU profile of the stand-ins process into this directory when it exits. */
  profileDir?: string,
): Promise<StandIns> {
  const directory = await mkdtemp(join(tmpdir(), "kr-bench-s3-"));
  const spec: StandInsSpec = { ...options, directory };
  const profiling = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const child = fork(CHILD, [JSON.stringify(spec)], {
    execArgv: ["--import", "tsx", "--disable-warning=NodeVersionSupportWarning", ...profiling],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (m: ChildResponse) => void; reject: (e: Error) => void }>();
  const ready = new Promise<{ s3Endpoint: string; firehoseEndpoint: string | null }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`stand-ins process exited ${code} before it was ready`)));
    child.on("message", (message: ChildResponse) => {
      if (message.type === "ready") resolve(message);
      else if (message.type === "failed") reject(new Error(`stand-ins failed: ${message.message}`));
      else {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.type === "error") waiter?.reject(new Error(message.message));
        else waiter?.resolve(message);
      }
    });
  });
  const endpoints = await ready.catch(async (error: unknown) => {
    child.kill();
    await rm(directory, { recursive: true, force: true });
    throw error;
  });
  type Body = ChildRequest extends infer R ? (R extends ChildRequest ? Omit<R, "id"> : never) : never;
  const request = (body: Body) =>
    new Promise<ChildResponse>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, ...body });
    });
  return {
    s3Endpoint: endpoints.s3Endpoint,
    firehoseEndpoint: endpoints.firehoseEndpoint ?? undefined,
    bucket: options.bucket,
    async firehoseStats() {
      const response = await request({ type: "stats" });
      if (response.type !== "stats" || !response.stats) throw new Error("no local Firehose in the stand-ins");
      return response.stats;
    },
    async flushFirehose() {
      await request({ type: "flush" });
    },
    async startPglite() {
      const response = await request({ type: "warehouse-start" });
      if (response.type !== "warehouse") throw new Error("the stand-ins did not start PGlite");
      return { url: response.url, version: response.version };
    },
    async pgliteCopySeconds(sql, csvFile) {
      const response = await request({ type: "warehouse-copy", sql, csvFile });
      if (response.type !== "seconds") throw new Error("the stand-ins did not run the COPY");
      return response.seconds;
    },
    async cpuMicros() {
      const response = await request({ type: "cpu" });
      if (response.type !== "cpu") throw new Error("the stand-ins did not report CPU time");
      return response.micros;
    },
    async stopPglite() {
      await request({ type: "warehouse-stop" });
    },
    async close() {
      await closeChild(child, () => request({ type: "close" }));
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function closeChild(child: ChildProcess, ask: () => Promise<unknown>): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const timeout = setTimeout(() => child.kill("SIGKILL"), 30_000);
  await ask().catch(() => child.kill());
  await exited;
  clearTimeout(timeout);
}
