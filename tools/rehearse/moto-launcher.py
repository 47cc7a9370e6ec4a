"""Starts moto_server as one emulated AWS account, with the few additions the real
hashicorp/aws provider needs to apply and destroy this project's stacks.

    python3 tools/rehearse/moto-launcher.py --account 222222222222 --port 4610

moto (a third-party AWS emulator, installed on the image) answers most of what the stacks
create. What it lacks for aws_redshift_cluster / aws_redshift_parameter_group is added here,
each addition named and explained; nothing else of moto is changed:

1. Cluster status fields. After CreateCluster the provider waits until DescribeClusters shows
   ClusterAvailabilityStatus "Available", AvailabilityZoneRelocationStatus and MultiAZ set
   (its waiters poll these, and moto's Cluster has none of them), so without them apply hangs
   until its 75-minute timeout.
2. The managed master secret. The stack sets manage_master_password (Secrets Manager keeps the
   password, Terraform never sees it). moto ignores ManageMasterPassword and returns no
   MasterPasswordSecretArn, which the stack outputs and the loader reads. The launcher creates
   the secret {"username","password"} in this account's emulated Secrets Manager, as Redshift
   does, and returns its ARN.
3. ModifyClusterParameterGroup. The provider sets the parameter group's parameters (require_ssl,
   logging) with it right after CreateClusterParameterGroup; moto has no such action. It is
   added, and DescribeClusterParameters then returns the values it set, so the next plan is clean.
4. The default IAM role. The stack makes the COPY role the cluster's default (default_iam_role_arn,
   so COPY ... IAM_ROLE default works); moto attaches the IamRoles it is given but drops
   DefaultIamRoleArn. The launcher keeps the value CreateCluster sent and DescribeClusters returns
   it, as Redshift does, so `make doctor` checks what the stack asked for.
"""

import argparse
import json
import os
import secrets
import sys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--account", required=True, help="12-digit account id this server emulates")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    if not (args.account.isdigit() and len(args.account) == 12):
        print(f"moto-launcher: --account must be a 12-digit account id (got {args.account!r})", file=sys.stderr)
        sys.exit(2)
    # moto reads the account id of every request from this variable (one server = one account).
    os.environ["MOTO_ACCOUNT_ID"] = args.account

    from moto.core.responses import ActionResult
    from moto.redshift import models as redshift
    from moto.redshift.responses import RedshiftResponse
    from moto.secretsmanager.models import secretsmanager_backends

    # 1. Status fields the provider's waiters read (botocore names -> snake_case attributes).
    redshift.Cluster.cluster_availability_status = "Available"
    redshift.Cluster.availability_zone_relocation_status = "disabled"
    redshift.Cluster.multi_az = "Disabled"
    redshift.Cluster.master_password_secret_arn = None
    redshift.Cluster.default_iam_role_arn = None

    # 2. ManageMasterPassword: a real (emulated) secret, its ARN on the cluster.
    original_create = RedshiftResponse.create_cluster

    def create_cluster(self):  # type: ignore[no-untyped-def]
        result = original_create(self)
        # 4. DefaultIamRoleArn, as sent.
        default_role = self._get_param("DefaultIamRoleArn")
        if default_role:
            self.redshift_backend.clusters[self._get_param("ClusterIdentifier")].default_iam_role_arn = default_role
        if self._get_bool_param("ManageMasterPassword", False):
            cluster = self.redshift_backend.clusters[self._get_param("ClusterIdentifier")]
            backend = secretsmanager_backends[self.current_account][self.region]
            secret = backend.create_secret(
                name=f"redshift!{cluster.cluster_identifier}-{cluster.master_username}",
                secret_string=json.dumps(
                    {"username": cluster.master_username, "password": secrets.token_urlsafe(24)}
                ),
                secret_binary=None,
                description=f"Managed master password of Redshift cluster {cluster.cluster_identifier}",
                tags=[],
                kms_key_id=None,
                client_request_token=None,
                replica_regions=[],
                force_overwrite=False,
            )
            cluster.master_password_secret_arn = json.loads(secret)["ARN"]
        return result

    RedshiftResponse.create_cluster = create_cluster

    # 3. ModifyClusterParameterGroup, remembered per group and returned by DescribeClusterParameters.
    def modify_cluster_parameter_group(self):  # type: ignore[no-untyped-def]
        name = self._get_param("ParameterGroupName")
        group = self.redshift_backend.describe_cluster_parameter_groups(name)[0]
        overrides = getattr(group, "kr_parameters", {})
        for parameter in self._get_param("Parameters", []):
            overrides[parameter["ParameterName"]] = parameter["ParameterValue"]
        group.kr_parameters = overrides
        return ActionResult(
            {"ParameterGroupName": name, "ParameterGroupStatus": "Your parameter group has been updated."}
        )

    RedshiftResponse.modify_cluster_parameter_group = modify_cluster_parameter_group

    original_describe_parameters = redshift.RedshiftBackend.describe_cluster_parameters

    def describe_cluster_parameters(self, parameter_group_name):  # type: ignore[no-untyped-def]
        params = original_describe_parameters(self, parameter_group_name)
        overrides = getattr(self.parameter_groups[parameter_group_name], "kr_parameters", {})
        for param in params:
            if param["ParameterName"] in overrides:
                param["ParameterValue"] = overrides[param["ParameterName"]]
                param["Source"] = "user"
        known = {p["ParameterName"] for p in params}
        for name, value in overrides.items():
            if name not in known:
                params.append({"ParameterName": name, "ParameterValue": value, "Source": "user"})
        return params

    redshift.RedshiftBackend.describe_cluster_parameters = describe_cluster_parameters

    from moto.server import main as moto_main

    print(f"moto-launcher: account {args.account} on http://{args.host}:{args.port}", flush=True)
    moto_main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    main()
