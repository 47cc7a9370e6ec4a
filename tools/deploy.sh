#!/usr/bin/env bash
# Applies, destroys or lists the state of synthesized stacks (cdktf.out/stacks/<stack>/cdk.tf.json).
#
#   tools/deploy.sh apply   <cdktf|terraform|tofu> <stack>...   in the order given
#   tools/deploy.sh destroy <cdktf|terraform|tofu> <stack>...   in the order given
#   tools/deploy.sh state   <cdktf|terraform|tofu> <stack>      terraform state list
#
# Each stack's provider (and S3 backend) already names its own AWS profile and allowed account, so
# no AWS_PROFILE juggling is needed and a stack can never be applied to the wrong account.
# build.tfvars is passed to the stacks that declare its variables (account-b).
# AUTO_APPROVE=1 skips the confirmation prompt. With TF_BIN=cdktf, `state` uses terraform itself
# (set TERRAFORM_BINARY_NAME=tofu to make cdktf and `state` use OpenTofu).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/cdktf.out/stacks"
TFVARS="$ROOT/build.tfvars"
CDKTF="$ROOT/apps/infra/node_modules/.bin/cdktf"
# Stacks whose Terraform variables come from build.tfvars.
TFVARS_STACKS=" account-b "

die() { echo "deploy: $*" >&2; exit 2; }

[ $# -ge 3 ] || die "usage: tools/deploy.sh apply|destroy|state cdktf|terraform|tofu <stack>..."
action=$1 tf_bin=$2
shift 2

case "$tf_bin" in
  cdktf) [ -x "$CDKTF" ] || die "cdktf CLI not installed ($CDKTF); run make install" ;;
  terraform | tofu) command -v "$tf_bin" >/dev/null || die "$tf_bin not found on PATH" ;;
  *) die "TF_BIN must be cdktf, terraform or tofu (got $tf_bin)" ;;
esac
case "$action" in
  apply | destroy | state) ;;
  *) die "unknown action $action (apply, destroy, state)" ;;
esac

# "profile <p>, account <id>" of a synthesized stack, read from its provider block.
describe() {
  node -e '
    const tf = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const p = (tf.provider?.aws ?? [])[0] ?? {};
    const backend = Object.keys(tf.terraform?.backend ?? { local: 1 })[0];
    console.log(`profile ${p.profile ?? "(default chain)"}, account ${(p.allowed_account_ids ?? ["?"]).join(",")}, region ${p.region}, ${backend} state`);
  ' "$1"
}

# The binary that runs plain Terraform commands (state list) for this TF_BIN.
plain_tf() {
  if [ "$tf_bin" = cdktf ]; then echo "${TERRAFORM_BINARY_NAME:-terraform}"; else echo "$tf_bin"; fi
}

for stack in "$@"; do
  dir="$OUT/$stack"
  [ -f "$dir/cdk.tf.json" ] || die "$dir/cdk.tf.json not found: run make synth (stacks: account-a, account-b)"
  var_args=()
  if [[ "$TFVARS_STACKS" == *" $stack "* && -f "$TFVARS" && "$action" != state ]]; then
    var_args=("-var-file=$TFVARS")
  fi
  approve=()
  if [ "${AUTO_APPROVE:-}" = 1 ] || [ "${AUTO_APPROVE:-}" = true ]; then approve=("-auto-approve"); fi
  echo "== $action $stack ($(describe "$dir/cdk.tf.json"))" >&2

  if [ "$action" = state ]; then
    tf=$(plain_tf)
    command -v "$tf" >/dev/null || die "$tf not found on PATH"
    # Only the backend is needed to read state: a failed provider download (offline) is not fatal.
    init_log=$(mktemp)
    "$tf" -chdir="$dir" init -input=false >"$init_log" 2>&1 || true
    if ! "$tf" -chdir="$dir" state list; then
      echo "deploy: $tf init said:" >&2
      cat "$init_log" >&2
      rm -f "$init_log"
      exit 1
    fi
    rm -f "$init_log"
  elif [ "$tf_bin" = cdktf ]; then
    # cdktf runs init + plan + apply/destroy in the stack directory; its flags take two dashes.
    command=destroy
    [ "$action" = apply ] && command=deploy
    cdktf_args=("$command" "$stack" --skip-synth)
    [ ${#var_args[@]} -gt 0 ] && cdktf_args+=("--var-file=$TFVARS")
    [ ${#approve[@]} -gt 0 ] && cdktf_args+=(--auto-approve)
    (cd "$ROOT" && "$CDKTF" "${cdktf_args[@]}")
  else
    "$tf_bin" -chdir="$dir" init -input=false
    "$tf_bin" -chdir="$dir" "$action" -input=false ${var_args[@]+"${var_args[@]}"} ${approve[@]+"${approve[@]}"}
  fi
done
