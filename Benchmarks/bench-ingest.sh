#!/usr/bin/env bash
# Ingest beside the object store's own put of the same scans (issue: ingest).
#   Benchmarks/bench-ingest.sh [DOSSIERS] [MB_PER_DOSSIER]     default 10000 × 0.2 MB
#   Benchmarks/bench-ingest.sh 100000 0.02                       the 100,000-dossier run
. "$(dirname "$0")/lib.sh"
build_hoso
n=${1:-10000}; mb=${2:-0.2}
src=$(corpus "$n" "$mb")
w="$BENCH_DIR/ingest-$n"; remove "$w"; mkdir -p "$w"
find "$src" -path '*/scans/*' -type f | sort > "$w/files.txt"
bytes=$(bytes_of_list "$w/files.txt")
echo "corpus: $n dossiers, $(wc -l < "$w/files.txt") scans, $((bytes / 1000000)) MB; $(nproc) cores"
echo
echo "| what | time | throughput | peak memory |"
echo "|---|---|---|---|"
warm "$w/files.txt"
"$HOSO" init --archive "$w/put" > /dev/null
measure "hoso object put (scans only)" "$bytes" "$HOSO" object put --archive "$w/put" --files-from "$w/files.txt"
"$HOSO" init --archive "$w/archive" > /dev/null
measure "hoso ingest" "$bytes" "$HOSO" ingest --archive "$w/archive" "$src"
tail -4 "$BENCH_DIR/.out" | sed 's/^/    /'
measure "hoso ingest again (nothing new)" "$bytes" "$HOSO" ingest --archive "$w/archive" "$src"
measure "hoso verify --quick" "$bytes" "$HOSO" verify --quick --no-record --archive "$w/archive"
echo
python3 - <<PY
put, ing, again = $secs_hoso_object_put__scans_only_, $secs_hoso_ingest, $secs_hoso_ingest_again__nothing_new_
print(f"ingest: {$n/ing:.0f} dossiers/s, {$bytes/1e6/ing:.0f} MB/s; overhead above the store's put: {100*(ing-put)/put:.0f}% (target < 15%)")
print(f"rerun: {100*again/ing:.1f}% of the first run's time (target < 10%)")
PY
