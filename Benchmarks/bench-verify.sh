#!/usr/bin/env bash
# Verification beside its peers, on the same scans (issue: verify).
#   Benchmarks/bench-verify.sh [DOSSIERS] [MB_PER_DOSSIER] [JPEG_SHARE]   default 10000 0.2 (mixed)
#   Benchmarks/bench-verify.sh 10000 0.2 1.0      incompressible scans only (the stated target)
#   Benchmarks/bench-verify.sh 100000 0.001       --quick on 100,000 dossiers
# Peers: sha256sum and openssl dgst -sha256 (one process: the single-core hashing ceiling) over
# the original scans, and restic check --read-data over a restic repository of the same scans.
# hoso verify reads every object (inflating the compressed ones), rehashes it, follows the
# ledger, parses every dossier's XML and compares the catalog and the index with it.
. "$(dirname "$0")/lib.sh"
need restic "apt-get install restic"; need openssl openssl
build_hoso
n=${1:-10000}; mb=${2:-0.2}; share=${3:-}
src=$(corpus "$n" "$mb" "$share")
w="$BENCH_DIR/verify-$n-$mb${share:+-jpeg$share}"
mkdir -p "$w"
find "$src" -path '*/scans/*' -type f | sort > "$w/files.txt"
bytes=$(bytes_of_list "$w/files.txt")
if [ ! -f "$w/.ready" ]; then
  remove "$w/archive" "$w/restic"
  "$HOSO" init --archive "$w/archive" > /dev/null
  "$HOSO" ingest --archive "$w/archive" "$src" > /dev/null
  export RESTIC_PASSWORD=bench
  restic init -q --repo "$w/restic" > /dev/null
  restic backup -q --repo "$w/restic" --files-from-verbatim "$w/files.txt" > /dev/null
  touch "$w/.ready"
fi
export RESTIC_PASSWORD=bench
objects=$(find "$w/archive/objects" -type f | wc -l)
echo "corpus: $n dossiers, $(wc -l < "$w/files.txt") scans, $((bytes / 1000000)) MB${share:+ (JPEG share $share)}; archive: $objects objects, $(( $(disk_usage "$w/archive/objects") / 1000000 )) MB stored; $(nproc) cores"
echo
echo "| what | time | CPU (user + system) | throughput (original scan bytes) | peak memory |"
echo "|---|---|---|---|---|"
warm "$w/files.txt"
find "$w/archive/objects" -type f -print0 | xargs -0 cat > /dev/null
measure "sha256sum" "$bytes" sh -c "xargs -a '$w/files.txt' -d '\n' sha256sum > /dev/null"
measure "openssl dgst -sha256 (one process)" "$bytes" sh -c "xargs -a '$w/files.txt' -d '\n' -n 100000 openssl dgst -sha256 > /dev/null"
measure "restic check --read-data" "$bytes" restic check -q --repo "$w/restic" --read-data
measure "hoso verify" "$bytes" "$HOSO" verify --archive "$w/archive" --no-record
measure "hoso verify --quick" "$bytes" "$HOSO" verify --archive "$w/archive" --quick --no-record
echo
echo "ratios (above 1: hoso faster): verify vs openssl $(ratio "$secs_openssl_dgst__sha256__one_process_" "$secs_hoso_verify"), verify vs restic check --read-data $(ratio "$secs_restic_check___read_data" "$secs_hoso_verify"), verify vs sha256sum $(ratio "$secs_sha256sum" "$secs_hoso_verify")"
