import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

const CLI = resolve(import.meta.dirname, "../src/cli.ts");
const TSX = resolve(import.meta.dirname, "../../../node_modules/.bin/tsx");

let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "kr-local-up-"));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

/** Runs local-up in `cwd`; `until` sends SIGTERM once stdout contains it. */
function run(until?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(TSX, [CLI], { cwd, env: { PATH: process.env.PATH } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (until && stdout.includes(until)) child.kill("SIGTERM");
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

it("starts from ./.env, prints what runs where, and stops cleanly on SIGTERM", async () => {
  await writeFile(
    join(cwd, ".env"),
    [
      "KR_PROJECT=probe",
      "S3_ENDPOINT=http://127.0.0.1:0",
      "FIREHOSE_ENDPOINT=http://127.0.0.1:0",
      "RS_PORT=0",
      "FIREHOSE_BUFFER_INTERVAL_SECONDS=1",
    ].join("\n"),
  );
  const { code, stdout, stderr } = await run("Ctrl-C stops");
  expect(stdout).toMatch(/S3 +http:\/\/127\.0\.0\.1:\d+ +bucket kr-events/);
  expect(stdout).toContain("probe-events → s3://kr-events/events/");
  expect(stdout).toContain("buffering 64 MiB / 1 s");
  expect(stdout).toMatch(/psql "postgres:\/\/loader@127\.0\.0\.1:\d+\/dev"/);
  expect(stdout).toContain("aws --endpoint-url");
  expect(stderr).toContain("SIGTERM: delivering Firehose buffers");
  expect(code).toBe(0);
});

it("exits 2 naming each bad setting", async () => {
  await writeFile(join(cwd, ".env"), "FIREHOSE_BUFFER_SIZE_MB=0\nKR_STREAMS=Events\n");
  const { code, stderr } = await run();
  expect(code).toBe(2);
  expect(stderr).toContain("FIREHOSE_BUFFER_SIZE_MB must be at least 1");
  expect(stderr).toContain("KR_STREAMS must be comma-separated stream names");
});
