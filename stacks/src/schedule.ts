// EventBridge rule that invokes the loader on a schedule. A scheduled run carries no range: the
// loader then loads every not-yet-loaded file of its look-back window, so missed runs catch up.
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct } from "constructs";

export interface LoaderScheduleProps {
  readonly name: string;
  readonly functionName: string;
  readonly functionArn: string;
  /** `rate(...)` or `cron(...)`. Default `rate(1 hour)`. */
  readonly expression?: string;
  /** Default true. */
  readonly enabled?: boolean;
}

export class LoaderSchedule extends Construct {
  readonly ruleArn: string;

  constructor(scope: Construct, id: string, props: LoaderScheduleProps) {
    super(scope, id);
    const rule = new CloudwatchEventRule(this, "rule", {
      name: props.name,
      description: "Scheduled loader run: load every new file of the look-back window",
      scheduleExpression: props.expression ?? "rate(1 hour)",
      state: (props.enabled ?? true) ? "ENABLED" : "DISABLED",
    });
    new CloudwatchEventTarget(this, "target", {
      rule: rule.name,
      // No input: the handler receives the standard "Scheduled Event" (no range = look-back run).
      arn: props.functionArn,
    });
    // Only this rule may invoke the function on EventBridge's behalf.
    new LambdaPermission(this, "permission", {
      statementId: "AllowScheduleInvoke",
      action: "lambda:InvokeFunction",
      functionName: props.functionName,
      principal: "events.amazonaws.com",
      sourceArn: rule.arn,
    });
    this.ruleArn = rule.arn;
  }
}
