#!/usr/bin/env python3
"""A Step Functions Local test suite, unchanged, against `stepd serve --mock-config`.

    python3 test/clients/mock_config.py [--bin bin/stepd]

The suite of AWS's documentation for Step Functions Local's mocked service
integrations: the LambdaSQSIntegration state machine, its mock configuration
(cmd/stepd/testdata/MockConfigFile.json, the documentation's
MockConfigFile.json) given to the server through SFN_MOCK_CONFIG, and its three
test cases started as the documentation starts them, on
"<state machine ARN>#<test case>", with boto3:

  HappyPath   both Task states mocked;
  RetryPath   the Lambda state fails three times (the mocked attempts 0, 1-2)
              and succeeds on its fourth invocation (3), as its Retry allows;
  HybridPath  the Lambda state mocked, the SQS state calling SQS for real
              (moto's server; the case is skipped, saying so, without
              moto_server, unless STEPD_REQUIRE_MOTO=1).

Each case checks the execution's events as the documentation and Step
Functions Local's own tests do. Exits non-zero on the first failure.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
MOCK_CONFIG = os.path.join(HERE, "..", "..", "cmd", "stepd", "testdata", "MockConfigFile.json")

DEFINITION = {
    "Comment": "This state machine is called: LambdaSQSIntegration",
    "StartAt": "LambdaState",
    "States": {
        "LambdaState": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"Payload.$": "$", "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:HelloWorldFunction"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}],
            "Next": "SQSState",
        },
        "SQSState": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue", "MessageBody.$": "$"},
            "End": True,
        },
    },
}

LAMBDA_RESULT = {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def wait_port(port, proc, log, what):
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{what} did not start; see {log}")
            time.sleep(0.05)


def history(sfn, arn):
    deadline = time.time() + 30
    while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
        check(time.time() < deadline, f"{arn} still running after 30 s")
        time.sleep(0.05)
    return sfn.get_execution_history(executionArn=arn, includeExecutionData=True)["events"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("STEPD_BIN", "bin/stepd"))
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="stepd-mock-")
    procs = []
    try:
        env = dict(os.environ, SFN_MOCK_CONFIG=MOCK_CONFIG)
        cfg = os.path.join(work, "stepd.yaml")
        sqs = None
        moto = shutil.which("moto_server")
        if moto:
            moto_port = free_port()
            moto_log = os.path.join(work, "moto.log")
            p = subprocess.Popen([moto, "-p", str(moto_port)], stdout=open(moto_log, "w"), stderr=subprocess.STDOUT)
            procs.append(p)
            wait_port(moto_port, p, moto_log, "moto_server")
            with open(cfg, "w") as f:
                f.write(f"services:\n  sqs:\n    endpoint: http://127.0.0.1:{moto_port}\n    region: us-east-1\n")
            sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{moto_port}", region_name="us-east-1",
                               aws_access_key_id="test", aws_secret_access_key="test")
        elif os.environ.get("STEPD_REQUIRE_MOTO") == "1":
            raise AssertionError("moto_server is required (STEPD_REQUIRE_MOTO=1) and missing")
        else:
            with open(cfg, "w") as f:
                f.write("{}\n")
        port = free_port()
        log = os.path.join(work, "stepd.log")
        # --time-scale shortens the retry path's 2, 4 and 8 second intervals.
        p = subprocess.Popen([args.bin, "serve", "--addr", f"127.0.0.1:{port}", "--data", os.path.join(work, "data"),
                              "--config", cfg, "--time-scale", "0.01"], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
        procs.append(p)
        wait_port(port, p, log, "stepd serve")
        sfn = boto3.client("stepfunctions", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))

        sm = sfn.create_state_machine(name="LambdaSQSIntegration", definition=json.dumps(DEFINITION),
                                      roleArn="arn:aws:iam::123456789012:role/service-role/LambdaSQSIntegration")
        arn = sm["stateMachineArn"]
        check(arn == "arn:aws:states:us-east-1:123456789012:stateMachine:LambdaSQSIntegration", arn)

        # HappyPath: the start answers as any start; the history shows the mocks.
        start = sfn.start_execution(stateMachineArn=arn + "#HappyPath", name="executionWithHappyPathMockedServices")
        check(start["executionArn"] == "arn:aws:states:us-east-1:123456789012:execution:LambdaSQSIntegration:executionWithHappyPathMockedServices",
              start["executionArn"])
        events = history(sfn, start["executionArn"])
        check(json.loads(events[4]["taskSucceededEventDetails"]["output"]) == LAMBDA_RESULT, events[4])
        check(events[6]["type"] == "TaskStateEntered" and json.loads(events[6]["stateEnteredEventDetails"]["input"]) == LAMBDA_RESULT, events[6])
        sqs_out = json.loads(events[9]["taskSucceededEventDetails"]["output"])
        check(sqs_out == {"MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51", "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}, sqs_out)
        check(events[-1]["type"] == "ExecutionSucceeded", events[-1])
        print("ok  HappyPath")

        # RetryPath: attempts 0, 1 and 2 fail, 3 succeeds.
        run = sfn.start_execution(stateMachineArn=arn + "#RetryPath", name="executionWithRetryPathMockedServices")
        events = history(sfn, run["executionArn"])
        def failed(e, error, cause):
            d = e.get("taskFailedEventDetails", {})
            return e["type"] == "TaskFailed" and d.get("error") == error and d.get("cause") == cause
        check(failed(events[4], "Lambda.ResourceNotReadyException", "Lambda resource is not ready."), events[4])
        for i in (7, 10):
            check(failed(events[i], "Lambda.TimeoutException", "Lambda timed out."), events[i])
        check(json.loads(events[13]["taskSucceededEventDetails"]["output"]) == LAMBDA_RESULT, events[13])
        check(events[-1]["type"] == "ExecutionSucceeded", events[-1])
        print("ok  RetryPath")

        # An unknown test case is refused, naming it.
        try:
            sfn.start_execution(stateMachineArn=arn + "#SadPath")
            raise AssertionError("an unknown test case started")
        except sfn.exceptions.ClientError as e:
            msg = e.response["Error"]["Message"]
            check('no test case "SadPath" for state machine "LambdaSQSIntegration"' in msg, msg)
        print("ok  an unknown test case is refused")

        # HybridPath: SQSState sends the Lambda state's mocked result to SQS.
        if sqs is None:
            print("SKIP HybridPath: moto_server is missing (it serves the real SQS call)")
        else:
            queue = sqs.create_queue(QueueName="myQueue")["QueueUrl"]
            run = sfn.start_execution(stateMachineArn=arn + "#HybridPath", name="executionWithHybridPath")
            events = history(sfn, run["executionArn"])
            check(json.loads(events[4]["taskSucceededEventDetails"]["output"]) == LAMBDA_RESULT, events[4])
            check(events[-1]["type"] == "ExecutionSucceeded", events)
            msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            check(len(msgs) == 1 and json.loads(msgs[0]["Body"]) == LAMBDA_RESULT, msgs)
            print("ok  HybridPath")
        print("mock configuration suite passed")
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL", e)
        sys.exit(1)
