// `make synth` / `pnpm run synth` / `cdktf synth`: validate settings, synthesize both stacks to
// <outdir>/stacks/<stack>/cdk.tf.json. Exit 2 on bad settings, 1 when the security check fails.
import { SecurityViolationError } from "@kr/stacks";
import { buildInfraApp } from "./app";
import { ConfigError, loadInfraConfig } from "./config";

function main(): void {
  const started = performance.now();
  const settings = loadInfraConfig();
  const { app, accountB } = buildInfraApp(settings);
  app.synth();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const kib = (accountB.loader.bundleBytes / 1024).toFixed(1);
  console.log(
    `synthesized account-a (${settings.ingest.id}) and account-b (${settings.warehouse.id}) to ${app.outdir}/stacks in ${seconds} s; loader bundle ${kib} KiB`,
  );
}

try {
  main();
} catch (error) {
  if (error instanceof ConfigError || error instanceof SecurityViolationError) {
    console.error(`synth: ${error.message}`);
    process.exit(error instanceof ConfigError ? error.exitCode : 1);
  }
  throw error;
}
