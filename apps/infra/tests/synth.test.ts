// The app end to end: settings → both stacks → cdktf.out/stacks/<stack>/cdk.tf.json, in-process
// and through the real entry (what `make synth` runs), from a directory holding only .env and
// build.tfvars copied from the examples.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ACCOUNT_B_VARIABLES } from "@kr/stacks";
import { describe, expect, it } from "vitest";
import { buildInfraApp } from "../src/app";
import { INFRA_ENV_SETTINGS, INFRA_TFVARS, parseInfraConfig } from "../src/config";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const MAIN = join(ROOT, "apps/infra/src/main.ts");
const TSX = join(ROOT, "node_modules/.bin/tsx");
const run = promisify(execFile);

/** The test runner's environment without any infra setting, so only the files under test count. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of INFRA_ENV_SETTINGS) delete env[key];
  delete env.CDKTF_OUTDIR;
  return env;
}

function workdir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "kr-synth-"));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const stackJson = (dir: string, stack: string) =>
  JSON.parse(readFileSync(join(dir, "cdktf.out", "stacks", stack, "cdk.tf.json"), "utf8"));

describe("synth", () => {
  it("writes both stacks and the manifest in-process", () => {
    const outdir = mkdtempSync(join(tmpdir(), "kr-synth-app-"));
    const { app } = buildInfraApp(parseInfraConfig({}, {}, { stateDir: outdir }), { outdir });
    app.synth();
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual(["account-a", "account-b"]);
    for (const stack of ["account-a", "account-b"]) {
      expect(existsSync(join(outdir, "stacks", stack, "cdk.tf.json"))).toBe(true);
    }
  });

  it("validates exactly the Terraform variables account-b declares (what build.tfvars may set)", () => {
    expect([...INFRA_TFVARS].sort()).toEqual([...ACCOUNT_B_VARIABLES].sort());
  });

  it.concurrent("works from cp .env.example .env && cp build.tfvars.example build.tfvars", async () => {
    const dir = workdir({});
    copyFileSync(join(ROOT, ".env.example"), join(dir, ".env"));
    copyFileSync(join(ROOT, "build.tfvars.example"), join(dir, "build.tfvars"));
    const { stdout } = await run(TSX, [MAIN], { cwd: dir, env: cleanEnv() });
    expect(stdout).toMatch(/synthesized account-a \(111111111111\) and account-b \(222222222222\)/);
    const a = stackJson(dir, "account-a");
    const b = stackJson(dir, "account-b");
    expect(a.provider.aws[0]).toMatchObject({ profile: "kr-ingest", allowed_account_ids: ["111111111111"] });
    expect(b.provider.aws[0]).toMatchObject({
      profile: "kr-warehouse",
      allowed_account_ids: ["222222222222"],
    });
    expect(a.terraform.backend.local.path).toBe(join(dir, "terraform.account-a.tfstate"));
    expect(b.variable.master_username.default).toBe("kr_admin");
  });

  it.concurrent("exits 2 naming every bad setting, and writes nothing", async () => {
    const dir = workdir({
      ".env": "ACCOUNT_A_ID=42\nACCOUNT_B_ID=42\nFIREHOSE_BUFFER_INTERVAL_SECONDS=1000\n",
    });
    const failure = await run(TSX, [MAIN], { cwd: dir, env: cleanEnv() }).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain("synth: 3 settings are wrong:");
    expect(failure.stderr).toContain('ACCOUNT_A_ID must be a 12-digit AWS account id (got "42")');
    expect(failure.stderr).toContain('ACCOUNT_B_ID must be a 12-digit AWS account id (got "42")');
    expect(failure.stderr).toContain("FIREHOSE_BUFFER_INTERVAL_SECONDS must be at most 900");
    expect(existsSync(join(dir, "cdktf.out", "stacks"))).toBe(false);
  });
});
