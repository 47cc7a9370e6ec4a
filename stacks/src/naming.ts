// Every name and ARN that crosses the account boundary is derived here from settings alone, so each
// stack synthesizes without the other's state and both agree on the other's resource names.
import {
  clusterName,
  copyRoleName,
  deliveryStreamName,
  eventsBucketName,
  loaderFunctionName,
  loaderRoleName,
  manifestBucketName,
} from "@kr/contract";
import type { InfraSettings } from "./settings";

export const STACK_A = "account-a";
export const STACK_B = "account-b";

/** AWS partition of a region (ARNs differ in China and GovCloud). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export function iamRoleArn(region: string, accountId: string, roleName: string): string {
  return `arn:${partitionOf(region)}:iam::${accountId}:role/${roleName}`;
}

export function s3BucketArn(region: string, bucket: string): string {
  return `arn:${partitionOf(region)}:s3:::${bucket}`;
}

/** Names of the product's resources, shared by both stacks (and by the loader through its env). */
export function namesOf(s: Pick<InfraSettings, "project" | "region" | "ingest" | "warehouse" | "streams">) {
  const eventsBucket = eventsBucketName(s.project, s.ingest.id);
  const copyRole = copyRoleName(s.project);
  const loaderRole = loaderRoleName(s.project);
  return {
    eventsBucket,
    eventsBucketArn: s3BucketArn(s.region, eventsBucket),
    /** Object ARN pattern of each stream's prefix: `<bucket arn>/<stream>/*`. */
    streamObjectArns: s.streams.map((stream) => `${s3BucketArn(s.region, eventsBucket)}/${stream}/*`),
    /** `s3:prefix` values a ListBucket may use: `<stream>/*`. */
    streamListPrefixes: s.streams.map((stream) => `${stream}/*`),
    deliveryStream: (stream: string) => deliveryStreamName(s.project, stream),
    kinesisStream: (stream: string) => deliveryStreamName(s.project, stream),
    manifestBucket: manifestBucketName(s.project, s.warehouse.id),
    cluster: clusterName(s.project),
    copyRole,
    copyRoleArn: iamRoleArn(s.region, s.warehouse.id, copyRole),
    loaderRole,
    loaderRoleArn: iamRoleArn(s.region, s.warehouse.id, loaderRole),
    loaderFunction: loaderFunctionName(s.project),
  };
}

export type ProductNames = ReturnType<typeof namesOf>;
