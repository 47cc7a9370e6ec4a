// The Redshift cluster: private, encrypted, TLS required, master password generated and kept by
// Secrets Manager (never in code, tfvars or state), the COPY role attached as default, audit logs
// in CloudWatch with a retention, and enhanced VPC routing so COPY traffic stays on the VPC's S3 endpoint.
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { RedshiftCluster } from "@cdktf/provider-aws/lib/redshift-cluster";
import { RedshiftLogging } from "@cdktf/provider-aws/lib/redshift-logging";
import { RedshiftParameterGroup } from "@cdktf/provider-aws/lib/redshift-parameter-group";
import { RedshiftSubnetGroup } from "@cdktf/provider-aws/lib/redshift-subnet-group";
import { Fn, type IResolvable, Op, Token } from "cdktf";
import { Construct } from "constructs";

const AUDIT_LOGS = ["connectionlog", "userlog", "useractivitylog"];

/**
 * Node types a new cluster can be created with, and their node counts at creation. Amazon Redshift
 * Management Guide, *Clusters and nodes*, RA3 table ("Node range with create cluster"): ra3.xlplus 1
 * (single-node) or 2–16, ra3.4xlarge 2–32, ra3.16xlarge 2–128. ra3.large is newer than that table:
 * 1 or 2–16 as AWS lists it now. DC2 is refused: AWS no longer creates new DC2 clusters.
 */
export const NODE_RANGES = {
  "ra3.large": { single: true, min: 2, max: 16 },
  "ra3.xlplus": { single: true, min: 2, max: 16 },
  "ra3.4xlarge": { single: false, min: 2, max: 32 },
  "ra3.16xlarge": { single: false, min: 2, max: 128 },
} as const satisfies Record<string, { single: boolean; min: number; max: number }>;

export type NodeType = keyof typeof NODE_RANGES;

/** Why a node type and count cannot be created, or undefined when they can. */
export function nodeCountProblem(nodeType: string, nodes: number): string | undefined {
  if (nodeType.startsWith("dc2."))
    return `${nodeType}: AWS no longer creates new DC2 clusters; use ra3.xlplus (1, or 2-16 nodes) or a larger RA3 type`;
  const range = (NODE_RANGES as Record<string, { single: boolean; min: number; max: number }>)[nodeType];
  if (!range) return `${nodeType} is not a Redshift node type (${Object.keys(NODE_RANGES).join(", ")})`;
  if (nodes === 1 && range.single) return undefined;
  if (nodes >= range.min && nodes <= range.max) return undefined;
  const allowed = range.single ? `1, or ${range.min}-${range.max}` : `${range.min}-${range.max}`;
  return `${nodeType} takes ${allowed} nodes at creation (got ${nodes})`;
}

export interface WarehouseClusterProps {
  readonly identifier: string;
  readonly databaseName: string;
  /** Master user name (may be a Terraform variable reference). */
  readonly masterUsername: string;
  readonly nodeType: string;
  /** Node count; more than one makes a multi-node cluster (may be a variable reference). */
  readonly numberOfNodes: number;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  /** Role Redshift assumes for COPY: attached and made the default (`IAM_ROLE default`). */
  readonly copyRoleArn: string;
  /** Default 5439. */
  readonly port?: number;
  /** Skip the final snapshot on destroy. Default false: destroying keeps `<identifier>-final`. */
  readonly skipFinalSnapshot?: boolean | IResolvable;
  /** Automated snapshot retention in days. Default 7. */
  readonly snapshotRetentionDays?: number;
  /** KMS key for storage encryption; default the AWS-managed Redshift key. Encryption is always on. */
  readonly kmsKeyId?: string;
  /** Retention of the audit log groups. Default 30 days. */
  readonly logRetentionDays?: number;
}

/** NODE_RANGES as a Terraform precondition, for the variables' values at plan time. */
function nodeRangePrecondition(nodeType: string, nodes: number) {
  const entries = Object.entries(NODE_RANGES);
  // try(): Terraform's && does not short-circuit, so an unknown type must not fail the index first.
  const field = (pick: (r: (typeof entries)[number][1]) => number | boolean, otherwise: number | boolean) =>
    Fn.try([Fn.lookup(Object.fromEntries(entries.map(([t, r]) => [t, pick(r)])), nodeType), otherwise]);
  const inRange = Op.and(
    Op.gte(
      nodes,
      field((r) => r.min, 0),
    ),
    Op.lte(
      nodes,
      field((r) => r.max, 0),
    ),
  );
  const ranges = entries.map(([t, r]) => `${t} ${r.single ? "1 or " : ""}${r.min}-${r.max}`).join(", ");
  return {
    condition: Op.and(
      Fn.contains(Object.keys(NODE_RANGES), nodeType),
      Op.or(
        Op.and(
          Op.eq(nodes, 1),
          field((r) => r.single, false),
        ),
        inRange,
      ),
    ),
    errorMessage: `node_type and number_of_nodes: ${ranges} nodes at creation (DC2 can no longer be created).`,
  };
}

export class WarehouseCluster extends Construct {
  readonly cluster: RedshiftCluster;
  /** Private endpoint host name. */
  readonly host: string;
  readonly port: number;
  readonly databaseName: string;
  /** ARN of the Secrets Manager secret holding the master credentials. */
  readonly masterSecretArn: string;

  constructor(scope: Construct, id: string, props: WarehouseClusterProps) {
    super(scope, id);
    const subnetGroup = new RedshiftSubnetGroup(this, "subnets", {
      name: `${props.identifier}-subnets`,
      subnetIds: props.subnetIds,
    });
    const parameters = new RedshiftParameterGroup(this, "parameters", {
      name: `${props.identifier}-params`,
      family: "redshift-1.0",
      parameter: [
        { name: "require_ssl", value: "true" },
        // Needed for the useractivitylog audit export.
        { name: "enable_user_activity_logging", value: "true" },
      ],
    });
    const nodes = props.numberOfNodes;
    const clusterType = Token.isUnresolved(nodes)
      ? Token.asString(Fn.conditional(Op.gt(nodes, 1), "multi-node", "single-node"))
      : nodes > 1
        ? "multi-node"
        : "single-node";

    this.cluster = new RedshiftCluster(this, "cluster", {
      clusterIdentifier: props.identifier,
      databaseName: props.databaseName,
      masterUsername: props.masterUsername,
      manageMasterPassword: true,
      nodeType: props.nodeType,
      clusterType,
      numberOfNodes: nodes,
      port: props.port ?? 5439,
      publiclyAccessible: false,
      encrypted: "true",
      ...(props.kmsKeyId ? { kmsKeyId: props.kmsKeyId } : {}),
      enhancedVpcRouting: true,
      clusterSubnetGroupName: subnetGroup.name,
      clusterParameterGroupName: parameters.name,
      vpcSecurityGroupIds: props.securityGroupIds,
      iamRoles: [props.copyRoleArn],
      defaultIamRoleArn: props.copyRoleArn,
      automatedSnapshotRetentionPeriod: props.snapshotRetentionDays ?? 7,
      skipFinalSnapshot: props.skipFinalSnapshot ?? false,
      finalSnapshotIdentifier: `${props.identifier}-final`,
      // build.tfvars may differ from what synth validated: the same node ranges, checked at plan.
      lifecycle: { precondition: [nodeRangePrecondition(props.nodeType, nodes)] },
    });

    // Pre-create the groups Redshift exports into, so they get a retention instead of "never expire".
    const logGroups = AUDIT_LOGS.map(
      (log) =>
        new CloudwatchLogGroup(this, `audit-${log}`, {
          name: `/aws/redshift/cluster/${props.identifier}/${log}`,
          retentionInDays: props.logRetentionDays ?? 30,
        }),
    );
    new RedshiftLogging(this, "audit-logging", {
      clusterIdentifier: this.cluster.clusterIdentifier,
      logDestinationType: "cloudwatch",
      logExports: AUDIT_LOGS,
      dependsOn: logGroups,
    });

    this.host = this.cluster.dnsName;
    this.port = this.cluster.port;
    this.databaseName = props.databaseName;
    this.masterSecretArn = this.cluster.masterPasswordSecretArn;
  }
}
