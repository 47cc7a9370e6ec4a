// A backlog drained by budget-bounded runs against one unbounded batch of the same data: how many
// runs it takes, how far the worst run went past its budget, and what the bounds cost in throughput.
import { join } from "node:path";
import { createRuntimeDeps, createTables, type LoadReport, loadConfig, runLoad } from "@kr/loader";
import pg from "pg";
import { buildDataset } from "../data";
import type { Figures } from "../results";
import { startStandIns } from "../stand-ins";
import { loaderEnv, openBenchWarehouse } from "../warehouse";
import type { SectionContext } from "./context";
import { uploadObjects } from "./loader";

const BUCKET = "kr-bench";
/** Runs the drain may take before the bench gives up on it. */
const MAX_RUNS = 100;

export async function measureBacklog(context: SectionContext, figures: Figures): Promise<void> {
  const { options, progress } = context;
  const dataset = buildDataset(options.events);
  const standIns = await startStandIns(
    { bucket: BUCKET },
    options.profile && join(options.profile, "backlog-stand-ins"),
  );
  try {
    await uploadObjects(standIns, dataset);
    const warehouse = await openBenchWarehouse(context.config, standIns);
    context.backend = warehouse.describe;
    const admin = new pg.Client(warehouse.url);
    await admin.connect();
    try {
      const env = loaderEnv(warehouse.url, standIns.s3Endpoint, BUCKET);
      const request = { from: dataset.from, to: dataset.to, streams: ["events"] };
      const run = async (settings: Record<string, string>): Promise<LoadReport> => {
        const config = loadConfig({ ...env, ...settings });
        const deps = createRuntimeDeps(config);
        try {
          return await runLoad(config, request, deps);
        } finally {
          deps.close();
        }
      };
      const setup = createRuntimeDeps(loadConfig(env));
      await createTables(loadConfig(env), { streams: ["events"] }, setup);
      setup.close();

      // One unbounded batch: every object in one COPY-equivalent, no budget.
      const unbounded = await run({
        LOAD_BATCH_MAX_BYTES: String(64 * 1024 ** 3),
        LOAD_BATCH_MAX_FILES: "100000",
        LOAD_TIME_BUDGET_SECONDS: "0",
      });
      const unboundedS = unbounded.durationMs / 1000;
      progress(
        `backlog: one unbounded batch of ${unbounded.totals.files} objects in ${unboundedS.toFixed(2)} s`,
      );

      // The same backlog again (the batch history stays, as on a loader that has run before), drained
      // by runs with a budget of about a third of that, in batches of a quarter of the objects.
      await admin.query("TRUNCATE public.events, loader.loaded_files");
      const budgetS = Math.max(1, Math.ceil(unboundedS / 3));
      const batchFiles = Math.max(1, Math.ceil(dataset.objects.length / 4));
      const runs: LoadReport[] = [];
      while (runs.length < MAX_RUNS) {
        const report = await run({
          LOAD_TIME_BUDGET_SECONDS: String(budgetS),
          LOAD_BATCH_MAX_FILES: String(batchFiles),
        });
        runs.push(report);
        progress(
          `backlog: run ${runs.length} (budget ${budgetS} s): ${report.totals.files} objects in ${(report.durationMs / 1000).toFixed(2)} s, ${report.pending.files} pending`,
        );
        if (report.pending.files === 0) break;
        if (report.totals.files === 0)
          throw new Error("a budgeted run loaded nothing: its first batch does not fit");
      }
      const drainedS = runs.reduce((n, r) => n + r.durationMs, 0) / 1000;
      const worstOverS = Math.max(...runs.map((r) => r.durationMs / 1000 - budgetS));
      const { rows } = await admin.query<{ n: string; d: string }>(
        "SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM public.events",
      );
      if (Number(rows[0]?.n) !== dataset.records || Number(rows[0]?.d) !== dataset.records) {
        figures.notes.push(
          `backlog: after the drain public.events holds ${rows[0]?.n} rows (${rows[0]?.d} distinct), expected ${dataset.records}`,
        );
      }
      figures.set("loader.backlog.invocations", runs.length);
      figures.set("loader.backlog.max_invocation_s_over_budget", worstOverS);
      figures.set("loader.backlog.throughput_ratio", unboundedS / drainedS);
      figures.notes.push(
        `backlog: ${dataset.objects.length} objects, one unbounded batch ${unboundedS.toFixed(2)} s; drained in ${runs.length} runs of ≤ ${budgetS} s budget, batches of ≤ ${batchFiles} objects, ${drainedS.toFixed(2)} s in total`,
      );
    } finally {
      await admin.end().catch(() => {});
      await warehouse.close();
    }
  } finally {
    await standIns.close();
  }
}
