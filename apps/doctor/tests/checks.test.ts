// The checks' decisions, each from facts a port hands them: what passes, what fails with which fix,
// what is skipped and why. (The same checks against real endpoints: moto.test.ts and `make rehearse`.)
import { describe, expect, it } from "vitest";
import { allowedPrincipals, checksFor, type DoctorPort, runChecks } from "../src/checks";
import { loadDoctorConfig } from "../src/config";
import { doctorReport, formatDoctorTable } from "../src/report";

const config = loadDoctorConfig({
  ACCOUNT_A_ID: "111111111111",
  ACCOUNT_B_ID: "222222222222",
  ACCOUNT_A_PROFILE: "kr-ingest",
  ACCOUNT_B_PROFILE: "kr-warehouse",
});
const NOW = new Date("2026-12-02T10:30:00Z");
const policy = JSON.stringify({
  Statement: [
    {
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Effect: "Allow",
      Principal: {
        AWS: ["arn:aws:iam::222222222222:role/kr-loader", "arn:aws:iam::222222222222:role/kr-redshift-copy"],
      },
      Action: "s3:ListBucket",
    },
  ],
});

/** A healthy deployment; each test breaks one thing. */
function healthy(overrides: Partial<DoctorPort> = {}): DoctorPort {
  return {
    accountOf: async (a) => a.id,
    bucketRegion: async () => "eu-west-1",
    bucketPolicy: async () => ({ bucket: true, policy }),
    roleArn: async (name) => `arn:aws:iam::222222222222:role/${name}`,
    cluster: async () => ({
      status: "available",
      publiclyAccessible: false,
      iamRoles: [{ arn: "arn:aws:iam::222222222222:role/kr-redshift-copy", applyStatus: "in-sync" }],
      defaultIamRoleArn: "arn:aws:iam::222222222222:role/kr-redshift-copy",
    }),
    loaderFunction: async () => ({
      state: "Active",
      vpcId: "vpc-1",
      subnetIds: ["s-1", "s-2"],
      securityGroupIds: ["sg-1"],
    }),
    ping: async () => ({
      selectOne: true,
      connectMs: 180,
      queryMs: 4,
      tables: { "public.events": true, "public.utm": true },
      ledger: true,
    }),
    deliveryStream: async () => ({ status: "ACTIVE", bucketArn: "arn:aws:s3:::kr-events-111111111111" }),
    newestObject: async (prefixes) => ({
      key: `${prefixes[0]}kr-events-1-2026-12-02-10-20-00-abc.gz`,
      lastModified: new Date("2026-12-02T10:20:00Z"),
    }),
    ...overrides,
  };
}

const run = (port: DoctorPort, options = {}) =>
  runChecks(checksFor(config), config, port, { now: NOW, ...options });
const byId = async (port: DoctorPort, options = {}) =>
  new Map((await run(port, options)).map((r) => [r.id, r]));

describe("a healthy deployment", () => {
  it("passes every check, in the reported order", async () => {
    const results = await run(healthy());
    expect(results.map((r) => `${r.id} ${r.status}`)).toEqual([
      "account-a pass",
      "account-b pass",
      "region pass",
      "bucket-policy pass",
      "roles pass",
      "cluster pass",
      "copy-role pass",
      "loader pass",
      "ping pass",
      "tables pass",
      "firehose-events pass",
      "delivery-events pass",
      "firehose-utm pass",
      "delivery-utm pass",
    ]);
    expect(results.find((r) => r.id === "ping")?.detail).toBe(
      "SELECT 1 in 4 ms; secret + connect 180 ms (kr-loader)",
    );
    expect(results.find((r) => r.id === "delivery-events")?.detail).toBe(
      "events/2026/12/02/10/kr-events-1-2026-12-02-10-20-00-abc.gz (10 min old)",
    );
    const report = doctorReport(results);
    expect(report).toMatchObject({ ok: true, counts: { pass: 14, fail: 0, skip: 0 } });
    expect(formatDoctorTable(report)).toContain("14 passed, 0 failed, 0 skipped");
  });

  it("looks for deliveries in the hour prefixes the window covers", async () => {
    const asked: string[][] = [];
    await run(
      healthy({
        newestObject: async (p) => {
          asked.push([...p]);
          return undefined;
        },
      }),
      {
        deliveryMaxAgeMinutes: 90,
      },
    );
    expect(asked[0]).toEqual(["events/2026/12/02/10/", "events/2026/12/02/09/", "events/2026/12/02/08/"]);
  });
});

describe("what fails, and the fix it names", () => {
  it("a profile signed in to another account fails, and the checks of that account do not run", async () => {
    const results = await byId(
      healthy({ accountOf: async (a) => (a.which === "A" ? "999999999999" : a.id) }),
    );
    expect(results.get("account-a")).toMatchObject({
      status: "fail",
      detail: "profile kr-ingest signs in to account 999999999999, not ACCOUNT_A_ID 111111111111",
      fix: "point ACCOUNT_A_PROFILE at a profile of account 111111111111, or correct ACCOUNT_A_ID",
    });
    for (const id of ["region", "bucket-policy", "firehose-events", "delivery-utm"])
      expect(results.get(id)).toMatchObject({ status: "skip", detail: "not run: account-a failed" });
    expect(results.get("cluster")?.status).toBe("pass");
  });

  it("credentials that do not work fail with how to sign in", async () => {
    const denied = Object.assign(new Error("The security token included in the request is invalid."), {
      name: "InvalidClientTokenId",
      $metadata: { httpStatusCode: 403 },
    });
    const results = await byId(healthy({ accountOf: async () => Promise.reject(denied) }));
    expect(results.get("account-b")).toMatchObject({
      status: "fail",
      detail: "InvalidClientTokenId: The security token included in the request is invalid. (HTTP 403)",
      fix: expect.stringContaining("aws sso login --profile kr-warehouse"),
    });
  });

  it("a bucket policy without B's roles fails (e.g. account-a applied before account-b's roles were recreated)", async () => {
    const stale = JSON.stringify({
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: ["AROAEXAMPLE1", "arn:aws:iam::222222222222:role/kr-redshift-copy"] },
        },
      ],
    });
    const results = await byId(healthy({ bucketPolicy: async () => ({ bucket: true, policy: stale }) }));
    expect(results.get("bucket-policy")).toMatchObject({
      status: "fail",
      detail:
        "the policy does not allow arn:…:iam::222222222222:role/kr-loader (it names deleted roles AROAEXAMPLE1)",
      fix: expect.stringContaining("apply account-a after account-b"),
    });
  });

  it("missing resources fail with make create-infra", async () => {
    const results = await byId(
      healthy({
        bucketRegion: async () => undefined,
        bucketPolicy: async () => ({ bucket: false }),
        roleArn: async () => undefined,
        cluster: async () => undefined,
        loaderFunction: async () => undefined,
        deliveryStream: async () => undefined,
      }),
    );
    for (const id of [
      "region",
      "bucket-policy",
      "roles",
      "cluster",
      "copy-role",
      "loader",
      "firehose-events",
    ])
      expect(results.get(id)?.fix, id).toContain("make create-infra");
    expect(results.get("ping")).toMatchObject({ status: "skip", detail: "not run: loader failed" });
    expect(results.get("tables")).toMatchObject({ status: "skip", detail: "not run: ping skipped" });
  });

  it("a public, paused or role-less cluster fails", async () => {
    const cluster = (c: object) =>
      healthy({
        cluster: async () => ({ status: "available", publiclyAccessible: false, iamRoles: [], ...c }),
      });
    expect((await byId(cluster({ publiclyAccessible: true }))).get("cluster")).toMatchObject({
      status: "fail",
      detail: "kr-warehouse is publicly accessible",
    });
    expect((await byId(cluster({ status: "paused" }))).get("cluster")?.fix).toContain("resume-cluster");
    expect((await byId(cluster({}))).get("copy-role")?.detail).toBe(
      "kr-redshift-copy is not attached to kr-warehouse",
    );
    const notDefault = await byId(
      cluster({
        iamRoles: [{ arn: "arn:aws:iam::222222222222:role/kr-redshift-copy", applyStatus: "in-sync" }],
      }),
    );
    expect(notDefault.get("copy-role")?.detail).toBe(
      "the cluster's default role is not set, not kr-redshift-copy (COPY … IAM_ROLE default uses it)",
    );
  });

  it("a loader outside the VPC, a failed ping and missing tables fail with their fixes", async () => {
    const outside = await byId(
      healthy({ loaderFunction: async () => ({ subnetIds: [], securityGroupIds: [] }) }),
    );
    expect(outside.get("loader")?.detail).toContain("is not in a VPC");
    const timeout = Object.assign(new Error("cannot connect to the warehouse at kr-warehouse…: timeout"), {
      name: "LoadFailedError",
    });
    const unreachable = await byId(healthy({ ping: async () => Promise.reject(timeout) }));
    expect(unreachable.get("ping")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("security group admits the loader"),
    });
    const noTables = await byId(
      healthy({
        ping: async () => ({
          selectOne: true,
          connectMs: 1,
          queryMs: 1,
          tables: { "public.events": true, "public.utm": false },
          ledger: false,
        }),
      }),
    );
    expect(noTables.get("tables")).toMatchObject({
      status: "fail",
      detail: "missing: public.utm, the ledger (loader.loaded_files)",
      fix: "make create-redshift-tables",
    });
  });

  it("a stale or missing delivery fails; an inactive stream or another bucket fails", async () => {
    const old = await byId(
      healthy({
        newestObject: async () => ({ key: "events/x.gz", lastModified: new Date("2026-12-02T08:00:00Z") }),
      }),
    );
    expect(old.get("delivery-events")).toMatchObject({
      status: "fail",
      detail: "newest object events/x.gz is 150 min old (> 60 min)",
    });
    const none = await byId(healthy({ newestObject: async () => undefined }));
    expect(none.get("delivery-utm")?.detail).toBe(
      "no object under s3://kr-events-111111111111/utm/ in the last 2 hours",
    );
    const creating = await byId(healthy({ deliveryStream: async () => ({ status: "CREATING" }) }));
    expect(creating.get("firehose-events")?.detail).toBe("kr-events is CREATING");
    const elsewhere = await byId(
      healthy({ deliveryStream: async () => ({ status: "ACTIVE", bucketArn: "arn:aws:s3:::other" }) }),
    );
    expect(elsewhere.get("firehose-utm")?.status).toBe("fail");
  });
});

describe("not checkable here", () => {
  it("--skip reports the check as not checkable, with the reason, and what needs it as not run; nothing fails", async () => {
    const results = await byId(
      healthy({ ping: async () => Promise.reject(new Error("must not be called")) }),
      {
        skip: new Set(["ping"]),
        skipReason: "the emulator runs no Lambda code",
      },
    );
    expect(results.get("ping")).toMatchObject({
      status: "skip",
      detail: "not checkable here: the emulator runs no Lambda code",
    });
    expect(results.get("tables")).toMatchObject({ status: "skip", detail: "not run: ping skipped" });
    expect(doctorReport([...results.values()]).ok).toBe(true);
  });
});

describe("allowedPrincipals", () => {
  it("reads single and list principals of Allow statements only", () => {
    expect(
      allowedPrincipals(
        JSON.stringify({
          Statement: { Effect: "Allow", Principal: { AWS: "arn:aws:iam::1:role/a" } },
        }),
      ),
    ).toEqual(["arn:aws:iam::1:role/a"]);
    expect(allowedPrincipals(policy)).toEqual([
      "arn:aws:iam::222222222222:role/kr-loader",
      "arn:aws:iam::222222222222:role/kr-redshift-copy",
    ]);
  });
});
