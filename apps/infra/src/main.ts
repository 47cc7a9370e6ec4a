// `make synth` / `pnpm run synth` / `cdktf synth`: validate settings, synthesize both stacks to
// <outdir>/stacks/<stack>/cdk.tf.json. Exit 2 on bad settings, 1 when the security check fails.
import { ConfigError, loadInfraConfig } from "./config";

async function main(): Promise<void> {
  const started = performance.now();
  // Validate first: a bad setting fails before the stacks and provider bindings are even loaded.
  const settings = loadInfraConfig();
  const { buildInfraApp } = await import("./app");
  const { app, accountB } = buildInfraApp(settings);
  app.synth();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const kib = (accountB.loader.bundleBytes / 1024).toFixed(1);
  console.log(
    `synthesized account-a (${settings.ingest.id}) and account-b (${settings.warehouse.id}) to ${app.outdir}/stacks in ${seconds} s; loader bundle ${kib} KiB`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`synth: ${error.message}`);
    process.exit(error.exitCode);
  }
  // The security aspect reports violations as error annotations; cdktf then fails the synth.
  if (
    error instanceof Error &&
    (error.name === "SecurityViolationError" || /Annotations with level "ERROR"/.test(error.message))
  ) {
    console.error(`synth: ${error.message}`);
    process.exit(1);
  }
  throw error;
});
