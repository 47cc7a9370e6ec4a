import { DescribeDeliveryStreamCommand, FirehoseClient } from "@aws-sdk/client-firehose";
import { honourProfileEndpoint } from "@kr/aws-clients";
import type { GenerateCommand } from "./args";
import type { GeneratorConfig } from "./config";
import { GeneratorError } from "./errors";
import { generateRecords } from "./generate";
import { sendRecords } from "./send";
import type { SendProgress, SendSummary } from "./tally";

/** The client the CLI sends with: the local stand-in, or AWS with the ingest account's profile. */
export function firehoseClient(config: GeneratorConfig): FirehoseClient {
  // honourProfileEndpoint: the profile's endpoint_url (an AWS-compatible endpoint) is used, as by the AWS CLI.
  const client = new FirehoseClient({
    region: config.region,
    maxAttempts: 1, // retries are the sender's, per record
    ...(config.endpoint
      ? { endpoint: config.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } }
      : {}),
    ...(config.profile ? { profile: config.profile } : {}),
  });
  return honourProfileEndpoint(client, config.profile);
}

/** Fails fast, with the fix in the message, when the target is not there at all. */
async function preflight(client: FirehoseClient, names: string[], config: GeneratorConfig): Promise<void> {
  const where = config.endpoint ?? `AWS ${config.region}`;
  for (const name of names) {
    try {
      await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }));
    } catch (error) {
      const e = error as { name?: string; code?: string; message?: string };
      if (e.name === "ResourceNotFoundException") {
        throw new GeneratorError(
          `delivery stream ${name} does not exist at ${where}; check KR_PROJECT and KR_STREAMS against the running Firehose`,
          1,
        );
      }
      if (e.name === "AccessDeniedException") continue; // a producer role may only be allowed to put
      if (
        config.endpoint &&
        !(
          "$metadata" in (error as object) &&
          (error as { $metadata: { httpStatusCode?: number } }).$metadata.httpStatusCode
        )
      ) {
        throw new GeneratorError(
          `cannot reach the local Firehose at ${where} (${e.code ?? e.message}); start it with make local-up`,
          1,
        );
      }
      throw new GeneratorError(
        `DescribeDeliveryStream ${name} at ${where} failed: ${e.name}: ${e.message}`,
        1,
      );
    }
  }
}

/** generate → send, for the CLI: returns the summary; the caller maps undelivered events to exit 1. */
export async function runGenerate(
  command: GenerateCommand,
  config: GeneratorConfig,
  onProgress?: (progress: SendProgress) => void,
): Promise<SendSummary> {
  const deliveryStreams: Record<string, string> = {};
  for (const stream of command.streams) {
    const name = config.deliveryStreams[stream];
    if (name) deliveryStreams[stream] = name;
  }
  const client = firehoseClient(config);
  try {
    await preflight(client, Object.values(deliveryStreams), config);
    return await sendRecords({
      client,
      deliveryStreams,
      records: generateRecords({
        count: command.count,
        streams: command.streams,
        seed: command.seed,
        start: command.start,
        end: command.end,
        duplicateRate: command.duplicateRate,
        malformedRate: command.malformedRate,
      }),
      recordMaxBytes: config.recordMaxBytes,
      concurrency: command.concurrency,
      rate: command.rate,
      retry: { maxAttempts: command.maxAttempts },
      seed: command.seed,
      onProgress,
    });
  } finally {
    client.destroy();
  }
}
