// Terraform state per stack: a local file by default; an S3 backend with native lock files
// (Terraform >= 1.10 `use_lockfile`, no DynamoDB table) when the account has a state bucket.
import { join } from "node:path";
import { LocalBackend, S3Backend, type TerraformStack } from "cdktf";
import type { AccountSettings, StateSettings } from "./settings";

export function configureBackend(
  stack: TerraformStack,
  stackId: string,
  account: AccountSettings,
  region: string,
  state: StateSettings,
): void {
  if (!account.stateBucket) {
    new LocalBackend(stack, { path: join(state.localDir, `terraform.${stackId}.tfstate`) });
    return;
  }
  new S3Backend(stack, {
    bucket: account.stateBucket,
    key: `${state.keyPrefix}/${stackId}.tfstate`,
    region,
    encrypt: true,
    ...(account.profile ? { profile: account.profile } : {}),
    allowedAccountIds: [account.id],
  });
  // cdktf 0.21 predates `use_lockfile`; set it on the synthesized backend block directly.
  stack.addOverride("terraform.backend.s3.use_lockfile", true);
}
