// The doctor's AWS I/O: one modular SDK client per service and account, each built with that account's
// profile and honouring its configured endpoint (AWS_ENDPOINT_URL*, a profile's endpoint_url), so the
// same checks run against AWS or any AWS-compatible endpoint. Missing resources answer `undefined`;
// every other error is thrown for the check to report.
import { DescribeDeliveryStreamCommand, FirehoseClient } from "@aws-sdk/client-firehose";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetFunctionConfigurationCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DescribeClustersCommand, RedshiftClient } from "@aws-sdk/client-redshift";
import {
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  paginateListObjectsV2,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { honourProfileEndpoint } from "@kr/aws-clients";
import { invokePing } from "@kr/loader";
import type { DoctorPort } from "./checks";
import type { AccountConfig, DoctorConfig } from "./config";

const isNamed = (error: unknown, ...names: string[]) =>
  names.includes((error as { name?: string }).name ?? "");

/** S3's GetBucketLocation: empty means us-east-1, EU the old name of eu-west-1. */
export function bucketLocationRegion(constraint: string | undefined): string {
  if (!constraint) return "us-east-1";
  return constraint === "EU" ? "eu-west-1" : constraint;
}

export interface AwsPort extends DoctorPort {
  close(): void;
}

export function awsPort(config: DoctorConfig): AwsPort {
  const clients: { destroy(): void }[] = [];
  const make = <C extends { config: object; destroy(): void }>(
    Client: new (c: { region: string; profile?: string; maxAttempts?: number }) => C,
    account: AccountConfig,
    extra: object = {},
  ): C => {
    const client = honourProfileEndpoint(
      new Client({
        region: config.region,
        maxAttempts: 2,
        ...(account.profile && { profile: account.profile }),
        ...extra,
      }),
      account.profile,
    );
    clients.push(client);
    return client;
  };
  const sts = { A: make(STSClient, config.a), B: make(STSClient, config.b) };
  const s3 = make(S3Client, config.a);
  const iam = make(IAMClient, config.b);
  const redshift = make(RedshiftClient, config.b);
  const lambda = make(LambdaClient, config.b, {
    // The ping cold-starts a Lambda in a VPC and connects to the cluster: give it time.
    requestHandler: { requestTimeout: 5 * 60_000, connectionTimeout: 10_000 },
  });
  const firehose = make(FirehoseClient, config.a);
  let cluster: ReturnType<DoctorPort["cluster"]> | undefined;

  return {
    async accountOf(account) {
      const { Account } = await sts[account.which].send(new GetCallerIdentityCommand({}));
      return Account ?? "";
    },
    async bucketRegion() {
      try {
        const { LocationConstraint } = await s3.send(new GetBucketLocationCommand({ Bucket: config.bucket }));
        return bucketLocationRegion(LocationConstraint);
      } catch (error) {
        if (isNamed(error, "NoSuchBucket", "NotFound")) return undefined;
        throw error;
      }
    },
    async bucketPolicy() {
      try {
        const { Policy } = await s3.send(new GetBucketPolicyCommand({ Bucket: config.bucket }));
        return { bucket: true, ...(Policy && { policy: Policy }) };
      } catch (error) {
        if (isNamed(error, "NoSuchBucket")) return { bucket: false };
        if (isNamed(error, "NoSuchBucketPolicy")) return { bucket: true };
        throw error;
      }
    },
    async roleArn(name) {
      try {
        return (await iam.send(new GetRoleCommand({ RoleName: name }))).Role?.Arn;
      } catch (error) {
        if (isNamed(error, "NoSuchEntityException", "NoSuchEntity")) return undefined;
        throw error;
      }
    },
    cluster() {
      // Two checks read it; one DescribeClusters.
      cluster ??= (async () => {
        try {
          const { Clusters } = await redshift.send(
            new DescribeClustersCommand({ ClusterIdentifier: config.cluster }),
          );
          const c = Clusters?.[0];
          if (!c) return undefined;
          return {
            status: c.ClusterStatus ?? "unknown",
            publiclyAccessible: c.PubliclyAccessible ?? false,
            iamRoles: (c.IamRoles ?? []).map((r) => ({
              arn: r.IamRoleArn ?? "",
              ...(r.ApplyStatus && { applyStatus: r.ApplyStatus }),
            })),
            ...(c.DefaultIamRoleArn && { defaultIamRoleArn: c.DefaultIamRoleArn }),
          };
        } catch (error) {
          if (isNamed(error, "ClusterNotFoundFault", "ClusterNotFound")) return undefined;
          throw error;
        }
      })();
      return cluster;
    },
    async loaderFunction() {
      try {
        const fn = await lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName: config.functionName }),
        );
        const vpc = fn.VpcConfig;
        return {
          ...(fn.State && { state: fn.State }),
          ...(vpc?.VpcId && { vpcId: vpc.VpcId }),
          subnetIds: vpc?.SubnetIds ?? [],
          securityGroupIds: vpc?.SecurityGroupIds ?? [],
        };
      } catch (error) {
        if (isNamed(error, "ResourceNotFoundException")) return undefined;
        throw error;
      }
    },
    ping: () => invokePing({ aws: { functionName: config.functionName } }, { lambda }),
    async deliveryStream(name) {
      try {
        const { DeliveryStreamDescription: d } = await firehose.send(
          new DescribeDeliveryStreamCommand({ DeliveryStreamName: name }),
        );
        const destination = d?.Destinations?.[0];
        const bucketArn =
          destination?.ExtendedS3DestinationDescription?.BucketARN ??
          destination?.S3DestinationDescription?.BucketARN;
        return { status: d?.DeliveryStreamStatus ?? "unknown", ...(bucketArn && { bucketArn }) };
      } catch (error) {
        if (isNamed(error, "ResourceNotFoundException")) return undefined;
        throw error;
      }
    },
    async newestObject(prefixes) {
      let newest: { key: string; lastModified: Date } | undefined;
      for (const prefix of prefixes) {
        for await (const page of paginateListObjectsV2(
          { client: s3 },
          { Bucket: config.bucket, Prefix: prefix },
        )) {
          for (const o of page.Contents ?? []) {
            if (o.Key && o.LastModified && (!newest || o.LastModified > newest.lastModified))
              newest = { key: o.Key, lastModified: o.LastModified };
          }
        }
      }
      return newest;
    },
    close() {
      for (const client of clients) client.destroy();
    },
  };
}
