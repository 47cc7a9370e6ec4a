// Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by package and by function, so a
// bench miss can be explained with figures. Usage: tsx apps/bench/scripts/cpuprofile-summary.ts <file> [top]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function packageOf(url: string): string {
  if (!url) return "(native/idle/gc)";
  if (url.startsWith("node:")) return "node:internal";
  const match = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(@[^/]+\/[^/]+|[^/]+)/.exec(url);
  if (match) return match[1] as string;
  const own =
    /\/work\/main\/((?:packages|apps|stacks)\/[^/]+)/.exec(url) ?? /((?:packages|apps)\/[^/]+)/.exec(url);
  return own ? (own[1] as string) : url;
}

const { positionals } = parseArgs({ allowPositionals: true });
const [file, topText] = positionals;
if (!file) {
  process.stderr.write("usage: cpuprofile-summary <file.cpuprofile> [top]\n");
  process.exit(2);
}
const top = Number(topText ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, micros] of self) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const pkg =
    functionName === "(garbage collector)" ? "(gc)" : functionName === "(idle)" ? "(idle)" : packageOf(url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
  const name = `${functionName || "(anonymous)"} ${url ? `${url.replace(/.*node_modules\//, "").replace(/^file:\/\/\/work\/main\//, "")}:${lineNumber + 1}` : ""}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
}
const pct = (micros: number) =>
  `${((100 * micros) / total).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(7)} ms`;
process.stdout.write(`${file}: ${(total / 1000).toFixed(0)} ms sampled\n\nself time by package\n`);
for (const [name, micros] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`  ${pct(micros)}  ${name}\n`);
}
process.stdout.write("\nself time by function\n");
for (const [name, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  process.stdout.write(`  ${pct(micros)}  ${name}\n`);
}
