// Overlapping loads at once (a scheduled run and a manual range, or a re-import) queue on the
// per-stream lock; the ledger check under the lock and the key-based merge keep every event once.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LoadReport, runLoad } from "../src/index";
import { hourAt, writeDataset } from "./helpers/data";
import { BUCKET, startStack, type TestStack, warehouseState } from "./helpers/stack";

let stack: TestStack;
let ids: Record<string, Set<string>>;
beforeAll(async () => {
  stack = await startStack();
  const hours = ["05", "06", "07", "08"].map((h) => hourAt(`2026-12-10T${h}`));
  ({ ids } = await writeDataset(stack.s3Client, BUCKET, ["events", "utm"], hours, {
    filesPerHour: 3,
    perFile: 50,
    seed: 9,
  }));
});
afterAll(() => stack.close());

async function load(request: Parameters<typeof runLoad>[1]): Promise<LoadReport> {
  const config = stack.config();
  const deps = stack.deps(config);
  return runLoad(config, request, deps).finally(() => deps.close());
}

async function expectExactlyOnce() {
  for (const stream of ["events", "utm"] as const) {
    const rows = await stack.query<{ event_id: string }>(`SELECT event_id FROM public.${stream}`);
    expect(rows.length).toBe(ids[stream]?.size);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(ids[stream]);
  }
  const state = await warehouseState(stack);
  expect(state.ledgerFiles).toBe(24);
  expect(state.ledgerDistinct).toBe(24);
}

it("two overlapping ranges loaded at the same time: each file loaded by exactly one of them", async () => {
  const [a, b] = await Promise.all([
    load({ from: "2026-12-10T05", to: "2026-12-10T07" }),
    load({ from: "2026-12-10T06", to: "2026-12-10T08" }),
  ]);
  await expectExactlyOnce();
  for (const stream of ["events", "utm"]) {
    const [fromA = 0, fromB = 0] = [a, b].map((r) => r.streams.find((s) => s.stream === stream)?.files ?? 0);
    expect(fromA + fromB).toBe(12);
  }
  expect(a.totals.inserted + b.totals.inserted).toBe(1200);
  expect(a.totals.replaced + b.totals.replaced).toBe(0);
});

it("a re-import overlapping a catch-up load: still exactly once, one ledger row per file", async () => {
  const before = await warehouseState(stack);
  const [reimport, again] = await Promise.all([
    load({ from: "2026-12-10T05", to: "2026-12-10T08", reimport: true }),
    load({ from: "2026-12-10T05", to: "2026-12-10T08" }),
  ]);
  // Every row is identical to the table's: the re-import replaces none and writes nothing to the table.
  expect(reimport.totals).toMatchObject({ files: 24, inserted: 0, replaced: 0, unchanged: 1200 });
  expect(again.totals).toMatchObject({ files: 0, inserted: 0 });
  await expectExactlyOnce();
  expect((await warehouseState(stack)).batches).toBe(before.batches + 2);
});
