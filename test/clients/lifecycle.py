#!/usr/bin/env python3
"""The state machine lifecycle with the real AWS clients against `stepd serve`:
versions and aliases, driven by boto3 and the AWS CLI, on SQLite and (with
STEPD_TEST_POSTGRES set) on PostgreSQL.

    python3 test/clients/lifecycle.py [--bin bin/stepd]

Publishes versions (on create, on update, and on their own), lists them,
starts executions on a version and on an alias whose 90/10 split over 1,000
starts must land within 5 points, checks that a routed version cannot be
deleted, and that deleting the machine deletes its versions and aliases.
Redrives a failed Task, a Parallel with one failed branch and a Map with a
failed iteration (what succeeded does not run again), and redrives an
execution, kills stepd with SIGKILL while the redriven task runs, restarts it
and checks the redrive finishes once. Redrives an execution a second time
after its first redrive failed again, with boto3 and with the AWS CLI.
Exits non-zero on the first failure.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
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

    # A failed Task redriven twice: the first redrive fails again, the second
    # succeeds.
    touch(workdir, "broken")
    with open(defn, "w") as f:
        json.dump({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FLAKY_ARN, "Parameters": {"cli": "fail-t"}, "End": True}}}, f)
    arn = aws("create-state-machine", "--name", name + "-redrive", "--definition", "file://" + defn, "--role-arn", ROLE)["stateMachineArn"]
    ex = aws("start-execution", "--state-machine-arn", arn)["executionArn"]

    def done():
        deadline = time.time() + 30
        while True:
            d = aws("describe-execution", "--execution-arn", ex)
            if d["status"] != "RUNNING":
                return d
            check(time.time() < deadline, f"{ex} still running")
            time.sleep(0.1)
    check(done()["status"] == "FAILED", "the first run fails")
    aws("redrive-execution", "--execution-arn", ex)
    d = done()
    check(d["status"] == "FAILED" and d["redriveCount"] == 1, d)
    touch(workdir, "broken", False)
    aws("redrive-execution", "--execution-arn", ex)
    d = done()
    check(d["status"] == "SUCCEEDED" and d["redriveCount"] == 2, d)
    check(runs(workdir, {"cli": "fail-t"}) == 3, f"the Task ran {runs(workdir, {'cli': 'fail-t'})} times, want 3")
    r = aws("redrive-execution", "--execution-arn", ex, ok=False)
    check(r.returncode != 0 and "ExecutionNotRedrivable" in r.stderr and "Execution is SUCCEEDED and cannot be redriven" in r.stderr, r.stderr)
    aws("delete-state-machine", "--state-machine-arn", arn)


FLAKY = """import json, os, sys, time
e = json.load(sys.stdin)
d = os.environ["LIFECYCLE_DIR"]
with open(os.path.join(d, "runs.log"), "a") as f:
    f.write(json.dumps(e, sort_keys=True) + "\\n")
if "fail" in json.dumps(e) and os.path.exists(os.path.join(d, "broken")):
    print(json.dumps({"errorType": "Broken", "errorMessage": "it broke"}))
    sys.exit(1)
if "fail" in json.dumps(e) and os.path.exists(os.path.join(d, "hang")):
    open(os.path.join(d, "hanging"), "w").close()
    time.sleep(60)
print(json.dumps(e))
"""


def flaky_config(workdir):
    script = os.path.join(workdir, "flaky.py")
    with open(script, "w") as f:
        f.write(FLAKY)
    return f"""  flaky:
    command: ["python3", {json.dumps(script)}]
"""


def runs(workdir, value):
    path = os.path.join(workdir, "runs.log")
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        return sum(1 for line in f if json.loads(line) == value)


def touch(workdir, name, on=True):
    path = os.path.join(workdir, name)
    if on:
        open(path, "w").close()
    elif os.path.exists(path):
        os.remove(path)


FLAKY_ARN = "arn:aws:lambda:us-east-1:123456789012:function:flaky"


def redrive_suite(sfn, workdir):
    def task(params, **kw):
        return {"Type": "Task", "Resource": FLAKY_ARN, "Parameters": params, **kw}
    machines = {
        "task": ({"StartAt": "A", "States": {"A": task({"step": "a"}, ResultPath="$.a", Next="B"),
                                             "B": task({"step": "fail-b"}, ResultPath="$.b", End=True)}}, {},
                 [{"step": "a"}], [{"step": "fail-b"}]),
        "parallel": ({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "X", "States": {"X": task({"branch": "ok"}, End=True)}},
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 2, "Next": "Y"}, "Y": task({"branch": "fail"}, End=True)}}]}}}, {},
            [{"branch": "ok"}], [{"branch": "fail"}]),
        "map": ({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "End": True, "ItemProcessor": {
            "StartAt": "T", "States": {"T": task({"item.$": "$"}, End=True)}}}}}, ["m1", "fail-m2", "m3"],
            [{"item": "m1"}], [{"item": "fail-m2"}]),
        "distributed": ({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "End": True, "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "T", "States": {"T": task({"d.$": "$"}, End=True)}}}}}, ["d1", "fail-d2", "d3"],
            [{"d": "d1"}, {"d": "d3"}], [{"d": "fail-d2"}]),
    }
    for name, (definition, inp, once, again) in machines.items():
        touch(workdir, "broken")
        arn = sfn.create_state_machine(name="redrive-" + name + "-" + uuid.uuid4().hex[:6], definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
        ex = sfn.start_execution(stateMachineArn=arn, input=json.dumps(inp))["executionArn"]
        d = wait_done(sfn, ex)
        check(d["status"] == "FAILED" and d["redriveStatus"] == "REDRIVABLE", d)
        touch(workdir, "broken", False)
        r = sfn.redrive_execution(executionArn=ex, clientToken="tok")
        check(sfn.redrive_execution(executionArn=ex, clientToken="tok")["redriveDate"] == r["redriveDate"], "client token")
        d = wait_done(sfn, ex)
        check(d["status"] == "SUCCEEDED" and d["redriveCount"] == 1 and "redriveDate" in d, d)
        for v in once:
            check(runs(workdir, v) == 1, f"{name}: {v} ran {runs(workdir, v)} times, want once")
        for v in again:
            check(runs(workdir, v) == 2, f"{name}: {v} ran {runs(workdir, v)} times, want twice")
        events = [e["type"] for e in sfn.get_execution_history(executionArn=ex, maxResults=1000)["events"]]
        check(events.count("ExecutionRedriven") == 1 and events.count("ExecutionFailed") == 1, events)
        check(name != "distributed" or events.count("MapRunRedriven") == 1, events)
        refused(lambda: sfn.redrive_execution(executionArn=ex), "ExecutionNotRedrivable", "Execution is SUCCEEDED and cannot be redriven")
    redriven = sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
    check(len(redriven) == 1 and redriven[0]["redriveCount"] == 1, redriven)
    print("  redrive of a failed Task, a Parallel with one failed branch, a Map with a failed iteration, a Distributed Map's Map Run: ok")
    redrive_twice(sfn, workdir)


def redrive_twice(sfn, workdir):
    """Redrives an execution that fails again, then redrives it a second
    time: redriveCount 2, two ExecutionRedriven events, the failed Task run
    three times and the one that had succeeded once."""
    touch(workdir, "broken")
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": FLAKY_ARN, "Parameters": {"twice": "a"}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Task", "Resource": FLAKY_ARN, "Parameters": {"twice": "fail-b"}, "ResultPath": "$.b", "End": True}}}
    arn = sfn.create_state_machine(name="twice-" + uuid.uuid4().hex[:6], definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    check(wait_done(sfn, ex)["status"] == "FAILED", "the first run fails")
    first = sfn.redrive_execution(executionArn=ex, clientToken="first")["redriveDate"]
    d = wait_done(sfn, ex)
    check(d["status"] == "FAILED" and d["redriveCount"] == 1 and d["redriveStatus"] == "REDRIVABLE", f"the first redrive fails again: {d}")
    touch(workdir, "broken", False)
    second = sfn.redrive_execution(executionArn=ex, clientToken="second")["redriveDate"]
    check(second > first, f"second redriveDate {second} after the first {first}")
    d = wait_done(sfn, ex)
    check(d["status"] == "SUCCEEDED" and d["redriveCount"] == 2 and d["redriveDate"] == second, f"after the second redrive: {d}")
    check(json.loads(d["output"]) == {"a": {"twice": "a"}, "b": {"twice": "fail-b"}}, d["output"])
    check(runs(workdir, {"twice": "a"}) == 1, f"the Task that had succeeded ran {runs(workdir, {'twice': 'a'})} times, want once")
    check(runs(workdir, {"twice": "fail-b"}) == 3, f"the failed Task ran {runs(workdir, {'twice': 'fail-b'})} times, want 3")
    events = [e["type"] for e in sfn.get_execution_history(executionArn=ex, maxResults=1000)["events"]]
    check(events.count("ExecutionRedriven") == 2 and events.count("ExecutionFailed") == 2 and events[-1] == "ExecutionSucceeded", events)
    redriven = [e for e in sfn.get_execution_history(executionArn=ex, maxResults=1000)["events"] if e["type"] == "ExecutionRedriven"]
    check([e["executionRedrivenEventDetails"]["redriveCount"] for e in redriven] == [1, 2], redriven)
    listed = sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
    check(len(listed) == 1 and listed[0]["redriveCount"] == 2, listed)
    refused(lambda: sfn.redrive_execution(executionArn=ex), "ExecutionNotRedrivable", "Execution is SUCCEEDED and cannot be redriven")
    print("  a second redrive of the same execution: ok")


def redrive_crash(binary, workdir, args, sfn_for):
    """Redrives a failed execution, kills stepd with SIGKILL while the
    redriven task runs, and checks that the restarted stepd finishes the
    redrive once: one ExecutionRedriven, redriveCount 1, the task's earlier
    success not repeated."""
    stepd = Stepd(binary, workdir, args=args, config=flaky_config(workdir))
    touch(workdir, "broken")
    sfn = sfn_for(stepd)
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": FLAKY_ARN, "Parameters": {"crash": "a"}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Task", "Resource": FLAKY_ARN, "Parameters": {"crash": "fail-b"}, "ResultPath": "$.b", "End": True}}}
    arn = sfn.create_state_machine(name="crash-" + uuid.uuid4().hex[:6], definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    check(wait_done(sfn, ex)["status"] == "FAILED", "the first run fails")
    touch(workdir, "broken", False)
    touch(workdir, "hang")
    sfn.redrive_execution(executionArn=ex)
    deadline = time.time() + 30
    while not os.path.exists(os.path.join(workdir, "hanging")):
        check(time.time() < deadline, "the redriven task did not start")
        time.sleep(0.05)
    stepd.proc.kill()
    stepd.proc.wait()
    touch(workdir, "hang", False)
    stepd = Stepd(binary, workdir, args=args, config=flaky_config(workdir))
    try:
        sfn = sfn_for(stepd)
        d = wait_done(sfn, ex, timeout=60)
        check(d["status"] == "SUCCEEDED" and d["redriveCount"] == 1, d)
        events = [e["type"] for e in sfn.get_execution_history(executionArn=ex, maxResults=1000)["events"]]
        check(events.count("ExecutionRedriven") == 1, events)
        check(runs(workdir, {"crash": "a"}) == 1, "the task that had succeeded ran again")
        check(runs(workdir, {"crash": "fail-b"}) == 3, f"fail-b ran {runs(workdir, {'crash': 'fail-b'})} times, want 3 (failed, killed, done)")
    finally:
        stepd.stop()
    r = subprocess.run([binary, "check", *args, "--data", os.path.join(workdir, "data")], capture_output=True, text=True)
    check(r.returncode == 0, f"stepd check after the crash: {r.stdout}{r.stderr}")
    print("  redrive after SIGKILL mid-way: ok (stepd check: ok)")


def run(binary, workdir, args, label):
    os.environ["LIFECYCLE_DIR"] = workdir
    stepd = Stepd(binary, workdir, args=args, config=flaky_config(workdir))
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
        redrive_suite(sfn, workdir)
        print(f"boto3 ({label}): ok")
        cli_suite(stepd, workdir, "cli-" + uuid.uuid4().hex[:8])
        print(f"aws cli ({label}): ok")
    finally:
        stepd.stop()
    redrive_crash(binary, workdir, args, lambda st: boto3.client(
        "stepfunctions", endpoint_url=st.url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, inject_host_prefix=False)))


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
        try:
            run(binary, os.path.join(workdir, "pg"), ["--store", pg, "--pg-schema", schema], "postgres")
        finally:  # the shared test database keeps no schema per run
            subprocess.run(["psql", pg, "-qc", f"DROP SCHEMA IF EXISTS {schema} CASCADE"], capture_output=True)
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
