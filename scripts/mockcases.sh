#!/usr/bin/env bash
# Grades Step Functions Local's mock configuration with the mock cases: in
# memory (stepd run --mock-config --test-case), then through a real `stepd
# serve --mock-config` given every case's configuration merged.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
shared=$("$top/scripts/shared.sh")
bin=${STEPD_BIN:-$top/bin/stepd}
py=${PYTHON:-python3}
grader="$shared/conformance/mock/run_mockcases.py"
cases="$shared/conformance/mock/cases"
"$top/scripts/grade.sh" 90 "mock configuration (stepd run)" -- "$py" "$grader" --cases "$cases" --run-cmd \
  "$bin run --mock-config {mock} --test-case {test_case} --state-machine-name {state_machine} --type {type} --json --history --input-file {input_file} {definition}"
data=$(mktemp -d)
"$py" "$grader" --cases "$cases" --write-mock-config "$data/mock.json" >/dev/null
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --addr "127.0.0.1:$port" --data "$data/db" --mock-config "$data/mock.json" >"$data/stepd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do
  (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
"$top/scripts/grade.sh" 90 "mock configuration (stepd serve)" -- "$py" "$grader" --cases "$cases" --endpoint "http://127.0.0.1:$port"
