import { parseGenerateArgs, USAGE } from "./args";
import { loadGeneratorConfig } from "./config";
import { GeneratorError } from "./errors";
import { progressBar } from "./progress";
import { formatSummary } from "./report";
import { runGenerate } from "./run";
import { STREAMS } from "./sessions";

async function main(): Promise<number> {
  const config = loadGeneratorConfig();
  const available = STREAMS.filter((stream) => config.deliveryStreams[stream]);
  const command = parseGenerateArgs(process.argv.slice(2), available);
  if ("help" in command) {
    console.log(USAGE);
    return 0;
  }
  const target =
    config.endpoint ?? `AWS ${config.region}${config.profile ? ` (profile ${config.profile})` : ""}`;
  console.error(
    `generating ${command.count.toLocaleString("en-US")} events for ${command.streams.join(", ")} ` +
      `(occurred_at ${command.start.toISOString()} .. ${command.end.toISOString()}, seed ${command.seed}) → ${target}`,
  );
  if (config.unknownStreams.length)
    console.error(`no event model for KR_STREAMS ${config.unknownStreams.join(", ")}: skipped`);
  const bar = progressBar(Math.round(command.count * (1 + command.duplicateRate)));
  const summary = await runGenerate(command, config, (progress) => bar.update(progress)).finally(() =>
    bar.stop(),
  );
  console.log(formatSummary(summary, { color: process.stdout.isTTY === true, seed: command.seed }));
  return summary.undelivered > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof GeneratorError) {
      console.error(`generate: ${error.message}`);
      process.exit(error.exitCode);
    }
    console.error("generate:", error);
    process.exit(1);
  },
);
