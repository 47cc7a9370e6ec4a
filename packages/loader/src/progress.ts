// The progress bar: on stderr, and only when stderr is a terminal (pipes and CI get no escape codes).
import cliProgress from "cli-progress";
import type { LoadProgress } from "./load";
import { formatBytes } from "./report-format";

export interface ProgressSink {
  isTTY?: boolean;
  write(chunk: string): boolean;
}

export interface Progress {
  onLoad(progress: LoadProgress): void;
  onChunk(done: number, total: number, label: string): void;
  stop(): void;
}

export function createProgress(stderr: ProgressSink, enabled: boolean): Progress {
  if (!enabled || !stderr.isTTY) return { onLoad() {}, onChunk() {}, stop() {} };
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
    bar.start(total, 0, { sizeDone: "0 B", sizeTotal: formatBytes(total), files: "", label: "" });
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
    onChunk(done, total, label) {
      if (!bar)
        start(total, "invoking the loader |{bar}| {value}/{total} chunks · {label} · eta {eta_formatted}");
      bar?.update(done, { label });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
