import { relative } from "node:path";
import type { LocalStackConfig } from "./config";
import { LOCAL_S3_CREDENTIALS } from "./s3-server";
import type { LocalStack } from "./stack";

/** What runs where, and commands to look inside: printed by `make local-up`. */
export function formatBanner(stack: LocalStack, config: LocalStackConfig, stateDir: string): string {
  const dir = relative(process.cwd(), stateDir) || stateDir;
  const { s3, firehose, warehouse } = stack;
  const pgUrl = `postgres://${config.warehouse.user}@${warehouse.host}:${warehouse.port}/${config.warehouse.database}`;
  const awsEnv = `AWS_ACCESS_KEY_ID=${LOCAL_S3_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_S3_CREDENTIALS.secretAccessKey} AWS_REGION=us-east-1`;
  const streams = Object.entries(stack.deliveryStreams)
    .map(([stream, name]) => `${name} → s3://${stack.bucket}/${stack.prefixes[stream]}`)
    .join(", ");
  const [firstStream] = Object.values(stack.deliveryStreams);
  const faults = Object.entries(config.firehose.faults)
    .filter(([, rate]) => rate > 0)
    .map(([name, rate]) => `${name} ${rate}`);
  return [
    `kinesis-redshift local stand-ins — state in ${dir}/ (make local-clean deletes it)`,
    "",
    `  S3         ${s3.endpoint}   bucket ${stack.bucket}, objects in ${dir}/s3`,
    `  Firehose   ${firehose.endpoint}   ${streams}`,
    `             buffering ${config.firehose.bufferSizeMb} MiB / ${config.firehose.bufferIntervalSeconds} s, GZIP` +
      (faults.length ? `; injected faults: ${faults.join(", ")} (seed ${config.firehose.seed})` : ""),
    `  Warehouse  ${pgUrl}   PGlite, data in ${dir}/warehouse`,
    "",
    "Look inside:",
    `  psql "${pgUrl}" -c '\\dt'`,
    `  ${awsEnv} aws --endpoint-url ${s3.endpoint} s3 ls s3://${stack.bucket}/ --recursive`,
    `  ${awsEnv} aws --endpoint-url ${firehose.endpoint} firehose describe-delivery-stream --delivery-stream-name ${firstStream}`,
    `  ${awsEnv} aws --endpoint-url ${firehose.endpoint} firehose put-record --delivery-stream-name ${firstStream} \\`,
    `    --cli-binary-format raw-in-base64-out --record '{"Data":"{\\"event_id\\":\\"hello\\"}\\n"}'`,
    `  make dump-dummy-data ARGS="--count 10000"`,
    "",
    "Ctrl-C stops them (Firehose buffers are delivered to S3 first).",
  ].join("\n");
}
