import { readFile } from "node:fs/promises";
import { parseBenchArgs, USAGE, UsageError } from "./args";
import { BenchConfigError, loadBenchConfig } from "./config";
import { stderrProgress } from "./log";
import { figuresFromJson, RESULTS_HINT, type ResultsJson, readResults } from "./results";
import { runBench } from "./run";
import { formatSpread } from "./spread";
import { formatMarkdown, formatTable } from "./table";

// `pnpm run bench`: parse flags → run the sections → print the table. Exit 0 whatever the figures;
// 2 for a usage or configuration error; 1 only if the bench itself crashes.
// The AWS SDK warns once per process that Node 20 support ends in 2027; it says nothing about the run.
process.removeAllListeners("warning");
process.on("warning", (warning) => {
  if (warning.name !== "NodeVersionSupportWarning")
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseBenchArgs>;
  try {
    parsed = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let config: ReturnType<typeof loadBenchConfig>;
  try {
    config = loadBenchConfig();
  } catch (error) {
    if (error instanceof BenchConfigError) {
      process.stderr.write(`bench: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const { help: _help, ...options } = parsed;
  if (options.tableFrom) {
    const runs: ResultsJson[] = [];
    for (const file of options.tableFrom) {
      try {
        const text = await readFile(file, "utf8").catch((error: Error) => {
          throw new Error(`cannot read ${file}: ${error.message} — ${RESULTS_HINT}`);
        });
        runs.push(readResults(text, file));
      } catch (error) {
        process.stderr.write(`bench: ${(error as Error).message}\n`);
        return 2;
      }
    }
    const [only] = runs;
    if (runs.length === 1 && only) {
      const figures = figuresFromJson(only);
      process.stdout.write(options.markdown ? formatMarkdown(figures, only) : formatTable(figures, only));
    } else {
      process.stdout.write(formatSpread(runs, { markdown: options.markdown }));
    }
    return 0;
  }
  const run = await runBench(options, config, stderrProgress());
  process.stdout.write(options.markdown ? run.markdown : run.table);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench crashed: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
