// IAM policy documents as plain JSON strings: readable in the synthesized stack, checkable by the
// security aspect and by tests without a Terraform plan (unlike aws_iam_policy_document data sources).

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | Record<string, string | string[]>;
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** Trust policy letting one AWS service assume a role, optionally under a condition. */
export function serviceTrustPolicy(service: string, condition?: PolicyStatement["Condition"]): string {
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      ...(condition ? { Condition: condition } : {}),
    },
  ]);
}
