import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import type { BenchOptions } from "./args";
import type { BenchConfig } from "./config";
import type { Progress } from "./log";
import { describeMachine } from "./machine";
import { startProfiler } from "./profile";
import { Figures, type ResultsJson, type SectionName, toResultsJson } from "./results";
import { measureBacklog } from "./sections/backlog";
import type { SectionContext } from "./sections/context";
import { measureCopyStatements } from "./sections/copy-statements";
import { measureGenerator } from "./sections/generator";
import { measureLambda } from "./sections/lambda";
import { measureLoader } from "./sections/loader";
import { measureSynth } from "./sections/synth";
import { formatMarkdown, formatTable } from "./table";

type Section = (context: SectionContext, figures: Figures) => Promise<void>;

const RUNNERS: Record<SectionName, Section> = {
  loader: measureLoader,
  backlog: measureBacklog,
  generator: measureGenerator,
  "copy-statements": measureCopyStatements,
  lambda: measureLambda,
  synth: measureSynth,
};

export interface BenchRun {
  figures: Figures;
  results: ResultsJson;
  table: string;
  markdown: string;
  outPath: string;
}

/**
 * Runs the chosen sections one after the other (never in parallel: they would measure each other),
 * writes results.json and returns the table. A section that fails leaves its figures null with the
 * reason; the run itself does not fail.
 */
export async function runBench(
  options: BenchOptions,
  config: BenchConfig,
  progress: Progress,
): Promise<BenchRun> {
  const started = performance.now();
  const date = new Date();
  const loadAtStart = loadavg();
  const figures = new Figures();
  const context: SectionContext = {
    options,
    config,
    progress,
    backend: config.pgUrl ? "PostgreSQL server (PG_URL)" : "PGlite (embedded, socket server)",
  };
  for (const section of Object.keys(RUNNERS) as SectionName[]) {
    if (!options.sections.includes(section)) {
      figures.missSection(section, "section not run (--only)");
      continue;
    }
    progress(`── ${section}`);
    const profiler = options.profile ? await startProfiler() : undefined;
    try {
      await RUNNERS[section](context, figures);
    } catch (error) {
      const message = (error as Error).message.split("\n")[0] ?? String(error);
      progress(`${section}: failed: ${(error as Error).stack ?? message}`);
      figures.missSection(section, `${section} section failed: ${message}`);
    } finally {
      if (profiler && options.profile) {
        const file = await profiler.stop(options.profile, section);
        progress(`${section}: CPU profile of the bench process in ${file}`);
      }
    }
    figures.missSection(section, "not reported by this section");
  }
  const results = toResultsJson(figures, date, describeMachine(context.backend, loadAtStart), {
    events: options.events,
    repetitions: options.repetitions,
    sections: options.sections,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  });
  const outPath = resolve(options.out);
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, `${JSON.stringify(results, null, 2)}\n`);
  progress(`wrote ${outPath}`);
  return {
    figures,
    results,
    table: formatTable(figures, results),
    markdown: formatMarkdown(figures, results),
    outPath,
  };
}
