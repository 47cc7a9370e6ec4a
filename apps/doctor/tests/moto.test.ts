// The doctor against two emulated accounts (moto_server, one per account id) reached only through the
// profiles' endpoint_url, as a user's real profiles would be: the failing paths that cost nothing to
// set up (a profile signed in to the other account, nothing deployed yet), with their exit codes.
// The deployed, passing case is `make rehearse` (tools/tests/rehearse.test.ts).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type MotoServer, startMotoServer } from "@kr/local-aws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runDoctor } from "../src/cli-main";
import type { DoctorReport } from "../src/report";

let a: MotoServer;
let b: MotoServer;

beforeAll(async () => {
  [a, b] = await Promise.all([
    startMotoServer({ accountId: "111111111111" }),
    startMotoServer({ accountId: "222222222222" }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "kr-doctor-"));
  const profile = (name: string, endpoint: string) =>
    [
      `[profile ${name}]`,
      "region = eu-west-1",
      `endpoint_url = ${endpoint}`,
      "aws_access_key_id = t",
      "aws_secret_access_key = t",
      "",
    ].join("\n");
  writeFileSync(
    join(dir, "config"),
    [
      profile("kr-ingest", a.endpoint),
      profile("kr-warehouse", b.endpoint),
      profile("wrong", b.endpoint),
    ].join("\n"),
  );
  writeFileSync(join(dir, "credentials"), "");
  vi.stubEnv("AWS_CONFIG_FILE", join(dir, "config"));
  vi.stubEnv("AWS_SHARED_CREDENTIALS_FILE", join(dir, "credentials"));
  for (const name of [
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
  ])
    vi.stubEnv(name, undefined);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([a?.close(), b?.close()]);
});

const ENV = {
  ACCOUNT_A_ID: "111111111111",
  ACCOUNT_B_ID: "222222222222",
  ACCOUNT_A_PROFILE: "kr-ingest",
  ACCOUNT_B_PROFILE: "kr-warehouse",
};

async function doctor(argv: string[], env: Record<string, string>) {
  let stdout = "";
  let stderr = "";
  const code = await runDoctor(argv, {
    stdout: {
      write(s) {
        stdout += s;
        return true;
      },
    },
    stderr: {
      write(s) {
        stderr += s;
        return true;
      },
    },
    env: () => env,
  });
  return { code, stdout, stderr };
}

describe("doctor against emulated accounts", () => {
  it("nothing deployed: the profiles pass, every resource fails with make create-infra, exit 1", async () => {
    const { code, stdout } = await doctor(["--json", "--skip", "ping", "--skip-reason", "test"], ENV);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as DoctorReport;
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({
      "account-a": "pass",
      "account-b": "pass",
      region: "fail",
      "bucket-policy": "fail",
      roles: "fail",
      cluster: "fail",
      "copy-role": "fail",
      loader: "fail",
      ping: "skip",
      tables: "skip",
      "firehose-events": "fail",
    });
    const check = (id: string) => report.checks.find((c) => c.id === id);
    expect(check("account-a")?.detail).toBe("profile kr-ingest → 111111111111");
    expect(check("region")).toMatchObject({
      detail: "bucket kr-events-111111111111 does not exist in account A",
      fix: "deploy with make create-infra (account-b, then account-a)",
    });
    expect(check("roles")?.detail).toBe("role kr-loader and kr-redshift-copy does not exist in account B");
    expect(check("cluster")?.detail).toBe("cluster kr-warehouse does not exist in eu-west-1");
    expect(check("loader")?.detail).toBe("function kr-loader does not exist in eu-west-1");
  });

  it("a profile signed in to the other account: FAIL with the fix, and that account's checks are not run", async () => {
    const { code, stdout } = await doctor([], { ...ENV, ACCOUNT_A_PROFILE: "wrong" });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /│ ingest profile is account A\s*│ FAIL\s*│ profile wrong signs in to account 222222222222/,
    );
    const json = JSON.parse(
      (await doctor(["--json"], { ...ENV, ACCOUNT_A_PROFILE: "wrong" })).stdout,
    ) as DoctorReport;
    expect(json.checks[0]).toEqual({
      id: "account-a",
      name: "ingest profile is account A",
      status: "fail",
      detail: "profile wrong signs in to account 222222222222, not ACCOUNT_A_ID 111111111111",
      fix: "point ACCOUNT_A_PROFILE at a profile of account 111111111111, or correct ACCOUNT_A_ID",
    });
    for (const id of ["region", "bucket-policy", "firehose-events", "delivery-utm"])
      expect(json.checks.find((c) => c.id === id)).toMatchObject({
        status: "skip",
        detail: "not run: account-a failed",
      });
  });

  it("bad settings or options: exit 2 before anything is asked", async () => {
    const missing = await doctor([], { ACCOUNT_A_PROFILE: "kr-ingest" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      "ACCOUNT_A_ID is required: the doctor checks the deployed ingest account",
    );
    expect(missing.stderr).toContain("ACCOUNT_B_ID is required");
    const unknown = await doctor(["--skip", "pong"], ENV);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--skip: unknown check pong");
    expect((await doctor(["--nope"], ENV)).code).toBe(2);
    expect((await doctor(["--help"], ENV)).stdout).toContain("Exit codes: 0 nothing failed");
  });
});
