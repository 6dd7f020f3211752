#!/usr/bin/env bash
# Search beside SQLite FTS5 and Tantivy, on the same records and queries (issue: search).
#   Benchmarks/bench-search.sh [DOSSIERS]      default 100000; run again with 1000000
# Steps: generate a corpus (tiny scans), ingest it, export the index documents as JSON lines,
# build each engine's index from those records (timed, own process, peak memory), run the same
# 200+ queries warm in process (p50/p95/p99), score known-item quality, and time one whole
# `hoso search` process on the archive.
. "$(dirname "$0")/lib.sh"
need hyperfine "apt-get install hyperfine"
python3 -c "import tantivy" 2>/dev/null || { echo "missing: pip install tantivy" >&2; exit 2; }
build_hoso
build_bench_tool
n=${1:-100000}
src=$(corpus "$n" 0.001)
w="$BENCH_DIR/search-$n"
mkdir -p "$w"
echo "corpus: $n dossiers; $(nproc) cores"
echo
echo "| what | time | CPU (user + system) | throughput | peak memory |"
echo "|---|---|---|---|---|"
if [ ! -f "$w/archive/.ingested" ]; then
  remove "$w/archive"; "$HOSO" init --archive "$w/archive" > /dev/null
  measure "hoso ingest (validate, store, catalog, index)" 0 "$HOSO" ingest --archive "$w/archive" "$src"
  touch "$w/archive/.ingested"
fi
"$BENCH" export-records "$w/archive" > "$w/records.jsonl"
python3 "$root/Benchmarks/search/make_queries.py" "$w/records.jsonl" "$w/queries.jsonl"
remove "$w/hoso-index" "$w/tantivy" "$w/fts5"
measure "hoso index build" 0 "$BENCH" index-build "$w/records.jsonl" "$w/hoso-index"; hb=$(cat "$BENCH_DIR/.out")
measure "tantivy index build" 0 python3 "$root/Benchmarks/search/peers.py" build tantivy "$w/records.jsonl" "$w/tantivy"; tb=$(cat "$BENCH_DIR/.out")
measure "fts5 index build" 0 python3 "$root/Benchmarks/search/peers.py" build fts5 "$w/records.jsonl" "$w/fts5"; fb=$(cat "$BENCH_DIR/.out")
echo
echo "index build (records already in memory; the timed part only):"
echo "  hoso    $hb"
echo "  tantivy $tb"
echo "  fts5    $fb"
echo
measure "hoso queries (in process)" 0 "$BENCH" search-latency "$w/hoso-index" "$w/queries.jsonl" 5; cp "$BENCH_DIR/.out" "$w/hoso.json"
HOSO_BENCH_THREADS=1 measure "hoso queries, one thread (in process)" 0 "$BENCH" search-latency "$w/hoso-index" "$w/queries.jsonl" 5; cp "$BENCH_DIR/.out" "$w/hoso-1-thread.json"
measure "tantivy queries (in process)" 0 python3 "$root/Benchmarks/search/peers.py" query tantivy "$w/tantivy" "$w/queries.jsonl" 5; cp "$BENCH_DIR/.out" "$w/tantivy.json"
measure "fts5 queries (in process)" 0 python3 "$root/Benchmarks/search/peers.py" query fts5 "$w/fts5" "$w/queries.jsonl" 5; cp "$BENCH_DIR/.out" "$w/fts5.json"
echo
python3 "$root/Benchmarks/search/quality.py" "$w/queries.jsonl" "$w/hoso.json" "$w/hoso-1-thread.json" "$w/tantivy.json" "$w/fts5.json" --records "$w/records.jsonl"
echo
one_process() {
  hyperfine -N -w 3 -r 20 --export-json "$w/hyperfine-$1.json" \
    "$HOSO search --archive $w/archive --limit 10 nguyen van hoa" \
    "$HOSO search --archive $w/archive --limit 10 đăng ký khai sinh" \
    "$HOSO search --archive $w/archive --limit 10 \"giấy phép xây dựng\"" \
    "$HOSO search --archive $w/archive --limit 10 045090001234" 2>&1 | grep -E "Benchmark|Time"
}
echo "one whole 'hoso search' process on the archive as ingested (hyperfine, warm cache):"
one_process ingested
echo
measure "hoso index optimize" 0 "$HOSO" index optimize --archive "$w/archive"
echo "the same after 'hoso index optimize':"
one_process optimized
