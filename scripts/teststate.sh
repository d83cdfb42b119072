#!/usr/bin/env bash
# Grades TestState through a real `stepd serve` with the TestState cases
# recorded against AWS (boto3 as the client, without the "sync-" host prefix).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
shared=$("$top/scripts/shared.sh")
bin=${STEPD_BIN:-$top/bin/stepd}
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --addr "127.0.0.1:$port" --data "$data" >"$data/stepd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
"$top/scripts/grade.sh" 97 "TestState (stepd serve)" -- "${PYTHON:-python3}" "$shared/conformance/teststate/run_teststate.py" \
  --endpoint "http://127.0.0.1:$port" --cases "$shared/conformance/teststate/cases"
