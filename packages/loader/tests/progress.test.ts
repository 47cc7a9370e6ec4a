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
      progress.onInvocation({ invocations: 1, bytesDone: 1024, bytesTotal: 4096 });
      progress.stop();
      expect(stderr.chunks).toEqual([]);
    }
  });

  it("counts bytes over Lambda invocations in AWS mode (the total grows with late files)", () => {
    const stderr = sink(true);
    const progress = createProgress(stderr, true);
    progress.onInvocation({ invocations: 1, bytesDone: 1024, bytesTotal: 4096 });
    progress.onInvocation({ invocations: 2, bytesDone: 3072, bytesTotal: 6144 });
    progress.stop();
    const drawn = stderr.chunks.join("");
    expect(drawn).toContain("0 B/4.0 KiB · 0 invocations");
    expect(drawn).toContain("50% 3.0 KiB/6.0 KiB · 2 invocations");
  });

  it("status --verify shows what reading every object of the range costs", () => {
    const stderr = sink(true);
    const progress = createProgress(stderr, true);
    progress.onVerify({ filesDone: 0, filesTotal: 4, bytesDone: 0, bytesTotal: 4096 });
    progress.onVerify({ filesDone: 3, filesTotal: 4, bytesDone: 3072, bytesTotal: 4096 });
    progress.stop();
    const drawn = stderr.chunks.join("");
    expect(drawn).toContain("verifying: reading every object |");
    expect(drawn).toContain("75% 3.0 KiB/4.0 KiB · 3/4 files");
  });
});
