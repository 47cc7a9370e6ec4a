// Readers wait at most for the merge, never for the COPY: the batch stages before it locks. Checked
// with both statement sequences — Redshift's (whose LOCK is ACCESS EXCLUSIVE, so a reader would wait
// behind it) and PostgreSQL's — by holding the stage step open and reading the table meanwhile.
// Needs the PostgreSQL server (PG_URL): PGlite runs one transaction at a time for all connections, so
// there every reader waits for any open transaction.

import { makeRecords } from "@kr/test-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPostgresDriver,
  createRedshiftDriver,
  runLoad,
  type StageRequest,
  type WarehouseDriver,
} from "../src/index";
import { hourAt, putObject } from "./helpers/data";
import { emulatedRawLinesCopy, runningRedshiftDdl } from "./helpers/redshift";
import { createRedshiftStandIns } from "./helpers/redshift-stand-ins";
import { BUCKET, MANIFEST_BUCKET, startStack, type TestStack } from "./helpers/stack";

describe.runIf(process.env.PG_URL)("a reader during a load's COPY (PostgreSQL server)", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
    await createRedshiftStandIns(stack);
  });
  afterAll(() => stack?.close());

  /** Wraps a driver so its stage step waits for `open` before moving any bytes. */
  function gated(inner: WarehouseDriver, stageWith: WarehouseDriver["stage"]) {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const state = { copying: false };
    const stage = async (request: StageRequest) => {
      state.copying = true;
      await gate;
      try {
        return await stageWith(request);
      } finally {
        state.copying = false;
      }
    };
    return { driver: { ...inner, stage }, state, open };
  }

  for (const dialect of ["redshift", "postgres"] as const) {
    it(`${dialect} sequence: SELECT count(*) FROM public.events returns while the COPY is still running`, async () => {
      const hour = hourAt(dialect === "redshift" ? "2026-12-08T10" : "2026-12-08T11");
      const from = dialect === "redshift" ? "2026-12-08T10" : "2026-12-08T11";
      await putObject(
        stack.s3Client,
        BUCKET,
        "events",
        hour,
        makeRecords("events", hour, 200, dialect === "redshift" ? 900 : 901),
      );
      // A committed row first, so the reader has something to count.
      const [{ count: before } = { count: "0" }] = await stack.query<{ count: string }>(
        "SELECT count(*) FROM public.events",
      );
      const config = stack.config({ LOAD_STALE_SESSION_SECONDS: "0" });
      const deps = stack.deps(config);
      const postgres = createPostgresDriver({ s3: deps.s3, bucket: BUCKET, concurrency: 2 });
      const base =
        dialect === "redshift"
          ? createRedshiftDriver({
              manifestS3: stack.s3Client,
              manifestBucket: MANIFEST_BUCKET,
              sourceBucket: BUCKET,
              iamRoles: "default",
              copyStep: emulatedRawLinesCopy(deps.s3),
            })
          : postgres;
      const { driver, state, open } = gated(base, base.stage.bind(base));
      const connect = dialect === "redshift" ? runningRedshiftDdl(deps.connect) : deps.connect;
      const loading = runLoad(config, { from, streams: ["events"] }, { ...deps, connect, driver });
      try {
        let settled = false;
        void loading.finally(() => {
          settled = true;
        });
        while (!state.copying && !settled) await new Promise((r) => setTimeout(r, 5));
        if (!state.copying) await loading; // surfaces why the load ended before its COPY
        expect(state.copying).toBe(true);
        const started = performance.now();
        const rows = await stack.query<{ count: string }>("SELECT count(*) FROM public.events");
        const waitedMs = performance.now() - started;
        // The COPY has not even started moving bytes, and the reader already has its answer.
        expect(state.copying).toBe(true);
        expect(rows).toEqual([{ count: before }]);
        console.info(`${dialect}: reader waited ${waitedMs.toFixed(1)} ms during the COPY`);
      } finally {
        open();
      }
      const report = await loading.finally(() => deps.close());
      expect(report.streams[0]).toMatchObject({ status: "loaded", inserted: 200 });
    });
  }
});
