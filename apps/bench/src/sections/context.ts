import type { BenchOptions } from "../args";
import type { BenchConfig } from "../config";
import type { Progress } from "../log";

/** What every section gets: the flags, the settings and a progress line writer. */
export interface SectionContext {
  options: BenchOptions;
  config: BenchConfig;
  progress: Progress;
  /** What answers SQL in this run, for the table header; the loader section refines it. */
  backend: string;
}
