import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../src/cli-main";

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

describe("runCli, in-process", () => {
  const io = (env: Record<string, string>, untilStopped = () => Promise.resolve("SIGTERM")) => {
    const out = { stdout: "", stderr: "" };
    return {
      out,
      io: {
        stdout: { write: (s: string) => (out.stdout += s) },
        stderr: { write: (s: string) => (out.stderr += s) },
        env,
        cwd,
        untilStopped,
      },
    };
  };

  it("starts, prints the banner, and stops when asked, with exit 0", async () => {
    const { out, io: stdio } = io({
      KR_PROJECT: "inproc",
      S3_ENDPOINT: "http://127.0.0.1:0",
      FIREHOSE_ENDPOINT: "http://127.0.0.1:0",
      RS_HOST: "127.0.0.1",
      RS_PORT: "0",
    });
    expect(await runCli(["--"], stdio)).toBe(0);
    expect(out.stdout).toContain("inproc-events → s3://kr-events/events/");
    expect(out.stderr).toContain("SIGTERM: delivering Firehose buffers to S3 and stopping");
    expect(out.stderr).toMatch(/stopped \(0 records accepted, 0 objects written while stopping\)/);
  });

  it("exits 2 on an unknown option or a bad setting, naming it", async () => {
    const bad = io({});
    expect(await runCli(["--nope"], bad.io)).toBe(2);
    expect(bad.out.stderr).toContain("local-up: Unknown option '--nope'");
    const setting = io({ S3_ENDPOINT: "not a url" });
    expect(await runCli([], setting.io)).toBe(2);
    expect(setting.out.stderr).toContain("S3_ENDPOINT");
  });

  it("--help prints the usage with exit 0", async () => {
    const help = io({});
    expect(await runCli(["--help"], help.io)).toBe(0);
    expect(help.out.stdout).toContain("usage: pnpm run local-up");
  });
});
