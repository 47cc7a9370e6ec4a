// The `generate` command as a function of its arguments and streams, like the loader's runCli:
// tests call it in-process; cli.ts only wires it to the process.
import { parseGenerateArgs, USAGE } from "./args";
import { type GeneratorConfig, loadGeneratorConfig } from "./config";
import { GeneratorError } from "./errors";
import { progressBar } from "./progress";
import { formatSummary } from "./report";
import { runGenerate } from "./run";
import { STREAMS } from "./sessions";

export interface GeneratorCliIO {
  stdout: { write(chunk: string): boolean; isTTY?: boolean };
  stderr: { write(chunk: string): boolean };
  /** Defaults to ./.env over the process environment. */
  loadConfig?: () => Readonly<GeneratorConfig>;
  /** The progress bar's terminal; none (silent) unless given. */
  progressStream?: NodeJS.WriteStream;
}

/** Runs `generate` with `argv`; resolves to the exit code (0 delivered, 1 undelivered, 2 bad input). */
export async function runCli(argv: readonly string[], io: GeneratorCliIO): Promise<number> {
  const err = (text: string) => io.stderr.write(`${text}\n`);
  try {
    const config = (io.loadConfig ?? loadGeneratorConfig)();
    const available = STREAMS.filter((stream) => config.deliveryStreams[stream]);
    const command = parseGenerateArgs([...argv], available);
    if ("help" in command) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const target =
      config.endpoint ?? `AWS ${config.region}${config.profile ? ` (profile ${config.profile})` : ""}`;
    err(
      `generating ${command.count.toLocaleString("en-US")} events for ${command.streams.join(", ")} ` +
        `(occurred_at ${command.start.toISOString()} .. ${command.end.toISOString()}, seed ${command.seed}) → ${target}`,
    );
    if (config.unknownStreams.length)
      err(`no event model for KR_STREAMS ${config.unknownStreams.join(", ")}: skipped`);
    const total = Math.round(command.count * (1 + command.duplicateRate));
    const bar = io.progressStream ? progressBar(total, io.progressStream) : undefined;
    const summary = await runGenerate(command, config, (progress) => bar?.update(progress)).finally(() =>
      bar?.stop(),
    );
    io.stdout.write(`${formatSummary(summary, { color: io.stdout.isTTY === true, seed: command.seed })}\n`);
    return summary.undelivered > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof GeneratorError) {
      err(`generate: ${error.message}`);
      return error.exitCode;
    }
    err(`generate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
}
