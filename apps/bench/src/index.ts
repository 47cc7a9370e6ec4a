export { type BenchOptions, parseBenchArgs, USAGE, UsageError } from "./args";
export { type BenchConfig, BenchConfigError, loadBenchConfig } from "./config";
export { silentProgress, stderrProgress } from "./log";
export { Figures, METRICS, type ResultsJson, SECTIONS, type SectionName } from "./results";
export { type BenchRun, runBench } from "./run";
