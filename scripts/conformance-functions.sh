#!/usr/bin/env bash
# Grades the conformance cases that call Lambda functions (feature "lambda"),
# through a real `stepd serve`, twice: with the corpus's functions as command
# functions (testdata/conformance/functions.yaml, behave.py) and as Lambda
# handlers in warm Python workers (testdata/conformance/handlers.yaml). The
# handlers also produce what only Lambda's runtime gives (request IDs, stack
# traces), so the cases with "lambda-runtime-details" are graded for them.
# Every output must match; histories (the interpreter's concern) as the other
# graders require.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
shared=$("$top/scripts/shared.sh")
bin=${STEPD_BIN:-$top/bin/stepd}
py=${PYTHON:-python3}
cases=$shared/conformance/cases
# Features of other issues' work (distributed maps reading S3, nested executions, ...).
skip=sqs,sns,dynamodb,sfn-nested,aws-sdk,s3

# --only takes a regex of case names: every case with the lambda feature.
only=$("$py" - "$cases" <<'PY'
import glob, json, os, re, sys
names = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    d = json.load(open(f))
    if isinstance(d, dict) and "lambda" in d.get("features", []):
        names.append(re.escape(d["name"]))
print("^(" + "|".join(names) + ")$")
PY
)

serve_and_grade() { # CONFIG LABEL MIN MIN_HISTORY SKIP
  local config=$1 label=$2 min=$3 minh=$4 skipf=$5 data port pid
  data=$(mktemp -d)
  port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$bin" serve --addr "127.0.0.1:$port" --data "$data" --config "$config" >"$data/stepd.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  local run=("$py" "$shared/conformance/run_corpus.py" --endpoint "http://127.0.0.1:$port" --cases "$cases"
    --assume-functions --only "$only" --features-skip "$skipf" --jobs 8)
  local status=0
  "$top/scripts/grade.sh" "$min" "$label" -- "${run[@]}" || status=$?
  "$top/scripts/grade.sh" "$minh" "$label, history" -- "${run[@]}" --check-history || status=$?
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
  return $status
}

status=0
serve_and_grade "$("$top/scripts/functions-config.sh")" "lambda cases (stepd serve, command functions)" 100 90 "$skip,lambda-runtime-details" || status=1
serve_and_grade "$top/testdata/conformance/handlers.yaml" "lambda cases (stepd serve, handler functions)" 100 90 "$skip" || status=1
exit $status
