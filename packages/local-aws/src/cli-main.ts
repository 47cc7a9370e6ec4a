// `pnpm run local-up` as a function of its arguments and its I/O, like the loader's and the
// generator's runCli: testable in-process. cli.ts wires it to the process (signals, exit code).
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatBanner } from "./banner";
import { type Env, loadLocalStackConfig } from "./config";
import { LocalAwsError } from "./errors";
import { startLocalStack } from "./stack";

export const USAGE = `usage: pnpm run local-up   (make local-up)
Starts local S3, Firehose and the warehouse in the foreground on the ports in .env; state in .local/.
Settings: see .env.example and docs/local-aws.md.`;

const STATE_DIR = ".local";

export interface LocalUpIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Settings; unset = ./.env, then the process environment. */
  env?: Env;
  /** Directory of the state (`.local/` under it). Default the working directory. */
  cwd?: string;
  /** Resolves with the signal that asks the stand-ins to stop (SIGINT/SIGTERM in the real CLI). */
  untilStopped: () => Promise<string>;
}

/** Runs local-up; resolves with the exit code: 0 stopped cleanly, 1 failed, 2 bad options or settings. */
export async function runCli(argv: readonly string[], io: LocalUpIO): Promise<number> {
  let help = false;
  try {
    const args = argv[0] === "--" ? argv.slice(1) : argv; // pnpm passes a leading "--" through
    ({
      values: { help = false },
    } = parseArgs({ args: [...args], options: { help: { type: "boolean", short: "h" } } }));
  } catch (error) {
    io.stderr.write(`local-up: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const config = loadLocalStackConfig(io.env);
    const stateDir = resolve(io.cwd ?? ".", STATE_DIR);
    const stack = await startLocalStack({
      stateDir,
      project: config.project,
      streams: config.streams,
      bucket: config.bucket,
      s3: { host: config.s3.host, port: config.s3.port },
      firehose: {
        host: config.firehose.host,
        port: config.firehose.port,
        buffering: {
          sizeBytes: config.firehose.bufferSizeMb * 1024 * 1024,
          intervalMs: config.firehose.bufferIntervalSeconds * 1000,
        },
        faults: config.firehose.faults,
        seed: config.firehose.seed,
      },
      warehouse: { host: config.warehouse.host, port: config.warehouse.port },
    });
    io.stdout.write(`${formatBanner(stack, config, stateDir)}\n`);
    const signal = await io.untilStopped();
    io.stderr.write(`\n${signal}: delivering Firehose buffers to S3 and stopping…\n`);
    const { recordsAccepted, objectsWritten } = stack.firehose.stats();
    await stack.close();
    io.stderr.write(
      `stopped (${recordsAccepted} records accepted, ${stack.firehose.stats().objectsWritten - objectsWritten} objects written while stopping).\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof LocalAwsError) {
      io.stderr.write(`local-up: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr.write(`local-up: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
