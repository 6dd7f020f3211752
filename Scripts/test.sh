#!/bin/sh
# The test command: every unit and end-to-end test, the S3 ones against a real S3 service.
# Installs what the tests need when missing (Debian packages, bagit from PyPI, Ceph), starts a
# local single-node Ceph (Scripts/start-ceph.sh, on 127.0.0.1), runs `swift test` with its
# endpoint and keys in the environment, then stops it. Arguments go to `swift test`
# (for example --filter S3Tests).
#   HOSO_SKIP_S3=1   run without the S3 service (the S3 tests are then skipped, and say so)
#   HOSO_KEEP_CEPH=1 leave the service running afterwards
set -eu
cd "$(dirname "$0")/.."
Scripts/setup.sh --tests
if [ "${HOSO_SKIP_S3:-}" = 1 ]; then
    echo "test.sh: HOSO_SKIP_S3=1: the S3 tests will be skipped" >&2
    exec swift test "$@"
fi
lines=$(Scripts/start-ceph.sh)
eval "$lines"
export HOSO_S3_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
if [ "${HOSO_KEEP_CEPH:-}" != 1 ]; then
    trap 'Scripts/stop-ceph.sh --purge >/dev/null 2>&1 || true' EXIT
fi
swift test "$@"
