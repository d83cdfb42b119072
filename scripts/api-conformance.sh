#!/usr/bin/env bash
# Grades a real `stepd serve` over the Step Functions API with the conformance
# corpus (boto3 as the client), with and without history checks.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
shared=$("$top/scripts/shared.sh")
bin=${STEPD_BIN:-$top/bin/stepd}
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --addr "127.0.0.1:$port" --data "$data" --config "$("$top/scripts/functions-config.sh")" >"$data/stepd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
skip=activity,callback,sqs,sns,dynamodb,sfn-nested,aws-sdk,s3,lambda-runtime-details
run=("${PYTHON:-python3}" "$shared/conformance/run_corpus.py" --endpoint "http://127.0.0.1:$port" --cases "$shared/conformance/cases"
  --assume-functions --features-skip "$skip" --jobs 8)
"$top/scripts/grade.sh" 99 "conformance (stepd serve)" -- "${run[@]}"
"$top/scripts/grade.sh" 90 "conformance (stepd serve, history)" -- "${run[@]}" --check-history
