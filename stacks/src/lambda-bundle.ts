// Bundles a Lambda entry with esbuild into a directory holding one minified ESM file, ready to be
// zipped by a TerraformAsset. The Node.js runtime ships AWS SDK v3, so `@aws-sdk/*` stays external.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSync } from "esbuild";

export interface LambdaBundle {
  /** Directory holding `index.mjs` (zip it as the deployment package). */
  readonly dir: string;
  /** Handler string for the Lambda function. */
  readonly handler: string;
  /** Size of the bundled file in bytes. */
  readonly bytes: number;
}

export interface LambdaBundleOptions {
  /** Exported function name. Default "handler". */
  readonly exportName?: string;
  /** Output directory; default a fresh temp directory removed when the process exits. */
  readonly outDir?: string;
  /** esbuild target. Default node20 (runs on every supported Node.js runtime). */
  readonly target?: string;
}

/** Bundles built into temp directories by this process, by entry and options. */
const built = new Map<string, LambdaBundle>();

export function bundleLambda(entry: string, options: LambdaBundleOptions = {}): LambdaBundle {
  // One synth (or test file) may build several stacks from the same entry: bundle it once.
  const key = JSON.stringify([entry, options.exportName, options.target]);
  const cached = options.outDir ? undefined : built.get(key);
  if (cached) return cached;
  const dir = options.outDir ?? tempDir();
  const outfile = join(dir, "index.mjs");
  buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: options.target ?? "node20",
    minify: true,
    legalComments: "none",
    logLevel: "error",
    // Provided by the runtime; pg's optional native binding is never used.
    external: ["@aws-sdk/*", "pg-native"],
    // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
    banner: {
      js: "import{createRequire as __kr_cr}from'node:module';const require=__kr_cr(import.meta.url);",
    },
  });
  const bundle = { dir, handler: `index.${options.exportName ?? "handler"}`, bytes: statSync(outfile).size };
  if (!options.outDir) built.set(key, bundle);
  return bundle;
}

const tempDirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "kr-lambda-"));
  // The asset is copied into cdktf.out during synth; the temp copy is not needed afterwards.
  if (tempDirs.length === 0) {
    process.once("exit", () => {
      for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  tempDirs.push(dir);
  return dir;
}
