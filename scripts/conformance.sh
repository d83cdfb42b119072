#!/usr/bin/env bash
# Grades stepd against the recorded AWS runs of the conformance corpus, through
# `stepd run` (the in-memory interpreter), with and without history checks.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
shared=$("$top/scripts/shared.sh")
bin=${STEPD_BIN:-$top/bin/stepd}
cfg=$("$top/scripts/functions-config.sh")
# Features that need what stepd run cannot give (activities, callbacks) or AWS services.
skip=activity,callback,sqs,sns,dynamodb,sfn-nested,aws-sdk,s3,lambda-runtime-details
run=("${PYTHON:-python3}" "$shared/conformance/run_corpus.py" --run-cmd "$bin run --json --config $cfg --time-scale 1"
  --cases "$shared/conformance/cases" --assume-functions --features-skip "$skip" --jobs 8)
"$top/scripts/grade.sh" 99 "conformance (stepd run)" -- "${run[@]}"
"$top/scripts/grade.sh" 90 "conformance (stepd run, history)" -- "${run[@]}" --check-history
