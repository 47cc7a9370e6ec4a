// `make rehearse` end to end: two moto accounts, the real provider, create-infra, generate, the
// destroy that stops on a bucket holding events, the destroy that deletes them. Minutes, not seconds.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { awsConfig, table } from "../rehearse/main";

const ROOT = join(import.meta.dirname, "..", "..");
const run = promisify(execFile);

it("points each stack's profile at its own emulated account", () => {
  const config = awsConfig({ "account-a": 4001, "account-b": 4002 });
  expect(config).toContain("[profile kr-ingest]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:4001");
  expect(config).toContain(
    "[profile kr-warehouse]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:4002",
  );
  expect(
    table([
      ["a", "bb"],
      ["ccc", "d"],
    ]),
  ).toBe("| a   | bb |\n|-----|----|\n| ccc | d  |");
});

it("make rehearse deploys, delivers, passes the doctor, refuses the unsafe destroy and destroys", {
  timeout: 900_000,
}, async () => {
  const { stdout } = await run("make", ["--no-print-directory", "rehearse"], {
    cwd: ROOT,
    maxBuffer: 64 << 20,
  });
  expect(stdout).toMatch(/\| account-a \| 111111111111 \| [23]\d +\|/);
  expect(stdout).toMatch(/\| account-b \| 222222222222 \| [3-9]\d +\|/);
  // The doctor, run after the deploy: everything moto can answer passes; the ping is not checkable.
  expect(stdout).toMatch(/\| make doctor +\| [\d.]+ +\| 12 PASS, 0 FAIL, 2 SKIP/);
  expect(stdout).toMatch(/│ loader reaches the secret and the\s*│ SKIP\s*│ not checkable here: moto runs no/);
  expect(stdout).toMatch(/│ COPY role attached to the cluster,\s*│ PASS/);
  expect(stdout).toContain("12 passed, 0 failed, 2 skipped");
  expect(stdout).toMatch(/\| make destroy \(bucket holds events\) +\| [\d.]+ +\| stopped, nothing changed/);
  expect(stdout).toMatch(/\| make destroy DELETE_EVENTS=1 +\| [\d.]+ +\| both stacks empty, bucket gone/);
  expect(stdout).toContain("rehearsal passed");
});
