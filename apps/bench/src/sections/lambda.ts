import { spawn } from "node:child_process";
import { mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { REPO_ROOT } from "../paths";
import type { Figures } from "../results";
import { median } from "../stats";
import { zipSingleFile } from "../zip";
import type { SectionContext } from "./context";

/** The loader Lambda's entry, bundled with the options of stacks/src/lambda-bundle.ts (account-b's asset). */
const LAMBDA_ENTRY = join(REPO_ROOT, "packages/loader/src/lambda.ts");

/**
 * Bundles the loader Lambda with esbuild (Node 20, ESM, minified, the AWS SDK left to the runtime as
 * in the stack), zips it, and times a cold `import()` of the bundle in fresh node processes.
 */
export async function measureLambda(context: SectionContext, figures: Figures): Promise<void> {
  const { progress } = context;
  progress("lambda: bundling packages/loader/src/lambda.ts with esbuild");
  const output = await build({
    entryPoints: [LAMBDA_ENTRY],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    minify: true,
    treeShaking: true,
    legalComments: "none",
    // As stacks/src/lambda-bundle.ts: the runtime ships AWS SDK v3; pg's native binding is never used.
    external: ["@aws-sdk/*", "pg-native"],
    // CommonJS dependencies (pg) call require() for node built-ins; give the ESM bundle one.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    outfile: "index.mjs",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const file = output.outputFiles[0];
  if (!file) throw new Error("esbuild produced no output");
  const bundle = Buffer.from(file.contents);
  const sdkClients = [
    ...new Set(
      Object.values(output.metafile.outputs)
        .flatMap((out) => out.imports)
        .filter((entry) => entry.external && entry.path.startsWith("@aws-sdk/"))
        .map((entry) => entry.path),
    ),
  ].sort();
  const zip = zipSingleFile("index.mjs", bundle);
  figures.set("lambda.bundle_bytes", bundle.length);
  figures.set("lambda.bundle_zip_bytes", zip.length);
  progress(`lambda: bundle ${bundle.length} bytes, zipped ${zip.length} bytes`);

  // The bundle's externals (@aws-sdk/*) resolve from the loader's own dependencies, as the Lambda
  // runtime provides them: a temp dir holding the bundle and a node_modules link.
  const dir = await mkdtemp(join(tmpdir(), "kr-bench-lambda-"));
  try {
    const bundlePath = join(dir, "index.mjs");
    await writeFile(bundlePath, bundle);
    await symlink(
      await realpath(join(REPO_ROOT, "packages/loader/node_modules")),
      join(dir, "node_modules"),
      "dir",
    );
    const runs = Math.max(5, context.options.repetitions);
    const samples: number[] = [];
    const sdkSamples: number[] = [];
    const sdkScript = join(dir, "sdk.mjs");
    await writeFile(
      sdkScript,
      `${sdkClients.map((name) => `import ${JSON.stringify(name)};`).join("\n")}\nexport const handler = () => {};\n`,
    );
    for (let run = 0; run < runs; run++) {
      samples.push(await coldImportMs(bundlePath));
      sdkSamples.push(await coldImportMs(sdkScript));
    }
    figures.set("lambda.cold_import_ms", median(samples));
    figures.set("lambda.sdk_import_ms", median(sdkSamples));
    progress(`lambda: cold import ${samples.map((ms) => ms.toFixed(1)).join(", ")} ms`);
    progress(
      `lambda: of which the AWS SDK clients it imports (${sdkClients.join(", ")}) ${sdkSamples.map((ms) => ms.toFixed(1)).join(", ")} ms`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Spawns a fresh node, imports the bundle once and returns how long the import took. */
function coldImportMs(bundlePath: string): Promise<number> {
  const url = pathToFileURL(bundlePath).href;
  const script = [
    "const t0 = performance.now();",
    `const mod = await import(${JSON.stringify(url)});`,
    "const ms = performance.now() - t0;",
    "if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler');",
    "process.stdout.write(String(ms));",
  ].join("\n");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(stdout);
      if (code === 0 && Number.isFinite(ms)) resolve(ms);
      else
        reject(
          new Error(`cold import failed (exit ${code}): ${stderr.trim().split("\n").slice(-3).join(" ")}`),
        );
    });
  });
}
