// The progress bar: on stderr, and only when stderr is a terminal (pipes and CI get no escape codes).
import cliProgress from "cli-progress";
import type { LoadProgress } from "./load";
import type { VerifyProgress } from "./status/verify";
import { formatBytes } from "./units";

export interface ProgressSink {
  isTTY?: boolean;
  write(chunk: string): boolean;
}

export interface Progress {
  onLoad(progress: LoadProgress): void;
  /** AWS mode: after each Lambda invocation, bytes loaded of loaded + pending. */
  onInvocation(progress: { invocations: number; bytesDone: number; bytesTotal: number }): void;
  /** status --verify: objects read of the range. */
  onVerify(progress: VerifyProgress): void;
  stop(): void;
}

export function createProgress(stderr: ProgressSink, enabled: boolean): Progress {
  if (!enabled || !stderr.isTTY) return { onLoad() {}, onInvocation() {}, onVerify() {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  const start = (total: number, format: string) => {
    bar = new cliProgress.SingleBar(
      {
        stream: stderr as unknown as NodeJS.WritableStream,
        format,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { sizeDone: "0 B", sizeTotal: formatBytes(total), files: "", invocations: 0 });
  };
  return {
    onLoad(p) {
      if (!bar) {
        if (p.phase !== "planned" || p.bytesTotal === 0) return;
        start(
          p.bytesTotal,
          "loading |{bar}| {percentage}% {sizeDone}/{sizeTotal} · {files} files · eta {eta_formatted}",
        );
      }
      bar?.update(p.bytesDone, {
        sizeDone: formatBytes(p.bytesDone),
        files: `${p.filesDone}/${p.filesTotal}`,
      });
    },
    onInvocation(p) {
      if (!bar) {
        if (p.bytesTotal === 0) return;
        start(
          p.bytesTotal,
          "invoking the loader |{bar}| {percentage}% {sizeDone}/{sizeTotal} · {invocations} invocations · eta {eta_formatted}",
        );
      }
      // The total grows when files arrive while the backlog drains.
      bar?.setTotal(p.bytesTotal);
      bar?.update(p.bytesDone, {
        sizeDone: formatBytes(p.bytesDone),
        sizeTotal: formatBytes(p.bytesTotal),
        invocations: p.invocations,
      });
    },
    onVerify(p) {
      if (!bar) {
        if (p.bytesTotal === 0) return;
        start(
          p.bytesTotal,
          "verifying: reading every object |{bar}| {percentage}% {sizeDone}/{sizeTotal} · {files} files · eta {eta_formatted}",
        );
      }
      bar?.update(p.bytesDone, {
        sizeDone: formatBytes(p.bytesDone),
        files: `${p.filesDone}/${p.filesTotal}`,
      });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
