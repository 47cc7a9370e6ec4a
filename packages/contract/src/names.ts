// Names of every product resource, derived from KR_PROJECT and the account ids alone, so the stacks,
// the loader, the generator and the local stand-ins agree without reading each other's state.

export interface NameInputs {
  readonly project: string;
  /** Ingest account (A): holds the events bucket and the delivery streams. */
  readonly accountA?: string;
  /** Warehouse account (B): holds the cluster, the manifest bucket and the loader. */
  readonly accountB?: string;
}

/** `<project>-events-<account A>`: the events bucket (account A). */
export const eventsBucketName = (project: string, accountA: string) => `${project}-events-${accountA}`;
/** `<project>-manifests-<account B>`: where the loader writes COPY manifests (account B). */
export const manifestBucketName = (project: string, accountB: string) => `${project}-manifests-${accountB}`;
/** `<project>-<stream>`: a stream's Firehose delivery stream (and Kinesis stream, when used). */
export const deliveryStreamName = (project: string, stream: string) => `${project}-${stream}`;
/** `<project>-<stream>-firehose`: the delivery stream's role, the longest derived name (IAM: 64). */
export const firehoseRoleName = (project: string, stream: string) => `${project}-${stream}-firehose`;
/** `<project>-loader`: the loader Lambda and its role. */
export const loaderFunctionName = (project: string) => `${project}-loader`;
export const loaderRoleName = (project: string) => `${project}-loader`;
/** `<project>-redshift-copy`: the role Redshift assumes for COPY. */
export const copyRoleName = (project: string) => `${project}-redshift-copy`;
/** `<project>-warehouse`: the Redshift cluster. */
export const clusterName = (project: string) => `${project}-warehouse`;
