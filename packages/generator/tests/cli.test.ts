import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  LOCAL_S3_CREDENTIALS,
  type LocalFirehose,
  type LocalS3,
  startLocalFirehose,
  startLocalS3,
} from "@kr/local-aws";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GeneratorError, loadGeneratorConfig, parseGenerateArgs, runCli, runGenerate } from "../src/index";

const CLI = resolve(import.meta.dirname, "../src/cli.ts");
const TSX = resolve(import.meta.dirname, "../../../node_modules/.bin/tsx");
let cwd: string;
let s3: LocalS3;
let firehose: LocalFirehose;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "kr-gen-cli-"));
  s3 = await startLocalS3({ directory: join(cwd, "s3"), buckets: ["kr-events"], port: 0 });
  firehose = await startLocalFirehose({
    s3: { endpoint: s3.endpoint, credentials: LOCAL_S3_CREDENTIALS },
    bucket: "kr-events",
    streams: [
      { name: "kr-events", prefix: "events/" },
      { name: "kr-utm", prefix: "utm/" },
    ],
    buffering: { sizeBytes: 1024 * 1024, intervalMs: 60_000 },
  });
});
afterAll(async () => {
  await firehose.close();
  await s3.close();
  await rm(cwd, { recursive: true, force: true });
});

/** Runs `pnpm run generate` as a user would, in a directory without .env, against the test's Firehose. */
function generate(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(TSX, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH, FIREHOSE_ENDPOINT: firehose.endpoint, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

it("exits 0 with a summary table when every event is delivered", async () => {
  const before = firehose.stats().recordsAccepted;
  const { code, stdout } = await generate(["--count", "300", "--hour", "2026-11-23T05", "--seed", "5"]);
  expect(code).toBe(0);
  for (const column of ["sent", "retried", "failed", "events/s", "MB/s", "bytes", "batch fill"])
    expect(stdout).toContain(column);
  expect(stdout).toMatch(/│ sent +│ 300 +│/);
  expect(stdout).toMatch(/│ failed +│ 0 +│/);
  expect(stdout).toContain("--seed 5 reproduces this run");
  // 300 events packed ~9 to a Firehose record; the summary counts the records the server accepted.
  const records = Number(/│ Firehose records +│ ([\d,]+) \(/.exec(stdout)?.[1]?.replace(/,/g, ""));
  expect(firehose.stats().recordsAccepted - before).toBe(records);
  expect(records).toBeLessThan(300 / 8);
});

it("picks a fresh seed per run without --seed and prints it", async () => {
  const runs = await Promise.all([generate(["--count", "20"]), generate(["--count", "20"])]);
  const seeds = runs.map(({ code, stdout }) => {
    expect(code).toBe(0);
    return /--seed (\d+) reproduces this run/.exec(stdout)?.[1];
  });
  expect(seeds[0]).toMatch(/^\d+$/);
  expect(seeds[1]).not.toBe(seeds[0]);
});

it("exits 1 with the count of undelivered events when retries run out", async () => {
  firehose.setFaults({ throttleRate: 1 });
  try {
    const { code, stdout } = await generate(["--count", "40", "--max-attempts", "2", "--stream", "events"]);
    expect(code).toBe(1);
    expect(stdout).toContain("40 event(s) NOT delivered");
    expect(stdout).toContain("ServiceUnavailableException");
  } finally {
    firehose.setFaults({ throttleRate: 0 });
  }
});

it("exits 2 on a bad flag and on a bad setting, saying what to fix", async () => {
  const [flag, setting] = await Promise.all([
    generate(["--count", "ten"]),
    generate(["--count", "10"], { KR_MODE: "cloud", RS_PORT: "ignored" }),
  ]);
  expect(flag.code).toBe(2);
  expect(flag.stderr).toContain("--count must be a whole number from 1 to 1000000000, e.g. --count 10000");
  expect(setting.code).toBe(2);
  expect(setting.stderr).toContain(`KR_MODE must be "local" or "aws" (got "cloud")`);
});

it("fails fast, naming the fix, when no Firehose listens at the endpoint", async () => {
  const config = loadGeneratorConfig({ FIREHOSE_ENDPOINT: "http://127.0.0.1:9" });
  const command = parseGenerateArgs(["--count", "10"], ["events", "utm"]);
  if ("help" in command) throw new Error("unexpected --help");
  const error = await runGenerate(command, config).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GeneratorError);
  expect((error as GeneratorError).exitCode).toBe(1);
  expect((error as Error).message).toContain("make local-up");
});

it("runs in-process through runCli(argv, io): delivers, and exits 2 on a bad flag or setting", async () => {
  const io = (env: Record<string, string>) => {
    const out = { stdout: "", stderr: "" };
    return {
      out,
      io: {
        stdout: {
          write(s: string) {
            out.stdout += s;
            return true;
          },
        },
        stderr: {
          write(s: string) {
            out.stderr += s;
            return true;
          },
        },
        loadConfig: () => loadGeneratorConfig({ FIREHOSE_ENDPOINT: firehose.endpoint, ...env }),
      },
    };
  };
  const ok = io({});
  expect(await runCli(["--count", "20", "--seed", "7", "--stream", "events"], ok.io)).toBe(0);
  expect(ok.out.stdout).toContain("--seed 7 reproduces this run");
  const badFlag = io({});
  expect(await runCli(["--count", "many"], badFlag.io)).toBe(2);
  expect(badFlag.out.stderr).toContain("generate: ");
  const badSetting = io({ AWS_REGION: "Europe" });
  expect(await runCli(["--count", "1"], badSetting.io)).toBe(2);
  expect(badSetting.out.stderr).toContain('AWS_REGION must be an AWS region like eu-west-1 (got "Europe")');
});
