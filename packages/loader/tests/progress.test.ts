import { describe, expect, it } from "vitest";
import { createProgress } from "../src/progress";

const sink = (isTTY: boolean) => {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (s: string) => chunks.push(s) > 0 };
};
const at = (bytesDone: number) => ({
  phase: "staging" as const,
  filesDone: 1,
  filesTotal: 4,
  bytesDone,
  bytesTotal: 4096,
});

describe("progress bar", () => {
  it("draws on a terminal's stderr, in bytes and files", () => {
    const stderr = sink(true);
    const progress = createProgress(stderr, true);
    progress.onLoad({ ...at(0), phase: "planned" });
    progress.onLoad(at(2048));
    progress.stop();
    const drawn = stderr.chunks.join("");
    expect(drawn).toContain("loading |");
    expect(drawn).toContain("50% 2.0 KiB/4.0 KiB · 1/4 files");
  });

  it("stays silent when stderr is not a terminal, or for --json", () => {
    for (const [isTTY, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const stderr = sink(isTTY);
      const progress = createProgress(stderr, enabled);
      progress.onLoad({ ...at(0), phase: "planned" });
      progress.onChunk(1, 3, "2026-11-23T00..2026-11-23T23");
      progress.stop();
      expect(stderr.chunks).toEqual([]);
    }
  });

  it("counts Lambda chunks in AWS mode", () => {
    const stderr = sink(true);
    const progress = createProgress(stderr, true);
    progress.onChunk(1, 3, "2026-11-24T00..2026-11-24T23");
    progress.stop();
    expect(stderr.chunks.join("")).toContain("1/3 chunks · 2026-11-24T00..2026-11-24T23");
  });
});
