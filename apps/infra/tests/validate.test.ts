// `terraform validate` of both synthesized stacks with the real hashicorp/aws provider from the
// machine's filesystem mirror (tools/rehearse/terraform.ts): the provider version pinned through an
// override.tf.json in a scratch copy, Terraform pointed at the mirror by a CLI config this test
// writes. A failure shows Terraform's own diagnostics. Without terraform or the provider the test
// fails on CI (CI=true: the image has both) and prints a loud warning elsewhere.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import {
  findProviderMirror,
  type ProviderMirror,
  scratchStack,
  which,
  writeCliConfig,
} from "../../../tools/rehearse/terraform";
import { buildInfraApp } from "../src/app";
import { parseInfraConfig } from "../src/config";

const run = promisify(execFile);
const terraform = which("terraform");
const mirror = findProviderMirror();
const missing = [
  terraform ? undefined : "terraform is not on PATH",
  mirror ? undefined : "no hashicorp/aws provider in a filesystem mirror or plugin cache",
].filter(Boolean);

/** init (offline, no backend) + validate; resolves to Terraform's output, rejects with its diagnostics. */
async function validate(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const opts = { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 };
  const steps = [
    ["init", "-backend=false", "-input=false", "-no-color"],
    ["validate", "-no-color"],
  ];
  let out = "";
  for (const args of steps) {
    const result = await run(terraform as string, args, opts).catch((e) => e);
    out = `${result.stdout ?? ""}${result.stderr ?? ""}`;
    if (result instanceof Error) throw new Error(`terraform ${args[0]} failed in ${dir}:\n${out}`);
  }
  return out;
}

describe("terraform validate (real provider from the filesystem mirror)", () => {
  if (missing.length > 0) {
    it("needs terraform and the provider", () => {
      const message = `terraform validate NOT RUN: ${missing.join("; ")}. CI's image has both (see README, "Rehearse the deploy").`;
      if (process.env.CI === "true") throw new Error(message);
      console.warn(`\n!!! ${message}\n`);
    });
    return;
  }
  const found = mirror as ProviderMirror;
  let outdir = "";
  let env: NodeJS.ProcessEnv = {};
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "kr-validate-"));
    buildInfraApp(parseInfraConfig({}, {}, { stateDir: outdir }), { outdir }).app.synth();
    env = writeCliConfig(outdir, found);
  });

  for (const stack of ["account-a", "account-b"]) {
    it.concurrent(`${stack} is valid`, async () => {
      const original = readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8");
      const dir = scratchStack(join(outdir, "stacks", stack), found);
      expect(await validate(dir, env)).toContain("Success! The configuration is valid.");
      // The product's JSON keeps its own version constraint; only the scratch copy is overridden.
      expect(readFileSync(join(outdir, "stacks", stack, "cdk.tf.json"), "utf8")).toBe(original);
      const lock = readFileSync(join(dir, ".terraform.lock.hcl"), "utf8");
      expect(lock).toContain(`version     = "${found.version}"`);
    });
  }

  // build.tfvars may change after synth validated it: the cluster's precondition, as Terraform
  // evaluates it, accepts exactly the node ranges the config accepts.
  it.concurrent("the cluster's node-range precondition, evaluated by Terraform, agrees with the config", async () => {
    const tf = JSON.parse(readFileSync(join(outdir, "stacks", "account-b", "cdk.tf.json"), "utf8"));
    type Cluster = { lifecycle: { precondition: { condition: string }[] } };
    const cluster = Object.values(tf.resource.aws_redshift_cluster as Record<string, Cluster>)[0];
    const dir = mkdtempSync(join(tmpdir(), "kr-precondition-"));
    writeFileSync(
      join(dir, "main.tf.json"),
      JSON.stringify({
        variable: { node_type: { type: "string" }, number_of_nodes: { type: "number" } },
        locals: { ok: cluster?.lifecycle.precondition[0]?.condition },
      }),
    );
    const cases: [string, number][] = [
      ["ra3.xlplus", 1],
      ["ra3.xlplus", 16],
      ["ra3.xlplus", 17],
      ["ra3.4xlarge", 1],
      ["ra3.4xlarge", 32],
      ["ra3.16xlarge", 128],
      ["dc2.large", 2],
      ["t3.micro", 2],
    ];
    for (const [nodeType, nodes] of cases) {
      const child = run(
        terraform as string,
        ["console", `-var=node_type=${nodeType}`, `-var=number_of_nodes=${nodes}`],
        {
          cwd: dir,
          env: { ...process.env, ...env },
        },
      );
      child.child.stdin?.end("local.ok\n");
      const { stdout } = await child;
      let accepted = true;
      try {
        parseInfraConfig({}, { node_type: nodeType, number_of_nodes: nodes }, { stateDir: dir });
      } catch {
        accepted = false;
      }
      expect([nodeType, nodes, stdout.trim()]).toEqual([nodeType, nodes, String(accepted)]);
    }
  });

  it.concurrent("fails with Terraform's diagnostics on a broken resource", async () => {
    const dir = scratchStack(join(outdir, "stacks", "account-a"), found);
    const tf = JSON.parse(readFileSync(join(dir, "cdk.tf.json"), "utf8"));
    const buckets = tf.resource.aws_s3_bucket as Record<string, Record<string, unknown>>;
    const first = Object.values(buckets)[0] as Record<string, unknown>;
    first.no_such_argument = true;
    writeFileSync(join(dir, "cdk.tf.json"), JSON.stringify(tf));
    const failure = await validate(dir, env).catch((e: Error) => e.message);
    expect(failure).toContain("terraform validate failed");
    expect(failure).toContain("Error: Extraneous JSON object property");
    expect(failure).toContain('No argument or block type is named "no_such_argument".');
    expect(failure).toMatch(/line \d+, in resource\.aws_s3_bucket\.events-bucket_\w+:/);
  });
});
