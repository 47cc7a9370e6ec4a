import cliProgress from "cli-progress";
import type { SendProgress } from "./tally";

export interface ProgressReporter {
  update(progress: SendProgress): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, logs). */
export function progressBar(expected: number, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        "{bar} {percentage}% | {value}/{total} events | retried {retried} | failed {failed} | {mb} MB | {eta_formatted} left",
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(expected, 0, { retried: 0, failed: 0, mb: "0.0" });
  return {
    update(progress) {
      const done = progress.delivered + progress.undelivered;
      if (done > bar.getTotal()) bar.setTotal(done);
      bar.update(done, {
        retried: progress.retried,
        failed: progress.undelivered,
        mb: (progress.bytes / 1e6).toFixed(1),
      });
    },
    stop() {
      bar.stop();
    },
  };
}
