#!/usr/bin/env bash
# aws-sdk-js-v3 (@aws-sdk/client-sfn) against a real stepd serve --auth sigv4
# (make clients-js): the SDK comes from npm, as package-lock.json pins it, so
# that a fresh machine installs it itself; Node 20 or later.
set -euo pipefail
cd "$(dirname "$0")"
node --version
npm ci --no-audit --no-fund --loglevel=error
export STEPD_BIN=${STEPD_BIN:-$PWD/../../../bin/stepd}
exec node sdk.mjs
