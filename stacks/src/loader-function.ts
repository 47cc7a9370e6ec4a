// The loader Lambda: an esbuild bundle zipped by a TerraformAsset, arm64, inside the private
// subnets, reserved concurrency, JSON logs in a group with retention, failed async invocations
// kept in an encrypted queue (its alarms: loader-alarms.ts), and a role that holds only what it is given.
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { AssetType, Fn, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { bundleLambda } from "./lambda-bundle";
import { type PolicyStatement, policyDocument, serviceTrustPolicy } from "./policy";

export interface LoaderFunctionProps {
  readonly functionName: string;
  /** TypeScript/JavaScript entry exporting `handler`. */
  readonly entry: string;
  /** Role name (fixed: account A's bucket policy names its ARN). */
  readonly roleName: string;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  /** Non-secret settings only: the security aspect fails synth on anything that looks like a secret. */
  readonly environment: Record<string, string>;
  /** What the loader itself may do (S3, Secrets Manager); logs, ENIs and the failure queue are added here. */
  readonly policyStatements: readonly PolicyStatement[];
  /** Default 512 MB: the loader streams listings and SQL, Redshift does the heavy lifting. */
  readonly memoryMb?: number;
  /** Default 900 s (the Lambda maximum): a long re-import chunk must not be cut short. */
  readonly timeoutSeconds?: number;
  /** Default 2: one scheduled run plus one manual re-import; per-stream locks serialize the rest. */
  readonly reservedConcurrency?: number;
  /** Default 30 days. */
  readonly logRetentionDays?: number;
  /** Default nodejs22.x. */
  readonly runtime?: string;
  /** Retries of failed async (scheduled) invocations before they go to the failure queue. Default 1. */
  readonly maxRetries?: number;
}

export class LoaderFunction extends Construct {
  readonly function: LambdaFunction;
  readonly functionName: string;
  readonly functionArn: string;
  readonly role: IamRole;
  readonly roleArn: string;
  /** Queue receiving failed asynchronous invocations. */
  readonly failureQueueArn: string;
  /** Its name (literal, for alarm and dashboard dimensions). */
  readonly failureQueueName: string;
  /** Bundle size in bytes (before zip). */
  readonly bundleBytes: number;

  constructor(scope: Construct, id: string, props: LoaderFunctionProps) {
    super(scope, id);
    const bundle = bundleLambda(props.entry);
    this.bundleBytes = bundle.bytes;
    const asset = new TerraformAsset(this, "bundle", { path: bundle.dir, type: AssetType.ARCHIVE });

    const logGroup = new CloudwatchLogGroup(this, "log-group", {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays ?? 30,
    });
    const failures = new SqsQueue(this, "failures", {
      name: `${props.functionName}-failures`, // = failureQueueName
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    this.failureQueueArn = failures.arn;
    this.failureQueueName = `${props.functionName}-failures`;

    this.role = new IamRole(this, "role", {
      name: props.roleName,
      assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com"),
    });
    const rolePolicy = new IamRolePolicy(this, "role-policy", {
      name: "loader",
      role: this.role.id,
      policy: policyDocument([
        {
          Sid: "OwnLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${logGroup.arn}:*`,
        },
        {
          // What AWSLambdaVPCAccessExecutionRole grants; these EC2 actions do not support resource ARNs.
          Sid: "VpcNetworkInterfaces",
          Effect: "Allow",
          Action: [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSubnets",
            "ec2:DeleteNetworkInterface",
            "ec2:AssignPrivateIpAddresses",
            "ec2:UnassignPrivateIpAddresses",
          ],
          Resource: "*",
        },
        { Sid: "FailureDestination", Effect: "Allow", Action: "sqs:SendMessage", Resource: failures.arn },
        ...props.policyStatements,
      ]),
    });

    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      role: this.role.arn,
      filename: asset.path,
      sourceCodeHash: Fn.filebase64sha256(asset.path),
      handler: bundle.handler,
      runtime: props.runtime ?? "nodejs22.x",
      architectures: ["arm64"],
      memorySize: props.memoryMb ?? 512,
      timeout: props.timeoutSeconds ?? 900,
      reservedConcurrentExecutions: props.reservedConcurrency ?? 2,
      vpcConfig: { subnetIds: props.subnetIds, securityGroupIds: props.securityGroupIds },
      environment: { variables: props.environment },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      // The role's policy and the log group must exist before the first invocation.
      dependsOn: [rolePolicy, logGroup],
    });
    // References (not the literal name) so dependents are created after the function.
    this.functionName = this.function.functionName;
    this.functionArn = this.function.arn;
    this.roleArn = this.role.arn;

    // A scheduled run that ends with work pending invokes itself again (backlog drain): this function
    // only, asynchronously. A policy of its own, since the function's ARN exists only after the
    // function, which itself waits for the role's main policy.
    new IamRolePolicy(this, "self-invoke", {
      name: "continue-drain",
      role: this.role.id,
      policy: policyDocument([
        {
          Sid: "ContinueDrain",
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          Resource: this.function.arn,
        },
      ]),
    });

    new LambdaFunctionEventInvokeConfig(this, "async", {
      functionName: this.functionName,
      maximumRetryAttempts: props.maxRetries ?? 1,
      destinationConfig: { onFailure: { destination: failures.arn } },
    });
  }
}
