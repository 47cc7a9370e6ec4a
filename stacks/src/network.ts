// Account B's network: an existing VPC when configured, otherwise a minimal private one (two AZs,
// no internet or NAT gateway). The loader reaches AWS APIs through VPC endpoints, and the cluster
// admits port 5439 only from the loader's security group.
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsPrefixList } from "@cdktf/provider-aws/lib/data-aws-prefix-list";
import { DataAwsRouteTables } from "@cdktf/provider-aws/lib/data-aws-route-tables";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn } from "cdktf";
import { Construct } from "constructs";
import { policyDocument } from "./policy";

export interface WarehouseNetworkProps {
  /** Name prefix of the network resources. */
  readonly name: string;
  readonly region: string;
  /** Existing VPC; unset = create one. */
  readonly vpcId?: string;
  /** Existing private subnets (required with vpcId; two or more AZs). */
  readonly subnetIds?: readonly string[];
  /** CIDR of the created VPC. Default 10.42.0.0/16. */
  readonly cidr?: string;
  /** Create the endpoints the loader needs. Default true. Without them the VPC must route to AWS APIs itself. */
  readonly createEndpoints?: boolean;
  /** Interface endpoints (service short names). Default ["secretsmanager"]: the loader's only non-S3 API. */
  readonly interfaceEndpointServices?: readonly string[];
  /** Buckets the S3 gateway endpoint lets traffic reach (list/get/put); unset = any bucket. */
  readonly s3BucketArns?: readonly string[];
  /** Cluster port. Default 5439. */
  readonly clusterPort?: number;
}

export class WarehouseNetwork extends Construct {
  readonly vpcId: string;
  readonly subnetIds: string[];
  /** Attach to the loader Lambda. */
  readonly loaderSecurityGroupId: string;
  /** Attach to the cluster: admits the cluster port from the loader group only. */
  readonly clusterSecurityGroupId: string;

  constructor(scope: Construct, id: string, props: WarehouseNetworkProps) {
    super(scope, id);
    const port = props.clusterPort ?? 5439;
    const createEndpoints = props.createEndpoints ?? true;
    let routeTableIds: string[];

    if (props.vpcId) {
      if (!props.subnetIds || props.subnetIds.length < 2) {
        throw new Error("WarehouseNetwork: an existing vpcId needs at least two subnetIds");
      }
      this.vpcId = props.vpcId;
      this.subnetIds = [...props.subnetIds];
      routeTableIds = createEndpoints
        ? new DataAwsRouteTables(this, "route-tables", { vpcId: props.vpcId }).ids
        : [];
    } else {
      const cidr = props.cidr ?? "10.42.0.0/16";
      const vpc = new Vpc(this, "vpc", {
        cidrBlock: cidr,
        // Private DNS of interface endpoints needs both.
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: { Name: props.name },
      });
      this.vpcId = vpc.id;
      // Nothing may use the default group: strip its allow-all rules.
      new DefaultSecurityGroup(this, "default-sg", { vpcId: vpc.id });
      const azs = new DataAwsAvailabilityZones(this, "azs", { state: "available" });
      const routeTable = new RouteTable(this, "private-routes", {
        vpcId: vpc.id,
        tags: { Name: `${props.name}-private` },
      });
      this.subnetIds = [0, 1].map((i) => {
        const subnet = new Subnet(this, `private-${i}`, {
          vpcId: vpc.id,
          availabilityZone: Fn.element(azs.names, i),
          cidrBlock: Fn.cidrsubnet(cidr, 4, i),
          mapPublicIpOnLaunch: false,
          tags: { Name: `${props.name}-private-${i}` },
        });
        new RouteTableAssociation(this, `private-${i}-routes`, {
          subnetId: subnet.id,
          routeTableId: routeTable.id,
        });
        return subnet.id;
      });
      routeTableIds = [routeTable.id];
    }

    const group = (name: string, description: string) =>
      new SecurityGroup(this, name, { name: `${props.name}-${name}`, description, vpcId: this.vpcId });
    const loader = group("loader", "Loader Lambda: egress to the cluster and AWS endpoints only");
    const cluster = group("cluster", "Redshift: ingress from the loader only");
    this.loaderSecurityGroupId = loader.id;
    this.clusterSecurityGroupId = cluster.id;

    new VpcSecurityGroupIngressRule(this, "cluster-from-loader", {
      securityGroupId: cluster.id,
      referencedSecurityGroupId: loader.id,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      description: "Redshift from the loader",
    });
    new VpcSecurityGroupEgressRule(this, "loader-to-cluster", {
      securityGroupId: loader.id,
      referencedSecurityGroupId: cluster.id,
      ipProtocol: "tcp",
      fromPort: port,
      toPort: port,
      description: "Loader to Redshift",
    });

    // S3 is reached through the gateway endpoint: its prefix list is the only HTTPS egress needed by
    // the loader (list/get events, put manifests) and by the cluster (COPY with enhanced VPC routing).
    const s3PrefixList = new DataAwsPrefixList(this, "s3-prefix-list", {
      name: `com.amazonaws.${props.region}.s3`,
    });
    for (const [name, sg] of [
      ["loader", loader],
      ["cluster", cluster],
    ] as const) {
      new VpcSecurityGroupEgressRule(this, `${name}-to-s3`, {
        securityGroupId: sg.id,
        prefixListId: s3PrefixList.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to S3 (gateway endpoint)",
      });
    }

    if (createEndpoints) {
      const s3Policy = props.s3BucketArns
        ? policyDocument([
            {
              Sid: "ProductBucketsOnly",
              Effect: "Allow",
              Principal: "*",
              Action: ["s3:ListBucket", "s3:GetObject", "s3:PutObject"],
              Resource: props.s3BucketArns.flatMap((arn) => [arn, `${arn}/*`]),
            },
          ])
        : undefined;
      new VpcEndpoint(this, "s3-endpoint", {
        vpcId: this.vpcId,
        serviceName: `com.amazonaws.${props.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds,
        ...(s3Policy ? { policy: s3Policy } : {}),
        tags: { Name: `${props.name}-s3` },
      });
      const endpoints = group("endpoints", "Interface endpoints: HTTPS from the loader only");
      new VpcSecurityGroupIngressRule(this, "endpoints-from-loader", {
        securityGroupId: endpoints.id,
        referencedSecurityGroupId: loader.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS from the loader",
      });
      new VpcSecurityGroupEgressRule(this, "loader-to-endpoints", {
        securityGroupId: loader.id,
        referencedSecurityGroupId: endpoints.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "Loader to interface endpoints",
      });
      for (const service of props.interfaceEndpointServices ?? ["secretsmanager"]) {
        new VpcEndpoint(this, `${service}-endpoint`, {
          vpcId: this.vpcId,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.subnetIds,
          securityGroupIds: [endpoints.id],
          tags: { Name: `${props.name}-${service}` },
        });
      }
    } else {
      // The existing VPC routes to AWS APIs itself (NAT or its own endpoints): allow HTTPS out.
      new VpcSecurityGroupEgressRule(this, "loader-to-https", {
        securityGroupId: loader.id,
        cidrIpv4: "0.0.0.0/0",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        description: "HTTPS to AWS APIs through the VPC's own routes",
      });
    }
  }
}
