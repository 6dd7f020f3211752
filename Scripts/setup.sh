#!/bin/sh
# Installs the Debian packages hoso builds against (and the tools its tests use) when they are
# missing. Run as root, or as a user who may sudo. Idempotent.
set -eu
need=""
pkg-config --exists libxml-2.0 2>/dev/null || need="$need libxml2-dev"
pkg-config --exists zlib 2>/dev/null || need="$need zlib1g-dev"
pkg-config --exists libdeflate 2>/dev/null || need="$need libdeflate-dev"
[ -e /usr/include/sqlite3.h ] || need="$need libsqlite3-dev"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
# libcurl's header: the S3 transport is compiled against it and loads libcurl itself (dlopen)
# the first time a command talks to S3.
pkg-config --exists libcurl 2>/dev/null || need="$need libcurl4-openssl-dev"
if [ "${1:-}" = "--tests" ]; then
  command -v sqlite3 >/dev/null 2>&1 || need="$need sqlite3"
  command -v gzip >/dev/null 2>&1 || need="$need gzip"
fi
if [ -n "$need" ]; then
  echo "installing:$need" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  # shellcheck disable=SC2086
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >&2
fi
if [ "${1:-}" = "--tests" ] && ! command -v bagit.py >/dev/null 2>&1; then
  echo "installing: bagit (PyPI), the reference BagIt validator the tests run" >&2
  python3 -m pip install --quiet bagit >&2
fi
