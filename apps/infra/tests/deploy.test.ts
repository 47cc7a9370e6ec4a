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
interface FakeOptions {
  initFails?: boolean;
  /** `terraform show -json` per stack directory name. */
  states?: Record<string, unknown>;
  /** What the fake aws CLI prints for list-objects-v2 (object count) and describe-cluster-snapshots. */
  objects?: number;
  snapshots?: number;
}

/** A state as `terraform show -json` prints it. */
function showJson(resources: { address: string; values: Record<string, unknown> }[]) {
  return {
    values: {
      root_module: {
        resources: resources.map((r) => ({ ...r, mode: "managed", type: r.address.split(".")[0] })),
      },
    },
  };
}

function fakeRoot(options: FakeOptions = {}) {
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
  for (const [stack, state] of Object.entries(options.states ?? {})) {
    writeFileSync(join(root, `state-${stack}.json`), JSON.stringify(state));
  }
  const fake = (name: string, extra = "") =>
    `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${extra}\nexit 0\n`;
  // show -json prints the stack's state file, if the test gave one.
  const show = `if [[ "$*" == *" show -json"* ]]; then d=\${1#-chdir=}; f="${root}/state-\${d##*/}.json"; [ -f "$f" ] && cat "$f"; fi
for a in "$@"; do case "$a" in -target=*) ls "\${1#-chdir=}" | grep override >> "${log}" || true;; esac; done`;
  const aws = `case "$*" in
  *list-objects-v2*) echo ${options.objects ?? 0} ;;
  *describe-cluster-snapshots*) ${options.snapshots ? `echo ${options.snapshots}` : "echo 'An error occurred (ClusterSnapshotNotFound)' >&2; exit 254"} ;;
esac`;
  for (const [dir, name, extra] of [
    [bin, "terraform", `${options.initFails ? 'if [[ "$*" == *" init "* ]]; then exit 1; fi' : ""}\n${show}`],
    [bin, "tofu", show],
    [bin, "aws", aws],
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
      // The preflight reads both states before anything is destroyed.
      "tofu -chdir=<root>/cdktf.out/stacks/account-a init -input=false",
      "tofu -chdir=<root>/cdktf.out/stacks/account-a show -json",
      "tofu -chdir=<root>/cdktf.out/stacks/account-b init -input=false",
      "tofu -chdir=<root>/cdktf.out/stacks/account-b show -json",
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

describe("tools/deploy.sh destroy: a bucket with events, a final snapshot name already taken", () => {
  const A = "<root>/cdktf.out/stacks/account-a";
  const stateA = showJson([
    { address: "aws_s3_bucket.events", values: { bucket: "kr-events-111", force_destroy: false } },
    { address: "aws_s3_bucket_policy.events", values: { bucket: "kr-events-111" } },
    { address: "aws_s3_bucket_public_access_block.events", values: { bucket: "kr-events-111" } },
    { address: "aws_kinesis_firehose_delivery_stream.events", values: { name: "kr-events" } },
  ]);
  const stateB = showJson([
    { address: "aws_s3_bucket.manifests", values: { bucket: "kr-manifests", force_destroy: true } },
    {
      address: "aws_redshift_cluster.cluster",
      values: {
        cluster_identifier: "kr-warehouse",
        final_snapshot_identifier: "kr-warehouse-final",
        skip_final_snapshot: false,
      },
    },
  ]);
  const states = { "account-a": stateA, "account-b": stateB };

  it("stops before changing anything, naming the bucket, the count and the two ways on", async () => {
    const { deploy, calls } = fakeRoot({ states, objects: 42 });
    const failure = await deploy(["destroy", "terraform", "account-a", "account-b"]).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("destroy stopped before changing anything");
    expect(failure.stderr).toContain("s3://kr-events-111 (account-a) holds 42 objects");
    expect(failure.stderr).toContain("make destroy KEEP_EVENTS=1");
    expect(failure.stderr).toContain("make destroy DELETE_EVENTS=1");
    // Only reads: init, show, and the listing with the stack's own profile and region.
    expect(calls().filter((c) => / (destroy|apply|state rm) /.test(c))).toEqual([]);
    expect(calls()).toContain(
      "aws s3api list-objects-v2 --bucket kr-events-111 --max-items 1001 --query length(Contents || `[]`) --output text --profile kr-ingest --region eu-west-1",
    );
    // force_destroy buckets (manifests) are not listed.
    expect(calls().some((c) => c.includes("kr-manifests"))).toBe(false);
  });

  it("KEEP_EVENTS=1 removes the bucket and its settings from the state, destroys the rest, reports it", async () => {
    const { deploy, calls } = fakeRoot({ states, objects: 5000 });
    const { stderr } = await deploy(["destroy", "terraform", "account-a", "account-b"], {
      KEEP_EVENTS: "1",
      AUTO_APPROVE: "1",
    });
    const a = calls().filter((c) => c.startsWith(`terraform -chdir=${A} `) && !/ (init|show) /.test(c));
    expect(a).toEqual([
      `terraform -chdir=${A} state rm aws_s3_bucket.events`,
      `terraform -chdir=${A} state rm aws_s3_bucket_policy.events`,
      `terraform -chdir=${A} state rm aws_s3_bucket_public_access_block.events`,
      `terraform -chdir=${A} destroy -input=false -auto-approve`,
    ]);
    expect(stderr).toContain("kept s3://kr-events-111 (more than 1000 objects) and its settings");
    expect(stderr).toContain("aws s3 rb s3://kr-events-111 --force --profile kr-ingest --region eu-west-1");
  });

  it("DELETE_EVENTS=1 sets force_destroy through a targeted apply before the destroy", async () => {
    const { deploy, calls } = fakeRoot({ states, objects: 3 });
    await deploy(["destroy", "terraform", "account-a"], { DELETE_EVENTS: "1", AUTO_APPROVE: "1" });
    const a = calls().filter((c) => !/ (init|show) |^aws /.test(c));
    expect(a).toEqual([
      `terraform -chdir=${A} apply -input=false -auto-approve -target=aws_s3_bucket.events`,
      "kr_delete_events_override.tf.json",
      `terraform -chdir=${A} destroy -input=false -auto-approve`,
    ]);
  });

  it("refuses KEEP_EVENTS and DELETE_EVENTS together", async () => {
    const { deploy } = fakeRoot({ states });
    const failure = await deploy(["destroy", "terraform", "account-a"], {
      KEEP_EVENTS: "1",
      DELETE_EVENTS: "1",
    }).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain("KEEP_EVENTS and DELETE_EVENTS exclude each other");
  });

  it("stops when the final snapshot name is taken, with both ways on", async () => {
    const { deploy, calls } = fakeRoot({ states, objects: 0, snapshots: 1 });
    const failure = await deploy(["destroy", "terraform", "account-a", "account-b"]).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("Redshift snapshot kr-warehouse-final already exists (account-b)");
    expect(failure.stderr).toContain(
      "aws redshift delete-cluster-snapshot --snapshot-identifier kr-warehouse-final --profile kr-warehouse --region eu-west-1",
    );
    expect(failure.stderr).toContain("skip_final_snapshot = true");
    expect(calls().filter((c) => / (destroy|apply) /.test(c))).toEqual([]);
  });

  it("destroys straight away when the bucket is empty and no snapshot has the name", async () => {
    const { deploy, calls } = fakeRoot({ states, objects: 0 });
    await deploy(["destroy", "terraform", "account-a", "account-b"], { AUTO_APPROVE: "1" });
    expect(calls().filter((c) => / (destroy|apply|state rm) /.test(c))).toEqual([
      `terraform -chdir=${A} destroy -input=false -auto-approve`,
      "terraform -chdir=<root>/cdktf.out/stacks/account-b destroy -input=false -var-file=<root>/build.tfvars -auto-approve",
    ]);
  });
});
