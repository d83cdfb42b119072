#!/usr/bin/env python3
"""The state machine lifecycle with the real AWS clients against `stepd serve`:
versions and aliases, driven by boto3 and the AWS CLI, on SQLite and (with
STEPD_TEST_POSTGRES set) on PostgreSQL.

    python3 test/clients/lifecycle.py [--bin bin/stepd]

Publishes versions (on create, on update, and on their own), lists them,
starts executions on a version and on an alias whose 90/10 split over 1,000
starts must land within 5 points, checks that a routed version cannot be
deleted, and that deleting the machine deletes its versions and aliases.
Exits non-zero on the first failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid

import boto3
import botocore.exceptions
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clients import ROLE, Stepd, check, wait_done  # noqa: E402

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"rev": "R1", "machine.$": "$$.StateMachine.Id"}, "End": True}}}


def refused(call, code, message=None):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        check(err["Code"] == code, f"error {err}, want {code}")
        check(message is None or err["Message"] == message, f"message {err['Message']!r}, want {message!r}")
        return
    raise AssertionError(f"no error, want {code}")


def versions_suite(sfn, name):
    sm = sfn.create_state_machine(name=name, definition=json.dumps(PASS), roleArn=ROLE, publish=True, versionDescription="first")
    arn = sm["stateMachineArn"]
    v1 = arn + ":1"
    check(sm["stateMachineVersionArn"] == v1, sm)
    d = sfn.describe_state_machine(stateMachineArn=v1)
    check(d["stateMachineArn"] == v1 and d["description"] == "first" and json.loads(d["definition"]) == PASS, d)
    check(sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"] == v1, "unchanged revision")
    two = json.loads(json.dumps(PASS).replace("R1", "R2"))
    up = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(two), publish=True, versionDescription="second")
    v2 = arn + ":2"
    check(up["stateMachineVersionArn"] == v2, up)
    refused(lambda: sfn.publish_state_machine_version(stateMachineArn=arn, revisionId="stale"), "ConflictException",
            f"Failed to publish the State Machine version for revision stale. The current State Machine revision is {up['revisionId']}.")
    listed = [v["stateMachineVersionArn"] for v in sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]]
    check(listed == [v2, v1], listed)
    page = sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=1)
    check(len(page["stateMachineVersions"]) == 1 and "nextToken" in page, page)

    ex = sfn.start_execution(stateMachineArn=v1)
    d = wait_done(sfn, ex["executionArn"])
    check(d["stateMachineVersionArn"] == v1 and json.loads(d["output"]) == {"rev": "R1", "machine": v1}, d)
    ex = sfn.start_execution(stateMachineArn=arn)
    d = wait_done(sfn, ex["executionArn"])
    check("stateMachineVersionArn" not in d and json.loads(d["output"])["rev"] == "R2", d)
    on_v1 = sfn.list_executions(stateMachineArn=v1)["executions"]
    check(len(on_v1) == 1 and on_v1[0]["stateMachineVersionArn"] == v1, on_v1)
    return arn, v1, v2


def aliases_suite(sfn, arn, v1, v2):
    refused(lambda: sfn.create_state_machine_alias(name="a", routingConfiguration=[{"stateMachineVersionArn": arn, "weight": 100}]),
            "ValidationException", f"Routing configuration must contain state machine version ARNs. Received: [{arn}]")
    refused(lambda: sfn.create_state_machine_alias(name="a", routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 70}, {"stateMachineVersionArn": v2, "weight": 29}]),
        "ValidationException", "Sum of routing configuration weights must equal 100. Received: [70, 29]")
    refused(lambda: sfn.create_state_machine_alias(name="123", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]),
            "ValidationException")
    alias = sfn.create_state_machine_alias(name="PROD", description="live", routingConfiguration=[
        {"stateMachineVersionArn": v1, "weight": 90}, {"stateMachineVersionArn": v2, "weight": 10}])["stateMachineAliasArn"]
    check(alias == arn + ":PROD", alias)
    refused(lambda: sfn.delete_state_machine_version(stateMachineVersionArn=v2), "ConflictException",
            "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [PROD]")
    counts = {v1: 0, v2: 0}
    for _ in range(1000):
        ex = sfn.start_execution(stateMachineArn=alias)
        d = sfn.describe_execution(executionArn=ex["executionArn"])
        check(d["stateMachineAliasArn"] == alias, d)
        counts[d["stateMachineVersionArn"]] += 1
    check(850 <= counts[v1] <= 950, f"90/10 over 1000 starts: {counts}")
    print(f"  90/10 alias over 1000 starts: {counts[v1]}/{counts[v2]}")
    listed = sfn.list_executions(stateMachineArn=alias, maxResults=1000)["executions"]
    check(len(listed) == 1000 and all(e["stateMachineAliasArn"] == alias for e in listed), len(listed))
    sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])
    d = sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
    check(d["name"] == "PROD" and d["description"] == "live" and d["routingConfiguration"] == [{"stateMachineVersionArn": v1, "weight": 100}], d)
    sfn.delete_state_machine_version(stateMachineVersionArn=v2)
    check([a["stateMachineAliasArn"] for a in sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]] == [alias], "aliases")


def cli_suite(stepd, workdir, name):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")

    def aws(*args, ok=True):
        r = subprocess.run(["aws", "stepfunctions", "--endpoint-url", stepd.url, "--output", "json", *args],
                           capture_output=True, text=True, env=env, timeout=60)
        if not ok:
            return r
        check(r.returncode == 0, f"aws {' '.join(args)}: {r.stderr}")
        return json.loads(r.stdout) if r.stdout.strip() else {}

    defn = os.path.join(workdir, "cli.asl.json")
    with open(defn, "w") as f:
        json.dump(PASS, f)
    sm = aws("create-state-machine", "--name", name, "--definition", "file://" + defn, "--role-arn", ROLE, "--publish")
    arn, v1 = sm["stateMachineArn"], sm["stateMachineVersionArn"]
    check(v1 == arn + ":1", sm)
    aws("create-state-machine-alias", "--name", "live", "--routing-configuration", f"stateMachineVersionArn={v1},weight=100")
    ex = aws("start-execution", "--state-machine-arn", arn + ":live")
    d = aws("describe-execution", "--execution-arn", ex["executionArn"])
    check(d["stateMachineVersionArn"] == v1 and d["stateMachineAliasArn"] == arn + ":live", d)
    check(len(aws("list-state-machine-versions", "--state-machine-arn", arn)["stateMachineVersions"]) == 1, "versions")
    r = aws("delete-state-machine-version", "--state-machine-version-arn", v1, ok=False)
    check(r.returncode != 0 and "ConflictException" in r.stderr, r.stderr)
    aws("delete-state-machine-alias", "--state-machine-alias-arn", arn + ":live")
    aws("delete-state-machine-version", "--state-machine-version-arn", v1)
    aws("delete-state-machine", "--state-machine-arn", arn)


def run(binary, workdir, args, label):
    stepd = Stepd(binary, workdir, args=args)
    try:
        sfn = boto3.client("stepfunctions", endpoint_url=stepd.url, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test",
                           config=Config(retries={"max_attempts": 1}, inject_host_prefix=False))
        name = "life-" + uuid.uuid4().hex[:8]
        arn, v1, v2 = versions_suite(sfn, name)
        aliases_suite(sfn, arn, v1, v2)
        sfn.delete_state_machine(stateMachineArn=arn)
        refused(lambda: sfn.describe_state_machine(stateMachineArn=v1), "StateMachineDoesNotExist")
        refused(lambda: sfn.describe_state_machine_alias(stateMachineAliasArn=arn + ":PROD"), "ResourceNotFound")
        print(f"boto3 ({label}): ok")
        cli_suite(stepd, workdir, "cli-" + uuid.uuid4().hex[:8])
        print(f"aws cli ({label}): ok")
    finally:
        stepd.stop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("STEPD_BIN", "bin/stepd"))
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    workdir = tempfile.mkdtemp(prefix="stepd-lifecycle-")
    os.makedirs(os.path.join(workdir, "sqlite"))
    run(binary, os.path.join(workdir, "sqlite"), [], "sqlite")
    pg = os.environ.get("STEPD_TEST_POSTGRES")
    if pg:
        schema = "lifecycle_" + uuid.uuid4().hex[:8]
        os.makedirs(os.path.join(workdir, "pg"))
        run(binary, os.path.join(workdir, "pg"), ["--store", pg, "--pg-schema", schema], "postgres")
    else:
        print("postgres: skipped (STEPD_TEST_POSTGRES is not set)")
    shutil.rmtree(workdir, ignore_errors=True)
    print("lifecycle: ok")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
