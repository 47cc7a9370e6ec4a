import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../paths";
import type { Figures } from "../results";
import { median, now } from "../stats";
import type { SectionContext } from "./context";

const STACK_OUTPUTS = ["cdktf.out/stacks/account-a/cdk.tf.json", "cdktf.out/stacks/account-b/cdk.tf.json"];

/**
 * Times `pnpm run synth` (the infra app under tsx, both stacks) in a child process and reads its
 * peak resident set size: from GNU time when installed, otherwise from the child's own
 * process.resourceUsage() at exit.
 */
export async function measureSynth(context: SectionContext, figures: Figures): Promise<void> {
  const { progress } = context;
  const seconds: number[] = [];
  const rss: number[] = [];
  const dir = await mkdtemp(join(tmpdir(), "kr-bench-synth-"));
  try {
    const rssFile = join(dir, "maxrss");
    const preload = join(dir, "maxrss.mjs");
    await writeFile(
      preload,
      `import { writeFileSync } from "node:fs";\nprocess.on("exit", () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`,
    );
    for (let run = 1; run <= context.options.repetitions; run++) {
      progress(`synth: run ${run}/${context.options.repetitions}`);
      const started = Date.now();
      const nodeArgs = ["--import", "tsx", "--import", preload, "apps/infra/src/main.ts"];
      const command = context.config.timePath ?? process.execPath;
      const args = context.config.timePath ? ["-v", process.execPath, ...nodeArgs] : nodeArgs;
      const t0 = now();
      const { code, stderr } = await run_(command, args);
      const elapsed = (now() - t0) / 1000;
      if (code !== 0) throw new Error(`synth exited ${code}: ${lastLines(stderr)}`);
      for (const output of STACK_OUTPUTS) {
        const info = await stat(join(REPO_ROOT, output)).catch(() => undefined);
        if (!info || info.mtimeMs < started - 1000) throw new Error(`synth did not write ${output}`);
      }
      const timeRss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1];
      const selfRss = await readFile(rssFile, "utf8").catch(() => undefined);
      const kb = Math.max(Number(timeRss ?? 0), Number(selfRss ?? 0));
      seconds.push(elapsed);
      if (kb > 0) rss.push(kb / 1024);
      progress(`synth: ${elapsed.toFixed(2)} s, peak RSS ${(kb / 1024).toFixed(0)} MiB`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  figures.set("synth.seconds", median(seconds));
  if (rss.length > 0) figures.set("synth.peak_rss_mb", median(rss));
  else figures.miss("synth.peak_rss_mb", "no RSS reading from GNU time or the child");
}

/** The child's last error lines, without GNU time's report. */
function lastLines(text: string): string {
  const own = (text.split("\tCommand being timed:")[0] ?? text).trim().split("\n");
  const error = own.find((line) => /error/i.test(line));
  return (error ?? own.slice(-3).join(" | ")).trim();
}

function run_(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}
