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
# AUTO_APPROVE=1 skips the confirmation prompt.
#
# destroy checks every stack before touching any (needs the aws CLI when the state holds a bucket
# or a cluster). A bucket that still holds objects (force_destroy=false, e.g. the events bucket)
# stops it with the bucket, the object count and the two ways on:
#   KEEP_EVENTS=1    the bucket and its settings (policy, encryption, public access block, ...) are
#                    removed from the state (terraform state rm) and left in the account, untouched
#   DELETE_EVENTS=1  force_destroy=true is written to the state first (a targeted apply through a
#                    *_override.tf.json; force_destroy is a provider-side flag, no AWS call), so the
#                    destroy deletes every object (and version) and then the bucket
# An existing Redshift final snapshot name (<cluster>-final, skip_final_snapshot=false) stops it too:
# DeleteCluster would fail after the other resources are gone. With TF_BIN=cdktf, `state` uses terraform itself
# (set TERRAFORM_BINARY_NAME=tofu to make cdktf and `state` use OpenTofu).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# KR_WORKDIR (make rehearse: a scratch directory) holds .env, build.tfvars, cdktf.out and local state.
WORK="${KR_WORKDIR:-$ROOT}"
OUT="$WORK/cdktf.out/stacks"
TFVARS="$WORK/build.tfvars"
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

# --- destroy preflight --------------------------------------------------------------------------
# Lines describing what a stack's state holds that destroy could fail on (from `show -json`):
#   bucket <address> <name> <force_destroy>
#   child <address> <bucket name>          (a resource configuring that bucket)
#   cluster <address> <identifier> <final snapshot id> <skip_final_snapshot>
state_facts() {
  node -e '
    let raw = ""; process.stdin.on("data", (c) => (raw += c)).on("end", () => {
      const state = raw.trim() ? JSON.parse(raw) : {};
      const all = [];
      const walk = (m) => { if (!m) return; all.push(...(m.resources ?? [])); (m.child_modules ?? []).forEach(walk); };
      walk(state.values?.root_module);
      const managed = all.filter((r) => r.mode === "managed");
      const buckets = new Set();
      for (const r of managed.filter((r) => r.type === "aws_s3_bucket")) {
        buckets.add(r.values.bucket);
        console.log(["bucket", r.address, r.values.bucket, r.values.force_destroy === true].join(" "));
      }
      for (const r of managed)
        if (r.type !== "aws_s3_bucket" && r.type.startsWith("aws_s3_bucket") && buckets.has(r.values.bucket))
          console.log(["child", r.address, r.values.bucket].join(" "));
      for (const r of managed.filter((r) => r.type === "aws_redshift_cluster"))
        console.log(["cluster", r.address, r.values.cluster_identifier, r.values.final_snapshot_identifier || "-", r.values.skip_final_snapshot === true].join(" "));
    });'
}

# "--profile P --region R" of a synthesized stack, for the aws CLI.
aws_args() {
  node -e '
    const p = (JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).provider?.aws ?? [])[0] ?? {};
    console.log([p.profile ? `--profile ${p.profile}` : "", p.region ? `--region ${p.region}` : ""].join(" ").trim());
  ' "$1"
}

keep_events=false delete_events=false
truthy() { [ "${1:-}" = 1 ] || [ "${1:-}" = true ]; }
truthy "${KEEP_EVENTS:-}" && keep_events=true
truthy "${DELETE_EVENTS:-}" && delete_events=true
if $keep_events && $delete_events; then die "KEEP_EVENTS and DELETE_EVENTS exclude each other: choose one"; fi

# Per stack: the state rm / targeted-apply steps the preflight decided, and what to report at the end.
declare -A KEEP_ADDRS DELETE_ADDRS
KEPT_REPORT=()

preflight() {
  local tf blockers=() stack dir facts args init_log
  tf=$(plain_tf)
  command -v "$tf" >/dev/null || die "$tf not found on PATH (needed to read the state before destroying)"
  for stack in "$@"; do
    dir="$OUT/$stack"
    [ -f "$dir/cdk.tf.json" ] || die "$dir/cdk.tf.json not found: run make synth (stacks: account-a, account-b)"
    init_log=$(mktemp)
    if ! "$tf" -chdir="$dir" init -input=false >"$init_log" 2>&1; then
      cat "$init_log" >&2; rm -f "$init_log"; die "$tf init failed in $dir"
    fi
    rm -f "$init_log"
    facts=$("$tf" -chdir="$dir" show -json | state_facts)
    [ -n "$facts" ] || continue
    command -v aws >/dev/null || die "the aws CLI is needed to check $stack's buckets and cluster before destroying (install it, or destroy with $tf yourself)"
    read -r -a args <<<"$(aws_args "$dir/cdk.tf.json")"
    local kind addr name force final skip count
    while read -r kind addr name force skip_or_none; do
      case "$kind" in
        bucket)
          [ "$force" = true ] && continue
          # Up to 1001 keys: enough to tell "empty" from "holds data" without listing millions.
          count=$(aws s3api list-objects-v2 --bucket "$name" --max-items 1001 --query 'length(Contents || `[]`)' \
            --output text "${args[@]}") || die "could not list s3://$name (aws s3api list-objects-v2 ${args[*]})"
          [ "$count" = 0 ] && continue
          [ "$count" -gt 1000 ] && count="more than 1000"
          if $keep_events; then
            KEEP_ADDRS[$stack]+=" $addr $(awk -v b="$name" '$1 == "child" && $3 == b { printf "%s ", $2 }' <<<"$facts")"
            KEPT_REPORT+=("kept s3://$name ($count objects) and its settings; Terraform no longer manages it. Delete it later with: aws s3 rb s3://$name --force ${args[*]}")
          elif $delete_events; then
            DELETE_ADDRS[$stack]+=" $addr"
          else
            blockers+=("s3://$name ($stack) holds $count objects; destroying it would fail half-way (S3 BucketNotEmpty).
    keep the data:   make destroy KEEP_EVENTS=1    (the bucket and its settings leave the state and stay in the account)
    delete the data: make destroy DELETE_EVENTS=1  (every object and version is deleted with the bucket)")
          fi
          ;;
        cluster)
          final=$force skip=$skip_or_none
          [ "$skip" = true ] || [ "$final" = - ] && continue
          count=$(aws redshift describe-cluster-snapshots --snapshot-identifier "$final" --query 'length(Snapshots)' \
            --output text "${args[@]}" 2>/dev/null) || count=0
          [ "$count" = 0 ] && continue
          blockers+=("Redshift snapshot $final already exists ($stack): destroying cluster $name would fail at its final snapshot.
    delete the old snapshot: aws redshift delete-cluster-snapshot --snapshot-identifier $final ${args[*]}
    or skip the final one:   set skip_final_snapshot = true in build.tfvars, make create-infra, then make destroy")
          ;;
      esac
    done <<<"$facts"
  done
  if [ ${#blockers[@]} -gt 0 ]; then
    echo "deploy: destroy stopped before changing anything:" >&2
    printf '  - %s\n' "${blockers[@]}" >&2
    exit 1
  fi
}

# Carries out what preflight decided for one stack, right before its destroy.
prepare_destroy() {
  local stack=$1 dir=$2 tf addr override
  tf=$(plain_tf)
  for addr in ${KEEP_ADDRS[$stack]:-}; do
    echo "deploy: KEEP_EVENTS: terraform state rm $addr" >&2
    "$tf" -chdir="$dir" state rm "$addr" >&2
  done
  if [ -n "${DELETE_ADDRS[$stack]:-}" ]; then
    override="$dir/kr_delete_events_override.tf.json"
    node -e '
      const [file, ...addrs] = process.argv.slice(1);
      const resource = { aws_s3_bucket: Object.fromEntries(addrs.map((a) => [a.split(".")[1], { force_destroy: true }])) };
      require("fs").writeFileSync(file, JSON.stringify({ resource }));
    ' "$override" ${DELETE_ADDRS[$stack]}
    local targets=()
    for addr in ${DELETE_ADDRS[$stack]}; do targets+=("-target=$addr"); done
    echo "deploy: DELETE_EVENTS: force_destroy=true on${DELETE_ADDRS[$stack]} (targeted apply)" >&2
    "$tf" -chdir="$dir" apply -input=false -auto-approve ${var_args[@]+"${var_args[@]}"} "${targets[@]}" >&2 ||
      { rm -f "$override"; die "could not set force_destroy; nothing was destroyed"; }
    rm -f "$override"
  fi
}

[ "$action" = destroy ] && preflight "$@"

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
  [ "$action" = destroy ] && prepare_destroy "$stack" "$dir"

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

if [ ${#KEPT_REPORT[@]} -gt 0 ]; then
  echo "deploy: KEEP_EVENTS:" >&2
  printf '  %s\n' "${KEPT_REPORT[@]}" >&2
fi
