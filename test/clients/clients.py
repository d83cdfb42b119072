#!/usr/bin/env python3
"""Drives a real `stepd serve` with the real AWS clients: boto3 and the AWS CLI.

    python3 test/clients/clients.py [--bin bin/stepd]

Starts stepd on a free port with a fresh data directory, then exercises the API
as users do: create, start, describe, history with pagination (both directions,
with and without data), list, stop, an activity worker with heartbeats, a
.waitForTaskToken callback answered with SendTaskSuccess, StartSyncExecution on
an Express machine, a Distributed Map's Map Run (ListMapRuns, DescribeMapRun,
UpdateMapRun, its children listed, its abort), AWS-shaped errors, and the same
through the AWS CLI.
Then a second stepd with --auth sigv4 and two accounts: both clients work
with the right keys, get AWS's errors with wrong ones (a wrong secret, an
unknown key, no signature, a clock 20 minutes off, a missing session token),
and one account sees nothing of the other's. Exits non-zero on the first
failure.
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import boto3
import botocore
import botocore.auth
import botocore.exceptions
from botocore.config import Config

ROLE = "arn:aws:iam::123456789012:role/stepd"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


class Stepd:
    def __init__(self, binary, workdir, args=(), config=""):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token_file = os.path.join(workdir, "token.txt")
        cfg = os.path.join(workdir, "stepd.yaml")
        with open(cfg, "w") as f:
            f.write(f"""functions:
  greet:
    command: ["python3", "-c", "import json,sys; e=json.load(sys.stdin); print(json.dumps({{'greeting': 'hello ' + e['name']}}))"]
  hand-out-token:
    command: ["python3", "-c", "import json,sys; e=json.load(sys.stdin); open({self.token_file!r}, 'w').write(e['token']); print('{{}}')"]
""" + config)
        self.log = open(os.path.join(workdir, "stepd.log"), "w")
        self.proc = subprocess.Popen(
            [binary, "serve", "--addr", f"127.0.0.1:{self.port}", "--data", os.path.join(workdir, "data"), "--config", cfg, *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("stepd did not start; see " + self.log.name)
                time.sleep(0.05)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("stepd did not stop within 30 s of SIGTERM")
        check(self.proc.returncode == 0, f"stepd exited {self.proc.returncode} on SIGTERM")


def wait_done(sfn, arn, timeout=30):
    deadline = time.time() + timeout
    while True:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING":
            return d
        check(time.time() < deadline, f"{arn} still running after {timeout}s")
        time.sleep(0.05)


def boto3_suite(sfn, stepd):
    # Create, describe, list.
    definition = {
        "StartAt": "Greet",
        "States": {
            "Greet": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:greet", "Next": "Wait"},
            "Wait": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
            "Done": {"Type": "Pass", "End": True},
        },
    }
    sm = sfn.create_state_machine(name="greeter", definition=json.dumps(definition), roleArn=ROLE)
    arn = sm["stateMachineArn"]
    check(arn.endswith(":stateMachine:greeter"), arn)
    again = sfn.create_state_machine(name="greeter", definition=json.dumps(definition), roleArn=ROLE)
    check(again["stateMachineArn"] == arn, "CreateStateMachine is not idempotent")
    desc = sfn.describe_state_machine(stateMachineArn=arn)
    check(json.loads(desc["definition"]) == definition and desc["type"] == "STANDARD" and desc["status"] == "ACTIVE", desc)
    names = [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
    check("greeter" in names, names)

    # Start, describe, history with pagination.
    ex = sfn.start_execution(stateMachineArn=arn, name="first", input=json.dumps({"name": "PSY"}))
    d = wait_done(sfn, ex["executionArn"])
    check(d["status"] == "SUCCEEDED", d)
    check(json.loads(d["output"]) == {"greeting": "hello PSY"}, d["output"])
    full = sfn.get_execution_history(executionArn=ex["executionArn"])["events"]
    types = [e["type"] for e in full]
    check(types[0] == "ExecutionStarted" and types[-1] == "ExecutionSucceeded" and "WaitStateExited" in types, types)
    paged, token = [], None
    while True:
        kw = {"executionArn": ex["executionArn"], "maxResults": 3}
        if token:
            kw["nextToken"] = token
        page = sfn.get_execution_history(**kw)
        check(len(page["events"]) <= 3, "a page is larger than maxResults")
        paged += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    check([e["id"] for e in paged] == [e["id"] for e in full], "paginated history differs")
    rev = sfn.get_execution_history(executionArn=ex["executionArn"], reverseOrder=True, maxResults=2)
    check([e["id"] for e in rev["events"]] == [full[-1]["id"], full[-2]["id"]], rev["events"])
    bare = sfn.get_execution_history(executionArn=ex["executionArn"], includeExecutionData=False)["events"]
    check("input" not in bare[0].get("executionStartedEventDetails", {}), bare[0])

    # Idempotent start, ExecutionAlreadyExists, errors.
    try:
        sfn.start_execution(stateMachineArn=arn, name="first", input=json.dumps({"name": "other"}))
        raise AssertionError("reusing a finished execution's name did not fail")
    except sfn.exceptions.ExecutionAlreadyExists:
        pass
    try:
        sfn.describe_execution(executionArn=ex["executionArn"] + "-nope")
        raise AssertionError("describing an unknown execution did not fail")
    except sfn.exceptions.ExecutionDoesNotExist:
        pass
    try:
        sfn.create_state_machine(name="bad", definition='{"StartAt":"X","States":{}}', roleArn=ROLE)
        raise AssertionError("an invalid definition was accepted")
    except sfn.exceptions.InvalidDefinition as e:
        check("X" in str(e), str(e))

    # List and stop.
    waiting = sfn.create_state_machine(name="sleeper", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}))["stateMachineArn"]
    running = sfn.start_execution(stateMachineArn=waiting, name="sleepy")["executionArn"]
    listed = sfn.list_executions(stateMachineArn=waiting, statusFilter="RUNNING")["executions"]
    check([e["executionArn"] for e in listed] == [running], listed)
    stopped = sfn.stop_execution(executionArn=running, error="Halt", cause="test")
    check("stopDate" in stopped, stopped)
    d = sfn.describe_execution(executionArn=running)
    check(d["status"] == "ABORTED", d)

    # An activity worker with heartbeats.
    act = sfn.create_activity(name="approve")["activityArn"]
    amach = sfn.create_state_machine(name="approval", roleArn=ROLE, definition=json.dumps(
        {"StartAt": "Approve", "States": {"Approve": {"Type": "Task", "Resource": act, "HeartbeatSeconds": 30, "End": True}}}))
    aex = sfn.start_execution(stateMachineArn=amach["stateMachineArn"], input=json.dumps({"doc": 7}))["executionArn"]
    task = sfn.get_activity_task(activityArn=act, workerName="worker-1")
    check(task.get("taskToken") and json.loads(task["input"]) == {"doc": 7}, task)
    sfn.send_task_heartbeat(taskToken=task["taskToken"])
    sfn.send_task_success(taskToken=task["taskToken"], output=json.dumps({"approved": True}))
    d = wait_done(sfn, aex)
    check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"approved": True}, d)
    try:
        sfn.send_task_success(taskToken=task["taskToken"], output="{}")
        raise AssertionError("answering a closed task did not fail")
    except sfn.exceptions.TaskTimedOut:
        pass

    # A task token handed out by a function (.waitForTaskToken), answered by us.
    cmach = sfn.create_state_machine(name="callback", roleArn=ROLE, definition=json.dumps({
        "StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                                            "Parameters": {"FunctionName": "hand-out-token", "Payload": {"token.$": "$$.Task.Token"}},
                                            "End": True}}}))
    cex = sfn.start_execution(stateMachineArn=cmach["stateMachineArn"])["executionArn"]
    deadline = time.time() + 20
    while not (os.path.exists(stepd.token_file) and os.path.getsize(stepd.token_file) > 0):
        check(time.time() < deadline, "the function did not hand out the token")
        time.sleep(0.05)
    with open(stepd.token_file) as f:
        token = f.read()
    sfn.send_task_failure(taskToken=token, error="Rejected", cause="by the test")
    d = wait_done(sfn, cex)
    check(d["status"] == "FAILED" and d["error"] == "Rejected", d)

    # StartSyncExecution on an Express machine.
    emach = sfn.create_state_machine(name="quick", roleArn=ROLE, type="EXPRESS", definition=json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a, $.b)"}, "End": True}}}))
    sync = sfn.start_sync_execution(stateMachineArn=emach["stateMachineArn"], input=json.dumps({"a": 2, "b": 3}))
    check(sync["status"] == "SUCCEEDED" and json.loads(sync["output"]) == {"sum": 5}, sync)

    # Tags.
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "core"}])
    tags = sfn.list_tags_for_resource(resourceArn=arn)["tags"]
    check(tags == [{"key": "team", "value": "core"}], tags)


def map_run_of(sfn, execution_arn, timeout=30):
    deadline = time.time() + timeout
    while True:
        runs = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
        if runs:
            return runs[0]["mapRunArn"]
        check(time.time() < deadline, f"no Map Run in {execution_arn}")
        time.sleep(0.05)


def wait_map_run(sfn, run, cond, timeout=30):
    deadline = time.time() + timeout
    while True:
        d = sfn.describe_map_run(mapRunArn=run)
        if cond(d):
            return d
        check(time.time() < deadline, f"Map Run {run}: {d}")
        time.sleep(0.05)


def map_run_suite(sfn):
    """A Distributed Map's run through boto3: its actions, its children, its
    update and its abort, and the errors."""
    def fan(processor, **extra):
        return json.dumps({"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "ItemsPath": "$.items", "Label": "Fan", **extra,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, **processor}, "End": True}}})
    done = sfn.create_state_machine(name="fanout", roleArn=ROLE, definition=fan(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"got.$": "$"}, "End": True}}}))
    ex = sfn.start_execution(stateMachineArn=done["stateMachineArn"], input=json.dumps({"items": [1, 2, 3]}))
    d = wait_done(sfn, ex["executionArn"])
    check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == [{"got": 1}, {"got": 2}, {"got": 3}], d)
    runs = sfn.list_map_runs(executionArn=ex["executionArn"])["mapRuns"]
    check(len(runs) == 1 and runs[0]["stateMachineArn"] == done["stateMachineArn"] + "/Fan" and "stopDate" in runs[0], runs)
    run = runs[0]["mapRunArn"]
    check(run.startswith("arn:aws:states:us-east-1:123456789012:mapRun:fanout/Fan:"), run)
    m = sfn.describe_map_run(mapRunArn=run)
    check(m["status"] == "SUCCEEDED" and m["executionArn"] == ex["executionArn"] and m["itemCounts"]["succeeded"] == 3
          and m["executionCounts"]["total"] == 3 and m["executionCounts"]["resultsWritten"] == 3 and m["redriveCount"] == 0, m)
    children = sfn.list_executions(mapRunArn=run)["executions"]
    check(len(children) == 3 and all(c["mapRunArn"] == run and c["itemCount"] == 1 and c["status"] == "SUCCEEDED" for c in children), children)
    child = sfn.describe_execution(executionArn=children[0]["executionArn"])
    check(child["mapRunArn"] == run and child["stateMachineArn"] == done["stateMachineArn"] + "/Fan", child)
    paginator = sfn.get_paginator("list_executions")
    pages = list(paginator.paginate(mapRunArn=run, PaginationConfig={"PageSize": 2}))
    check(sum(len(p["executions"]) for p in pages) == 3 and len(pages) == 2, pages)

    # A run held by its children, updated, then aborted with its parent.
    held = sfn.create_state_machine(name="held", roleArn=ROLE, definition=fan(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100000, "End": True}}}, MaxConcurrency=1))
    ex = sfn.start_execution(stateMachineArn=held["stateMachineArn"], input=json.dumps({"items": [1, 2, 3, 4]}))
    run = map_run_of(sfn, ex["executionArn"])
    m = wait_map_run(sfn, run, lambda d: d["executionCounts"]["running"] == 1)
    check(m["status"] == "RUNNING" and m["maxConcurrency"] == 1 and m["executionCounts"]["pending"] == 3 and "stopDate" not in m, m)
    sfn.update_map_run(mapRunArn=run, maxConcurrency=3, toleratedFailurePercentage=25.5)
    m = wait_map_run(sfn, run, lambda d: d["executionCounts"]["running"] == 3)
    check(m["maxConcurrency"] == 3 and m["toleratedFailurePercentage"] == 25.5, m)
    sfn.stop_execution(executionArn=ex["executionArn"])
    m = wait_map_run(sfn, run, lambda d: d["status"] == "ABORTED" and d["executionCounts"]["running"] == 0)
    check(m["executionCounts"]["aborted"] == 3 and m["executionCounts"]["pending"] == 1, m)
    types = [e["type"] for e in sfn.get_execution_history(executionArn=ex["executionArn"])["events"]]
    check(types[-3:] == ["MapRunStarted", "MapRunAborted", "ExecutionAborted"], types)

    missing = run[:-1] + ("0" if run[-1] != "0" else "1")
    refused(lambda: sfn.describe_map_run(mapRunArn=missing), "ResourceNotFound")
    refused(lambda: sfn.update_map_run(mapRunArn=run, maxConcurrency=2), "ValidationException")
    refused(lambda: sfn.describe_map_run(mapRunArn=ex["executionArn"]), "InvalidArn")
    refused(lambda: sfn.list_executions(mapRunArn=run, stateMachineArn=held["stateMachineArn"]), "ValidationException")
    return done["stateMachineArn"]


def cli_suite(stepd, workdir):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")

    def aws(*args):
        r = subprocess.run(["aws", "stepfunctions", "--endpoint-url", stepd.url, "--output", "json", *args],
                           capture_output=True, text=True, env=env, timeout=60)
        check(r.returncode == 0, f"aws {' '.join(args)}: {r.stderr}")
        return json.loads(r.stdout) if r.stdout.strip() else {}

    defn = os.path.join(workdir, "cli.asl.json")
    with open(defn, "w") as f:
        json.dump({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"cli": True}, "End": True}}}, f)
    sm = aws("create-state-machine", "--name", "from-cli", "--definition", "file://" + defn, "--role-arn", ROLE)
    ex = aws("start-execution", "--state-machine-arn", sm["stateMachineArn"], "--input", '{"x": 1}')
    d = aws("describe-execution", "--execution-arn", ex["executionArn"])
    check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"cli": True}, d)

    # StartSyncExecution with the one setting of docs/clients.md: the CLI
    # (botocore) adds no "sync-" to the host with
    # AWS_DISABLE_HOST_PREFIX_INJECTION=true (botocore 1.35 and later).
    import botocore.configprovider
    if "disable_host_prefix_injection" not in botocore.configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES:
        print("SKIP: this botocore has no AWS_DISABLE_HOST_PREFIX_INJECTION (it came in 1.35)")
    else:
        env["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
        fast = aws("create-state-machine", "--name", "cli-express", "--type", "EXPRESS", "--definition", "file://" + defn, "--role-arn", ROLE)
        sync = aws("start-sync-execution", "--state-machine-arn", fast["stateMachineArn"])
        check(sync["status"] == "SUCCEEDED" and json.loads(sync["output"]) == {"cli": True}, sync)
        import boto3
        plain = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
        os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true"
        try:
            sync = plain.client("stepfunctions", endpoint_url=stepd.url).start_sync_execution(stateMachineArn=fast["stateMachineArn"])
        finally:
            del os.environ["AWS_DISABLE_HOST_PREFIX_INJECTION"]
        check(sync["status"] == "SUCCEEDED", sync)
        del env["AWS_DISABLE_HOST_PREFIX_INJECTION"]
    h = aws("get-execution-history", "--execution-arn", ex["executionArn"])
    check([e["type"] for e in h["events"]] == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"], h)
    listed = aws("list-state-machines")
    check(any(m["name"] == "from-cli" for m in listed["stateMachines"]), listed)
    r = subprocess.run(["aws", "stepfunctions", "--endpoint-url", stepd.url, "describe-state-machine",
                        "--state-machine-arn", sm["stateMachineArn"] + "-nope"], capture_output=True, text=True, env=env)
    check(r.returncode != 0 and "StateMachineDoesNotExist" in r.stderr, r.stderr)

    # Map Runs, through the CLI's commands.
    fan = "arn:aws:states:us-east-1:123456789012:stateMachine:fanout"  # map_run_suite made it
    ex = aws("start-execution", "--state-machine-arn", fan, "--input", '{"items": [1, 2]}')
    deadline = time.time() + 30
    while aws("describe-execution", "--execution-arn", ex["executionArn"])["status"] == "RUNNING":
        check(time.time() < deadline, "the fan-out did not end")
        time.sleep(0.05)
    runs = aws("list-map-runs", "--execution-arn", ex["executionArn"])["mapRuns"]
    check(len(runs) == 1, runs)
    m = aws("describe-map-run", "--map-run-arn", runs[0]["mapRunArn"])
    check(m["status"] == "SUCCEEDED" and m["itemCounts"]["total"] == 2, m)
    kids = aws("list-executions", "--map-run-arn", runs[0]["mapRunArn"])["executions"]
    check(len(kids) == 2 and all(k["mapRunArn"] == runs[0]["mapRunArn"] for k in kids), kids)
    r = subprocess.run(["aws", "stepfunctions", "--endpoint-url", stepd.url, "update-map-run", "--map-run-arn", runs[0]["mapRunArn"],
                        "--max-concurrency", "5"], capture_output=True, text=True, env=env)
    check(r.returncode != 0 and "ValidationException" in r.stderr, r.stderr)


# The key pairs of the --auth sigv4 server: two accounts, and a temporary key
# of the first with its session token.
ALICE = ("AKIDALICE", "alice-secret-0123456789", "111111111111")
BOB = ("AKIDBOB", "bob-secret-0123456789", "222222222222")
TEMP = ("ASIATEMP", "temp-secret-0123456789", "111111111111", "the-session-token")
AUTH_CONFIG = f"""auth:
  credentials:
    - {{access_key_id: {ALICE[0]}, secret_access_key: {ALICE[1]}, account: "{ALICE[2]}"}}
    - {{access_key_id: {BOB[0]}, secret_access_key: {BOB[1]}, account: "{BOB[2]}"}}
    - {{access_key_id: {TEMP[0]}, secret_access_key: {TEMP[1]}, account: "{TEMP[2]}", session_token: {TEMP[3]}}}
"""


def client(stepd, key, secret, token=None, **kw):
    return boto3.client("stepfunctions", endpoint_url=stepd.url, region_name=kw.pop("region", "us-east-1"),
                        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                        config=Config(retries={"max_attempts": 1}, read_timeout=70, inject_host_prefix=False, **kw))


def refused(call, code, message=None):
    """Checks that call fails with an AWS error code (and message start)."""
    try:
        call()
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        check(err["Code"] == code, f"got {err['Code']}: {err.get('Message')}, want {code}")
        if message is not None:
            check(err.get("Message", "").startswith(message), f"{code}: {err.get('Message')!r} does not start with {message!r}")
        return e
    raise AssertionError(f"no error, want {code}")


def boto3_auth_suite(stepd):
    alice, bob = client(stepd, *ALICE[:2]), client(stepd, *BOB[:2])
    temp = client(stepd, *TEMP[:2], token=TEMP[3])
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}})
    arn = alice.create_state_machine(name="mine", definition=definition, roleArn=ROLE)["stateMachineArn"]
    check(arn == f"arn:aws:states:us-east-1:{ALICE[2]}:stateMachine:mine", arn)
    ex = temp.start_execution(stateMachineArn=arn, input="{}")["executionArn"]
    d = wait_done(alice, ex)
    check(d["status"] == "SUCCEEDED", d)
    quick = alice.create_state_machine(name="quick", definition=definition, roleArn=ROLE, type="EXPRESS")["stateMachineArn"]
    sync = alice.start_sync_execution(stateMachineArn=quick)
    check(sync["status"] == "SUCCEEDED" and json.loads(sync["output"]) == {"ok": True}, sync)

    # Bob's account sees nothing of Alice's.
    check(bob.list_state_machines()["stateMachines"] == [], "Bob sees Alice's machines")
    refused(lambda: bob.describe_state_machine(stateMachineArn=arn), "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
    refused(lambda: bob.describe_execution(executionArn=ex), "ExecutionDoesNotExist")
    refused(lambda: bob.start_execution(stateMachineArn=arn), "StateMachineDoesNotExist")
    check(bob.list_executions()["executions"] == [], "Bob sees Alice's executions")

    # Wrong keys get AWS's errors.
    refused(lambda: client(stepd, ALICE[0], "wrong").list_state_machines(), "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided.")
    refused(lambda: client(stepd, "AKIDNOBODY", ALICE[1]).list_state_machines(), "UnrecognizedClientException",
            "The security token included in the request is invalid.")
    refused(lambda: client(stepd, *TEMP[:2]).list_state_machines(), "UnrecognizedClientException",
            "The security token included in the request is invalid")
    refused(lambda: client(stepd, *ALICE[:2], region="eu-west-1").list_state_machines(), "InvalidSignatureException",
            "Credential should be scoped to a valid region, not 'eu-west-1'.")
    refused(lambda: client(stepd, "x", "x", signature_version=botocore.UNSIGNED).list_state_machines(),
            "MissingAuthenticationTokenException", "Request is missing Authentication Token")
    real = botocore.auth.get_current_datetime
    try:
        botocore.auth.get_current_datetime = lambda: real() - datetime.timedelta(minutes=20)
        refused(lambda: alice.list_state_machines(), "InvalidSignatureException", "Signature expired: ")
        botocore.auth.get_current_datetime = lambda: real() + datetime.timedelta(minutes=20)
        refused(lambda: alice.list_state_machines(), "InvalidSignatureException", "Signature not yet current: ")
    finally:
        botocore.auth.get_current_datetime = real


def cli_auth_suite(stepd):
    def aws(key, secret, *args):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
        env.pop("AWS_SESSION_TOKEN", None)
        return subprocess.run(["aws", "stepfunctions", "--endpoint-url", stepd.url, "--output", "json", *args],
                              capture_output=True, text=True, env=env, timeout=60)

    r = aws(BOB[0], BOB[1], "create-activity", "--name", "from-cli")
    check(r.returncode == 0 and json.loads(r.stdout)["activityArn"] == f"arn:aws:states:us-east-1:{BOB[2]}:activity:from-cli", r.stderr)
    r = aws(BOB[0], BOB[1], "list-activities")
    check(r.returncode == 0 and [a["name"] for a in json.loads(r.stdout)["activities"]] == ["from-cli"], r.stdout + r.stderr)
    r = aws(ALICE[0], ALICE[1], "list-activities")
    check(r.returncode == 0 and json.loads(r.stdout)["activities"] == [], "Alice sees Bob's activities: " + r.stdout)
    r = aws(BOB[0], "wrong", "list-activities")
    check(r.returncode != 0 and "(InvalidSignatureException)" in r.stderr, r.stderr)
    r = aws("AKIDNOBODY", "x", "list-activities")
    check(r.returncode != 0 and "(UnrecognizedClientException)" in r.stderr and "The security token included in the request is invalid." in r.stderr, r.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("STEPD_BIN", "bin/stepd"))
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="stepd-clients-")
    stepd = Stepd(os.path.abspath(args.bin), workdir)
    try:
        sfn = boto3.client("stepfunctions", endpoint_url=stepd.url, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test",
                           config=Config(retries={"max_attempts": 1}, read_timeout=70,
                                         inject_host_prefix=False))  # StartSyncExecution: no sync- host
        boto3_suite(sfn, stepd)
        map_run_suite(sfn)
        print("boto3: ok")
        if shutil.which("aws"):
            cli_suite(stepd, workdir)
            print("aws cli: ok")
        else:
            raise AssertionError("the AWS CLI is not installed (CI needs it)")
    finally:
        stepd.stop()

    authdir = os.path.join(workdir, "auth")
    os.makedirs(authdir)
    secured = Stepd(os.path.abspath(args.bin), authdir, args=["--auth", "sigv4"], config=AUTH_CONFIG)
    try:
        boto3_auth_suite(secured)
        print("boto3 with --auth sigv4: ok")
        cli_auth_suite(secured)
        print("aws cli with --auth sigv4: ok")
    finally:
        secured.stop()
    shutil.rmtree(workdir, ignore_errors=True)
    print("clients: ok")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL:", e, file=sys.stderr)
        sys.exit(1)
