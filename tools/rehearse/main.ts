// `make rehearse`: the deploy, rehearsed on this machine with the real Terraform provider against two
// emulated AWS accounts (moto_server, one per account id, started by moto-launcher.py). Nothing here
// can reach real AWS: every AWS_* variable of the caller is dropped, the profiles the stacks name live
// in a scratch AWS config whose endpoint_url points at the emulators, and .env, build.tfvars,
// cdktf.out and the Terraform state live in a scratch KR_WORKDIR.
//
//   synth → create-infra (account-b, then account-a) → state → generate (aws mode) into the deployed
//   Firehose → objects in the deployed bucket → make doctor → destroy (stops: the bucket holds events)
//   → destroy DELETE_EVENTS=1 → summary table.
// Every tool reaches the emulators through the profiles' endpoint_url alone (no AWS_ENDPOINT_URL).
//
// Exit 2 when a requirement is missing (terraform, the provider mirror, moto, the aws CLI), 1 when a
// step fails (its output is printed), 0 with the table.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findProviderMirror, providerOverride, which, writeCliConfig } from "./terraform";

const ROOT = join(import.meta.dirname, "..", "..");
const run = promisify(execFile);
const ACCOUNTS = {
  "account-a": { id: "111111111111", profile: "kr-ingest" },
  "account-b": { id: "222222222222", profile: "kr-warehouse" },
} as const;
const BUCKET = `kr-events-${ACCOUNTS["account-a"].id}`;
const REGION = "eu-west-1";
const PYTHON = process.env.KR_REHEARSE_PYTHON ?? "python3";

class RehearsalError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** What is missing on this machine, each with how to get it. */
export async function missingRequirements(): Promise<string[]> {
  const missing: string[] = [];
  if (!which("terraform"))
    missing.push(
      "terraform is not on PATH (Terraform ≥ 1.5: https://developer.hashicorp.com/terraform/install)",
    );
  if (!findProviderMirror())
    missing.push(
      "no hashicorp/aws provider in a filesystem mirror (/opt/tf-plugins, ~/.terraform.d/plugins, ...): `terraform providers mirror <dir>` on a machine with registry access",
    );
  if (!which("aws")) missing.push("the aws CLI is not on PATH (make destroy checks the bucket with it)");
  const moto = await run(PYTHON, ["-c", "import moto.server, moto.redshift; print(moto.__version__)"]).catch(
    () => undefined,
  );
  if (!moto)
    missing.push(
      `${PYTHON} cannot import moto (pip install 'moto[server]>=5.2'; or set KR_REHEARSE_PYTHON to a Python that has it)`,
    );
  return missing;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null)
      throw new RehearsalError(`moto-launcher exited ${child.exitCode}:\n${log()}`, 1);
    if (
      await fetch(url).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new RehearsalError(`moto at ${url} did not answer in 30 s:\n${log()}`, 1);
}

/** The scratch AWS config: the stacks' profiles, each pointing at its account's emulator. */
export function awsConfig(ports: Record<keyof typeof ACCOUNTS, number>): string {
  return Object.entries(ACCOUNTS)
    .map(([stack, { profile }]) =>
      [
        `[profile ${profile}]`,
        `region = ${REGION}`,
        `endpoint_url = http://127.0.0.1:${ports[stack as keyof typeof ACCOUNTS]}`,
        "aws_access_key_id = rehearsal",
        "aws_secret_access_key = rehearsal",
        "",
      ].join("\n"),
    )
    .join("\n");
}

/** A table of rows (first row: header), columns padded. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [
    line(rows[0] ?? []),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
  ].join("\n");
}

interface Step {
  name: string;
  seconds: number;
  note: string;
}

async function rehearse(): Promise<string> {
  const missing = await missingRequirements();
  if (missing.length) throw new RehearsalError(`requirements missing:\n  - ${missing.join("\n  - ")}`, 2);
  const mirror = findProviderMirror();
  if (!mirror) throw new RehearsalError("no provider mirror", 2);

  const work = process.env.KR_REHEARSE_DIR ?? mkdtempSync(join(tmpdir(), "kr-rehearse-"));
  copyFileSync(join(ROOT, ".env.example"), join(work, ".env"));
  copyFileSync(join(ROOT, "build.tfvars.example"), join(work, "build.tfvars"));
  const ports = { "account-a": await freePort(), "account-b": await freePort() };
  writeFileSync(join(work, "aws-config"), awsConfig(ports));
  writeFileSync(join(work, "aws-credentials"), "");

  // Only what the tools need; no AWS_* of the caller survives, so nothing can reach a real account.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...(process.env.PYENV_ROOT ? { PYENV_ROOT: process.env.PYENV_ROOT } : {}),
    KR_WORKDIR: work,
    AWS_CONFIG_FILE: join(work, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(work, "aws-credentials"),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AUTO_APPROVE: "1",
    NO_COLOR: "1",
    ...writeCliConfig(work, mirror),
  };

  const steps: Step[] = [];
  const children: ChildProcess[] = [];
  const logs: Record<string, string> = {};
  const step = async (name: string, fn: () => Promise<string>) => {
    const started = performance.now();
    process.stderr.write(`rehearse: ${name} ...\n`);
    const note = await fn();
    steps.push({ name, seconds: (performance.now() - started) / 1000, note });
  };
  const sh = async (file: string, args: string[], extra: NodeJS.ProcessEnv = {}, cwd = ROOT) => {
    const result = await run(file, args, { cwd, env: { ...env, ...extra }, maxBuffer: 64 << 20 }).catch(
      (e) => e,
    );
    const out = `${result.stdout ?? ""}${result.stderr ?? ""}`;
    return { ok: !(result instanceof Error), out };
  };
  const must = async (file: string, args: string[], extra: NodeJS.ProcessEnv = {}, cwd = ROOT) => {
    const { ok, out } = await sh(file, args, extra, cwd);
    if (!ok) throw new RehearsalError(`${file} ${args.join(" ")} failed:\n${out.slice(-6000)}`, 1);
    return out;
  };
  const stateCount = async (stack: string) =>
    (await must("make", ["--no-print-directory", "state", `STACK=${stack}`, "TF_BIN=terraform"]))
      .split("\n")
      .filter((l) => /^(data\.)?aws_\w+\./.test(l)).length;
  const objectCount = async () =>
    Number(
      (
        await must("aws", [
          "s3api",
          "list-objects-v2",
          "--bucket",
          BUCKET,
          "--query",
          "length(Contents || `[]`)",
          "--output",
          "text",
          "--profile",
          ACCOUNTS["account-a"].profile,
        ])
      ).trim(),
    );

  try {
    await step("start emulated accounts", async () => {
      for (const [stack, { id }] of Object.entries(ACCOUNTS)) {
        const port = ports[stack as keyof typeof ACCOUNTS];
        logs[stack] = "";
        const child = spawn(
          PYTHON,
          [join(ROOT, "tools/rehearse/moto-launcher.py"), "--account", id, "--port", String(port)],
          {
            env: { ...env },
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        child.stdout?.on("data", (d) => (logs[stack] += d));
        child.stderr?.on("data", (d) => (logs[stack] += d));
        children.push(child);
        await waitForHttp(`http://127.0.0.1:${port}/moto-api/`, child, () => logs[stack] ?? "");
      }
      return `moto ${Object.entries(ports)
        .map(([s, p]) => `${s} :${p}`)
        .join(", ")}`;
    });
    await step("make synth", async () => {
      await must("make", ["--no-print-directory", "synth"]);
      // The product pins its provider version; the rehearsal uses the mirror's, in override files only.
      for (const stack of Object.keys(ACCOUNTS)) {
        writeFileSync(
          join(work, "cdktf.out", "stacks", stack, "override.tf.json"),
          providerOverride(mirror.version),
        );
      }
      return `hashicorp/aws ${mirror.version} (override.tf.json)`;
    });
    await step("make create-infra TF_BIN=terraform", async () => {
      const out = await must("make", ["--no-print-directory", "create-infra", "TF_BIN=terraform"]);
      const added = [...out.matchAll(/Apply complete! Resources: (\d+) added/g)].map((m) => m[1]);
      return `added ${added.join(" (account-b) + ")} (account-a)`;
    });
    const resources: Record<string, number> = {};
    await step("make state", async () => {
      for (const stack of Object.keys(ACCOUNTS)) resources[stack] = await stateCount(stack);
      return Object.entries(resources)
        .map(([s, n]) => `${s} ${n}`)
        .join(", ");
    });
    await step("generate (aws mode) → deployed Firehose", async () => {
      const out = await must(
        join(ROOT, "node_modules/.bin/tsx"),
        [join(ROOT, "packages/generator/src/cli.ts"), "--count", "2000", "--seed", "1"],
        // The profile's endpoint_url sends the generator to account A's emulator (@kr/aws-clients).
        { KR_MODE: "aws" },
        // The scratch .env (profiles, account ids) is read from the working directory.
        work,
      );
      return out.includes("│ events │") ? "2,000 events" : "sent";
    });
    let objects = 0;
    await step("objects in the deployed bucket", async () => {
      objects = await objectCount();
      if (objects === 0) throw new RehearsalError(`no objects in s3://${BUCKET} after generate`, 1);
      return `${objects} in s3://${BUCKET}`;
    });
    let doctor = "";
    await step("make doctor", async () => {
      // moto answers STS, S3, IAM, Redshift, Lambda and Firehose; it runs no Lambda code and has no
      // cluster to connect to, so the ping (and the table check that reads it) is not checkable here.
      doctor = await must("make", [
        "--no-print-directory",
        "doctor",
        'ARGS=--skip ping --skip-reason "moto runs no Lambda code and has no cluster"',
      ]);
      const summary = doctor.match(/(\d+) passed, (\d+) failed, (\d+) skipped/);
      if (!summary) throw new RehearsalError(`make doctor printed no summary:\n${doctor}`, 1);
      return `${summary[1]} PASS, ${summary[2]} FAIL, ${summary[3]} SKIP`;
    });
    await step("make destroy (bucket holds events)", async () => {
      const { ok, out } = await sh("make", ["--no-print-directory", "destroy", "TF_BIN=terraform"]);
      if (
        ok ||
        !out.includes(`s3://${BUCKET} (account-a) holds ${objects} objects`) ||
        !out.includes("DELETE_EVENTS=1")
      )
        throw new RehearsalError(
          `make destroy should have stopped on the non-empty bucket:\n${out.slice(-4000)}`,
          1,
        );
      const after = await stateCount("account-a");
      if (after !== resources["account-a"])
        throw new RehearsalError(`the stopped destroy changed account-a's state (${after} resources)`, 1);
      return "stopped, nothing changed";
    });
    await step("make destroy DELETE_EVENTS=1", async () => {
      await must("make", ["--no-print-directory", "destroy", "TF_BIN=terraform", "DELETE_EVENTS=1"]);
      const left = (await stateCount("account-a")) + (await stateCount("account-b"));
      if (left !== 0) throw new RehearsalError(`${left} resources left in state after destroy`, 1);
      const buckets = await must("aws", [
        "s3api",
        "list-buckets",
        "--query",
        "length(Buckets)",
        "--output",
        "text",
        "--profile",
        ACCOUNTS["account-a"].profile,
      ]);
      if (buckets.trim() !== "0")
        throw new RehearsalError(`account-a still has ${buckets.trim()} buckets`, 1);
      return "both stacks empty, bucket gone";
    });
    const total = steps.reduce((s, x) => s + x.seconds, 0);
    return [
      "",
      table([
        ["stack", "account", "resources"],
        ...Object.entries(ACCOUNTS).map(([s, { id }]) => [s, id, String(resources[s])]),
      ]),
      "",
      table([
        ["step", "seconds", "result"],
        ...steps.map((s) => [s.name, s.seconds.toFixed(1), s.note]),
        ["total", total.toFixed(1), ""],
      ]),
      "",
      "make doctor against the emulated accounts:",
      doctor.slice(doctor.indexOf("┌")).trimEnd(),
      "",
      `rehearsal passed (scratch: ${work})`,
    ].join("\n");
  } finally {
    for (const child of children) child.kill("SIGTERM");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  rehearse().then(
    (summary) => console.log(summary),
    (error: unknown) => {
      if (error instanceof RehearsalError) {
        console.error(`rehearse: ${error.message}`);
        process.exit(error.exitCode);
      }
      console.error("rehearse:", error);
      process.exit(1);
    },
  );
}
