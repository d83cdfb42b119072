#!/usr/bin/env bash
# Builds the image (Dockerfile) with podman, or docker when podman cannot,
# starts it with Step Functions Local's variables, and runs the API smoke
# test against it. When no engine can build and run an image here, it says
# why and exits 0 (the binary's own smoke test, make release-smoke, still
# runs). STEPD_REQUIRE_IMAGE=1 makes that a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
skip() {
  echo "SKIP image smoke test: $*"
  [ "${STEPD_REQUIRE_IMAGE:-}" = 1 ] && exit 1
  exit 0
}
engine=
for e in podman docker; do
  if command -v $e >/dev/null && $e info >/dev/null 2>&1; then engine=$e; break; fi
done
[ -n "$engine" ] || skip "neither podman nor docker can reach a container runtime on this machine"
arch=$(go env GOARCH)
mkdir -p dist/data
CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath \
  -ldflags "-s -w -X main.version=${VERSION:-dev} -X main.commit=${COMMIT:-none} -X main.date=${DATE:-unknown}" \
  -o dist/stepd-linux-$arch ./cmd/stepd
tag=stepd-smoke:$$
build_format= run_opts=
if [ "$engine" = podman ]; then
  build_format="--format docker"  # OCI images have no HEALTHCHECK
  run_opts="--ulimit host"        # a sandbox may not raise the open-file limit
fi
start=$(date +%s)
$engine build -q $build_format --build-arg BINARY=dist/stepd-linux-$arch -t "$tag" . || skip "$engine cannot build images here"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if ! id=$($engine run -d $run_opts -p "127.0.0.1:$port:8083" -e AWS_DEFAULT_REGION=us-west-2 -e AWS_ACCOUNT_ID=444455556666 \
  -e WAIT_TIME_SCALE=0.001 "$tag" 2>"dist/run.err"); then
  $engine rmi -f "$tag" >/dev/null
  skip "the image built, but $engine cannot run containers here: $(grep -v level= dist/run.err | tail -1)"
fi
trap '$engine logs $id 2>&1 | tail -20; $engine rm -f $id >/dev/null; $engine rmi -f $tag >/dev/null' EXIT
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
$engine exec "$id" /stepd healthcheck
$engine exec "$id" /stepd version
scripts/api-smoke.sh "http://127.0.0.1:$port" us-west-2 444455556666
echo "image smoke ($engine): ok in $(( $(date +%s) - start )) s"
