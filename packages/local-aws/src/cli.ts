import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatBanner } from "./banner";
import { loadLocalStackConfig } from "./config";
import { LocalAwsError } from "./errors";
import { startLocalStack } from "./stack";

const USAGE = `usage: pnpm run local-up   (make local-up)
Starts local S3, Firehose and the warehouse in the foreground on the ports in .env; state in .local/.
Settings: see .env.example and docs/local-aws.md.`;

const STATE_DIR = ".local";

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args: args[0] === "--" ? args.slice(1) : args, // pnpm passes a leading "--" through
    options: { help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const config = loadLocalStackConfig();
  const stateDir = resolve(STATE_DIR);
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
  console.log(formatBanner(stack, config, stateDir));
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  // A second signal while flushing means "now": leave without waiting.
  process.once("SIGINT", () => process.exit(130));
  process.once("SIGTERM", () => process.exit(143));
  console.error(`\n${signal}: delivering Firehose buffers to S3 and stopping…`);
  const { recordsAccepted, objectsWritten } = stack.firehose.stats();
  await stack.close();
  console.error(
    `stopped (${recordsAccepted} records accepted, ${stack.firehose.stats().objectsWritten - objectsWritten} objects written while stopping).`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof LocalAwsError) {
      console.error(`local-up: ${error.message}`);
      process.exit(error.exitCode);
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`local-up: ${error.message}\n${USAGE}`);
      process.exit(2);
    }
    console.error("local-up:", error);
    process.exit(1);
  },
);
