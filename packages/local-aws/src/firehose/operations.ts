import type { DeliveryStream } from "./delivery-stream";
import { invalidArgument, notFound, slowDown } from "./errors";
import type { FaultInjector } from "./faults";
import { FIREHOSE_LIMITS } from "./limits";

/** What the operations act on; the server owns it. */
export interface FirehoseBackend {
  streams: Map<string, DeliveryStream>;
  faults: FaultInjector;
  now(): Date;
  /** True when accepted data waits for S3 beyond the bound, or the server is closing. */
  overloaded(): boolean;
  bucket: string;
  region: string;
  counters: { calls: number; throttledCalls: number; recordsFailed: number };
  nextRecordId(): string;
}

type Input = Record<string, unknown>;
export type Operation = (input: Input, backend: FirehoseBackend) => unknown;

const ACCOUNT = "000000000000";

function streamOf(input: Input, backend: FirehoseBackend): DeliveryStream {
  const name = input.DeliveryStreamName;
  if (typeof name !== "string" || name.length === 0) {
    throw invalidArgument("DeliveryStreamName is required.");
  }
  const stream = backend.streams.get(name);
  if (!stream) throw notFound(name);
  return stream;
}

function decodeRecord(record: unknown, index: number): Buffer {
  const data = (record as { Data?: unknown } | null)?.Data;
  if (typeof data !== "string") throw invalidArgument(`Record ${index}: Data is required.`);
  const decoded = Buffer.from(data, "base64");
  if (decoded.length > FIREHOSE_LIMITS.bytesPerRecord) {
    throw invalidArgument(
      `Record ${index} has ${decoded.length} bytes of data; the limit is ${FIREHOSE_LIMITS.bytesPerRecord} (1,000 KiB).`,
    );
  }
  return decoded;
}

/** Throttling comes after validation: a malformed call is the caller's bug, whatever the load. */
function admit(backend: FirehoseBackend): void {
  backend.counters.calls++;
  if (backend.overloaded() || backend.faults.throttleCall()) {
    backend.counters.throttledCalls++;
    throw slowDown();
  }
}

const putRecord: Operation = (input, backend) => {
  const stream = streamOf(input, backend);
  const data = decodeRecord(input.Record, 0);
  admit(backend);
  stream.accept([data], backend.now());
  return { RecordId: backend.nextRecordId(), Encrypted: false };
};

const putRecordBatch: Operation = (input, backend) => {
  const stream = streamOf(input, backend);
  const records = input.Records;
  if (!Array.isArray(records) || records.length === 0) {
    throw invalidArgument("Records must hold at least one record.");
  }
  if (records.length > FIREHOSE_LIMITS.recordsPerBatch) {
    throw invalidArgument(
      `${records.length} records in one call; PutRecordBatch accepts at most ${FIREHOSE_LIMITS.recordsPerBatch}.`,
    );
  }
  const decoded = records.map(decodeRecord);
  const total = decoded.reduce((sum, data) => sum + data.length, 0);
  if (total > FIREHOSE_LIMITS.bytesPerBatch) {
    throw invalidArgument(
      `${total} bytes of data in one call; PutRecordBatch accepts at most ${FIREHOSE_LIMITS.bytesPerBatch} (4 MiB).`,
    );
  }
  admit(backend);
  const accepted: Buffer[] = [];
  const responses = decoded.map((data) => {
    if (backend.faults.failRecord()) {
      return { ErrorCode: "ServiceUnavailableException", ErrorMessage: "Slow down." };
    }
    accepted.push(data);
    return { RecordId: backend.nextRecordId() };
  });
  const failed = decoded.length - accepted.length;
  backend.counters.recordsFailed += failed;
  if (accepted.length > 0) stream.accept(accepted, backend.now());
  return { FailedPutCount: failed, Encrypted: false, RequestResponses: responses };
};

const describeDeliveryStream: Operation = (input, backend) => {
  const stream = streamOf(input, backend);
  const { name, prefix } = stream.spec;
  const bufferingHints = {
    SizeInMBs: Math.max(1, Math.round(stream.buffering.sizeBytes / 1024 / 1024)),
    IntervalInSeconds: Math.round(stream.buffering.intervalMs / 1000),
  };
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/local-firehose`;
  const s3 = {
    RoleARN: roleArn,
    BucketARN: `arn:aws:s3:::${backend.bucket}`,
    Prefix: prefix,
    BufferingHints: bufferingHints,
    CompressionFormat: "GZIP",
    EncryptionConfiguration: { NoEncryptionConfig: "NoEncryption" },
    CloudWatchLoggingOptions: { Enabled: false },
  };
  const createdAt = stream.createdAt.getTime() / 1000;
  return {
    DeliveryStreamDescription: {
      DeliveryStreamName: name,
      DeliveryStreamARN: `arn:aws:firehose:${backend.region}:${ACCOUNT}:deliverystream/${name}`,
      DeliveryStreamStatus: "ACTIVE",
      DeliveryStreamType: "DirectPut",
      VersionId: "1",
      CreateTimestamp: createdAt,
      LastUpdateTimestamp: createdAt,
      Destinations: [
        {
          DestinationId: "destinationId-000000000001",
          S3DestinationDescription: s3,
          ExtendedS3DestinationDescription: { ...s3, S3BackupMode: "Disabled" },
        },
      ],
      HasMoreDestinations: false,
    },
  };
};

const listDeliveryStreams: Operation = (input, backend) => {
  const limit = typeof input.Limit === "number" ? input.Limit : 10;
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 10_000)) {
    throw invalidArgument("Limit must be between 1 and 10000.");
  }
  const after =
    typeof input.ExclusiveStartDeliveryStreamName === "string" ? input.ExclusiveStartDeliveryStreamName : "";
  const type = input.DeliveryStreamType;
  const names = [...backend.streams.keys()]
    .filter((name) => name > after && (type === undefined || type === "DirectPut"))
    .sort();
  return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit };
};

export const OPERATIONS: Record<string, Operation> = {
  PutRecord: putRecord,
  PutRecordBatch: putRecordBatch,
  DescribeDeliveryStream: describeDeliveryStream,
  ListDeliveryStreams: listDeliveryStreams,
};
