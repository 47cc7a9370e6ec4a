// A backlog drained by budget-bounded runs against one unbounded batch of the same data: how many
// runs it takes, how far the worst run went past its budget, and what the bounds cost in throughput.
import { join } from "node:path";
import { createRuntimeDeps, createTables, type LoadReport, loadConfig, runLoad } from "@kr/loader";
import pg from "pg";
import { type BenchDataset, buildDataset } from "../data";
import type { Figures } from "../results";
import { type StandIns, startStandIns } from "../stand-ins";
import { median } from "../stats";
import { loaderEnv, openBenchWarehouse, settle } from "../warehouse";
import type { SectionContext } from "./context";
import { uploadObjects } from "./loader";

const BUCKET = "kr-bench";
/** Runs the drain may take before the bench gives up on it. */
const MAX_RUNS = 100;

export async function measureBacklog(context: SectionContext, figures: Figures): Promise<void> {
  const { options } = context;
  const dataset = buildDataset(options.events);
  const standIns = await startStandIns(
    { bucket: BUCKET },
    options.profile && join(options.profile, "backlog-stand-ins"),
  );
  try {
    await uploadObjects(standIns, dataset);
    // Each repetition on a fresh database; the figures are medians (the worst overrun: the maximum),
    // since one unbounded batch measured once made the ratio swing with the machine's load.
    const results: Repetition[] = [];
    for (let rep = 1; rep <= options.repetitions; rep++) {
      results.push(await repetition(context, standIns, dataset, `backlog ${rep}/${options.repetitions}`));
    }
    const ratios = results.map((r) => r.unboundedS / r.drainedS);
    figures.set("loader.backlog.invocations", median(results.map((r) => r.runs)));
    figures.set("loader.backlog.max_invocation_s_over_budget", Math.max(...results.map((r) => r.worstOverS)));
    figures.set("loader.backlog.throughput_ratio", median(ratios));
    for (const r of results) if (r.note) figures.notes.push(r.note);
    figures.notes.push(
      `backlog: ${dataset.objects.length} objects; per repetition: ${results
        .map(
          (r) =>
            `one unbounded batch ${r.unboundedS.toFixed(2)} s, drained in ${r.runs} runs of ≤ ${r.budgetS} s budget (batches of ≤ ${r.batchFiles} objects) ${r.drainedS.toFixed(2)} s`,
        )
        .join("; ")}; throughput ratios ${ratios.map((x) => x.toFixed(2)).join(", ")} (median reported)`,
    );
  } finally {
    await standIns.close();
  }
}

interface Repetition {
  unboundedS: number;
  drainedS: number;
  runs: number;
  worstOverS: number;
  budgetS: number;
  batchFiles: number;
  note?: string;
}

async function repetition(
  context: SectionContext,
  standIns: StandIns,
  dataset: BenchDataset,
  tag: string,
): Promise<Repetition> {
  const { progress } = context;
  {
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
      await settle(admin, warehouse);
      const unbounded = await run({
        LOAD_BATCH_MAX_BYTES: String(64 * 1024 ** 3),
        LOAD_BATCH_MAX_FILES: "100000",
        LOAD_TIME_BUDGET_SECONDS: "0",
      });
      const unboundedS = unbounded.durationMs / 1000;
      progress(
        `${tag}: one unbounded batch of ${unbounded.totals.files} objects in ${unboundedS.toFixed(2)} s`,
      );

      // The same backlog again (the batch history stays, as on a loader that has run before), drained
      // by runs with a budget of about a third of that, in batches of a quarter of the objects.
      await admin.query("TRUNCATE public.events, loader.loaded_files");
      await settle(admin, warehouse);
      // A third, to a tenth of a second (LOAD_TIME_BUDGET_SECONDS takes fractions). Whole seconds made
      // it a third or two thirds depending on which side of 3 s the unbounded batch fell.
      const budgetS = Math.max(0.5, Math.round((unboundedS / 3) * 10) / 10);
      const batchFiles = Math.max(1, Math.ceil(dataset.objects.length / 4));
      const runs: LoadReport[] = [];
      while (runs.length < MAX_RUNS) {
        const report = await run({
          LOAD_TIME_BUDGET_SECONDS: String(budgetS),
          LOAD_BATCH_MAX_FILES: String(batchFiles),
        });
        runs.push(report);
        progress(
          `${tag}: run ${runs.length} (budget ${budgetS} s): ${report.totals.files} objects in ${(report.durationMs / 1000).toFixed(2)} s, ${report.pending.files} pending`,
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
      const exact = Number(rows[0]?.n) === dataset.records && Number(rows[0]?.d) === dataset.records;
      return {
        unboundedS,
        drainedS,
        runs: runs.length,
        worstOverS,
        budgetS,
        batchFiles,
        ...(!exact && {
          note: `${tag}: after the drain public.events holds ${rows[0]?.n} rows (${rows[0]?.d} distinct), expected ${dataset.records}`,
        }),
      };
    } finally {
      await admin.end().catch(() => {});
      await warehouse.close();
    }
  }
}
