// tools/deploy.sh against fake terraform/cdktf binaries that record their arguments: the order of the
// stacks, where build.tfvars goes, and the approval flag.
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const run = promisify(execFile);

/** A fake repository root: tools/deploy.sh, synthesized stacks, build.tfvars and recording binaries. */
function fakeRoot(options: { initFails?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), "kr-deploy-"));
  mkdirSync(join(root, "tools"));
  copyFileSync(join(ROOT, "tools", "deploy.sh"), join(root, "tools", "deploy.sh"));
  for (const [stack, profile, account] of [
    ["account-a", "kr-ingest", "111111111111"],
    ["account-b", "kr-warehouse", "222222222222"],
  ]) {
    mkdirSync(join(root, "cdktf.out", "stacks", stack as string), { recursive: true });
    writeFileSync(
      join(root, "cdktf.out", "stacks", stack as string, "cdk.tf.json"),
      JSON.stringify({
        provider: { aws: [{ profile, region: "eu-west-1", allowed_account_ids: [account] }] },
      }),
    );
  }
  writeFileSync(join(root, "build.tfvars"), 'master_username = "kr_admin"\n');
  const bin = join(root, "bin");
  const cdktfBin = join(root, "apps", "infra", "node_modules", ".bin");
  mkdirSync(bin);
  mkdirSync(cdktfBin, { recursive: true });
  const log = join(root, "calls.log");
  const fake = (name: string, extra = "") =>
    `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${extra}\nexit 0\n`;
  for (const [dir, name, extra] of [
    [bin, "terraform", options.initFails ? 'if [[ "$*" == *" init "* ]]; then exit 1; fi' : ""],
    [bin, "tofu", ""],
    [cdktfBin, "cdktf", ""],
  ] as const) {
    writeFileSync(join(dir, name), fake(name, extra));
    chmodSync(join(dir, name), 0o755);
  }
  const deploy = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    run("bash", [join(root, "tools", "deploy.sh"), ...args], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, AUTO_APPROVE: "", ...env },
    });
  const calls = () =>
    readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.replaceAll(root, "<root>"));
  return { root, deploy, calls };
}

describe("tools/deploy.sh", () => {
  it("applies the stacks in the order given, build.tfvars to account-b only", async () => {
    const { deploy, calls } = fakeRoot();
    const { stderr } = await deploy(["apply", "terraform", "account-b", "account-a"]);
    expect(calls()).toEqual([
      "terraform -chdir=<root>/cdktf.out/stacks/account-b init -input=false",
      "terraform -chdir=<root>/cdktf.out/stacks/account-b apply -input=false -var-file=<root>/build.tfvars",
      "terraform -chdir=<root>/cdktf.out/stacks/account-a init -input=false",
      "terraform -chdir=<root>/cdktf.out/stacks/account-a apply -input=false",
    ]);
    expect(stderr).toContain(
      "== apply account-b (profile kr-warehouse, account 222222222222, region eu-west-1, local state)",
    );
  });

  it("destroys with OpenTofu and auto-approves when asked", async () => {
    const { deploy, calls } = fakeRoot();
    await deploy(["destroy", "tofu", "account-a", "account-b"], { AUTO_APPROVE: "1" });
    expect(calls()).toEqual([
      "tofu -chdir=<root>/cdktf.out/stacks/account-a init -input=false",
      "tofu -chdir=<root>/cdktf.out/stacks/account-a destroy -input=false -auto-approve",
      "tofu -chdir=<root>/cdktf.out/stacks/account-b init -input=false",
      "tofu -chdir=<root>/cdktf.out/stacks/account-b destroy -input=false -var-file=<root>/build.tfvars -auto-approve",
    ]);
  });

  it("drives cdktf deploy on the synthesized output", async () => {
    const { deploy, calls } = fakeRoot();
    await deploy(["apply", "cdktf", "account-b", "account-a"], { AUTO_APPROVE: "true" });
    expect(calls()).toEqual([
      "cdktf deploy account-b --skip-synth --var-file=<root>/build.tfvars --auto-approve",
      "cdktf deploy account-a --skip-synth --auto-approve",
    ]);
  });

  it("lists state even when init cannot download providers", async () => {
    const { deploy, calls } = fakeRoot({ initFails: true });
    await deploy(["state", "cdktf", "account-a"]);
    expect(calls()).toEqual([
      "terraform -chdir=<root>/cdktf.out/stacks/account-a init -input=false",
      "terraform -chdir=<root>/cdktf.out/stacks/account-a state list",
    ]);
  });

  it("is called by make: create-infra applies account-b before account-a, destroy the reverse", () => {
    const makefile = readFileSync(join(ROOT, "Makefile"), "utf8");
    const recipe = (target: string) => new RegExp(`^${target}:.*\\n\\t(.*)$`, "m").exec(makefile)?.[1];
    expect(recipe("create-infra")).toBe("@bash tools/deploy.sh apply $(TF_BIN) account-b account-a");
    expect(recipe("destroy")).toBe("@bash tools/deploy.sh destroy $(TF_BIN) account-a account-b");
  });

  it("refuses an unsynthesized stack or an unknown engine", async () => {
    const { deploy } = fakeRoot();
    const missing = await deploy(["apply", "terraform", "account-c"]).catch((e) => e);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("account-c/cdk.tf.json not found: run make synth");
    const engine = await deploy(["apply", "pulumi", "account-a"]).catch((e) => e);
    expect(engine.stderr).toContain("TF_BIN must be cdktf, terraform or tofu (got pulumi)");
  });
});
