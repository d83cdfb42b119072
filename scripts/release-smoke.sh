#!/usr/bin/env bash
# The API smoke test on a release binary: stepd version says what was
# stamped in; stepd serve answers the AWS CLI (create, start, describe) and
# its probes, with Step Functions Local's variables in its environment.
set -euo pipefail
bin=${1:?usage: release-smoke.sh BINARY}
version=$("$bin" version)
echo "$version"
grep -q 'commit ' <<<"$version" || { echo "FAIL: no commit in stepd version"; exit 1; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
AWS_DEFAULT_REGION=eu-west-1 AWS_ACCOUNT_ID=111122223333 WAIT_TIME_SCALE=0.001 \
  "$bin" serve --addr "127.0.0.1:$port" --data "$dir" >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 100); do "$bin" healthcheck --url "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
"$bin" healthcheck --url "http://127.0.0.1:$port/readyz"
scripts/api-smoke.sh "http://127.0.0.1:$port" eu-west-1 111122223333
echo "release smoke: ok"
