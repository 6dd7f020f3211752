#!/bin/sh
# The main job on the bundled sample: builds hoso, validates the sample batch and the broken
# dossiers, ingests the sample into a fresh archive, then shows what the archive holds.
# Usage: Scripts/demo.sh [ARCHIVE]   (default: a new temporary folder)
set -eu
cd "$(dirname "$0")/.."
Scripts/setup.sh
# Swift runtime and Foundation linked in: a hoso process starts in a third less time.
swift build -c release --static-swift-stdlib --product hoso >&2
hoso=.build/release/hoso
archive=${1:-$(mktemp -d)/archive}

echo "== hoso validate sample-archive/dossiers"
$hoso validate sample-archive/dossiers
echo
echo "== hoso validate sample-archive/invalid   (one folder per problem code; exit status 1 expected)"
$hoso validate sample-archive/invalid || true
echo
echo "== hoso init + ingest into $archive"
$hoso init --archive "$archive"
$hoso ingest --archive "$archive" --operator demo sample-archive/dossiers
echo
echo "== hoso ingest again: nothing is archived twice"
$hoso ingest --archive "$archive" sample-archive/dossiers
echo
echo "== hoso stats"
$hoso stats --archive "$archive"
echo
echo "== hoso search nguyễn văn hòa   (and without diacritics)"
$hoso search --archive "$archive" --limit 3 nguyễn văn hòa
$hoso search --archive "$archive" --limit 3 nguyen van hoa
echo
first=$(ls sample-archive/dossiers | head -n 1)
echo "== hoso show $first"
$hoso show --archive "$archive" "$first"
echo
echo "== hoso verify"
$hoso verify --archive "$archive"
echo
echo "== hoso seal"
$hoso seal --archive "$archive"
echo
echo "The archive is in $archive (use --archive or HOSO_ARCHIVE to name it)."
