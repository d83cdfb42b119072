#!/usr/bin/env bash
# The API smoke test against a running stepd at URL: the AWS CLI creates a
# state machine with a 60 s Wait, runs it (waits scaled by WAIT_TIME_SCALE
# on the server), and reads /metrics.
set -euo pipefail
url=${1:?usage: api-smoke.sh URL REGION ACCOUNT}
region=${2:-us-east-1}
account=${3:-123456789012}
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=$region AWS_PAGER=""
sfn() { aws stepfunctions --endpoint-url "$url" "$@"; }
arn=$(sfn create-state-machine --name smoke --role-arn "arn:aws:iam::$account:role/r" \
  --definition '{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","Parameters":{"hello.$":"$.name"},"End":true}}}' \
  --query stateMachineArn --output text)
[ "$arn" = "arn:aws:states:$region:$account:stateMachine:smoke" ] || { echo "FAIL: machine ARN $arn"; exit 1; }
ex=$(sfn start-execution --state-machine-arn "$arn" --input '{"name":"stepd"}' --query executionArn --output text)
for _ in $(seq 100); do
  status=$(sfn describe-execution --execution-arn "$ex" --query status --output text)
  [ "$status" != RUNNING ] && break
  sleep 0.1
done
[ "$status" = SUCCEEDED ] || { echo "FAIL: execution $status"; exit 1; }
out=$(sfn describe-execution --execution-arn "$ex" --query output --output text)
[ "$out" = '{"hello":"stepd"}' ] || { echo "FAIL: output $out"; exit 1; }
# The scrape is read whole before grep looks at it: grep -q exits at its first
# match, and curl writing to the closed pipe would fail the pipeline.
metrics=$(curl -fsS "$url/metrics")
grep -q "^ExecutionsSucceeded{state_machine=\"$arn\"} 1" <<<"$metrics" || { echo "FAIL: /metrics"; exit 1; }
echo "api smoke: ok ($ex)"
