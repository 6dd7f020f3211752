# Shared helpers for the benchmark scripts (sourced, not run).
# Every figure is measured in the same run, on the same files, one tool after another, with the
# files read once beforehand so that every tool starts from a warm page cache.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=${BENCH_DIR:-/tmp/hoso-bench}
HOSO=${HOSO:-$root/.build-bench/hoso/release/hoso}
mkdir -p "$BENCH_DIR"
results=""

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing tool: $1 ($2)" >&2; exit 2; }; }

# Binaries that are measured are built from scratch whenever a source changed, in scratch folders
# of their own. An incremental release build once left a module compiled against the old layout
# of a struct of another module (inlined across modules), and the binary it made read garbage for
# two new fields: every figure taken with it was wrong, and nothing failed.
sources_stamp() {
  (cd "$root" && find Package.swift Sources Benchmarks/Package.swift Benchmarks/Sources -type f -print0 \
    | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
}
# clean_build SCRATCH PACKAGE_DIR ARGS…: swift build in SCRATCH, emptied first unless it was
# built from these very sources.
clean_build() {
  local scratch=$1 package=$2; shift 2
  local stamp; stamp=$(sources_stamp)
  if [ "$(cat "$scratch/.sources" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$scratch"
    (cd "$package" && swift build -c release --scratch-path "$scratch" "$@" >&2)
    echo "$stamp" > "$scratch/.sources"
  fi
}
build_hoso() {
  [ "$HOSO" = "$root/.build-bench/hoso/release/hoso" ] || return 0   # a binary given by the caller
  clean_build "$root/.build-bench/hoso" "$root" --static-swift-stdlib --product hoso
}
build_bench_tool() {
  clean_build "$root/.build-bench/tools" "$root/Benchmarks" --product hoso-bench
  BENCH=$root/.build-bench/tools/release/hoso-bench
}

# corpus N MB_PER_DOSSIER [JPEG_SHARE] -> prints the folder (generated once, then reused)
corpus() {
  local n=$1 mb=$2 share=${3:-} dir="$BENCH_DIR/corpus-$1-$2${3:+-jpeg$3}"
  if [ ! -f "$dir/.complete" ]; then
    remove "$dir"
    python3 "$root/Scripts/generate-corpus.py" --count "$n" --scan-mb-per-dossier "$mb" ${share:+--jpeg-share "$share"} --out "$dir" >&2
    touch "$dir/.complete"
  fi
  echo "$dir"
}

# ratio A B -> A/B with two decimals
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

# Removes the outputs of an earlier run. On ext4 without a journal (this machine's disk), each file
# creation skips, one by one, the free inodes whose deletion is recent: under a minute, or under
# six while their inode-table block is dirty, which it is as soon as new files land beside them
# (fs/ext4/ialloc.c, recently_deleted). Creating objects right after deleting an earlier run's
# archive cost up to a third of an ingest's CPU in the kernel (perf). `measure` therefore waits
# until a large removal (over 1,000 files) is six minutes old.
last_removal=0
remove() {
  local files=0 p
  for p in "$@"; do [ -e "$p" ] && files=$((files + $(set +o pipefail; find "$p" | head -1001 | wc -l))); done
  rm -rf "$@"
  if [ $files -gt 1000 ]; then sync; last_removal=$(date +%s); fi
}
settle() {
  local wait=$((last_removal + 370 - $(date +%s)))
  if [ $last_removal -gt 0 ] && [ $wait -gt 0 ]; then
    echo "(waiting ${wait} s for freed inodes to age: see remove in lib.sh)" >&2
    sleep "$wait"
  fi
}

# measure LABEL BYTES COMMAND... : runs COMMAND under GNU time, records seconds, MB/s, peak RSS.
measure() {
  local label=$1 bytes=$2; shift 2
  settle
  sync
  /usr/bin/time -f "%e %M %U %S" -o "$BENCH_DIR/.time" "$@" > "$BENCH_DIR/.out" 2> "$BENCH_DIR/.err" || {
    echo "FAILED: $label" >&2; tail -5 "$BENCH_DIR/.err" >&2; return 1; }
  local secs kb user sys cpu
  read -r secs kb user sys < <(tail -1 "$BENCH_DIR/.time")
  cpu=$(python3 -c "print(f'{$user + $sys:.2f}')")
  local rate
  rate=$(python3 -c "print(f'{$bytes/1e6/max($secs,1e-9):.0f}')")
  printf '| %-38s | %8.2f s | %8s s | %7s MB/s | %8.0f MB |\n' "$label" "$secs" "$cpu" "$rate" "$(python3 -c "print($kb/1024)")"
  # Wall and CPU seconds under the label's name, for the ratios a script prints. The CPU time is
  # the steadier of the two on a shared machine, where wall times of one run swing twofold.
  local name; name=$(printf '%s' "$label" | tr -c 'a-zA-Z0-9' '_')
  eval "secs_$name=$secs; cpu_$name=$cpu"
}

warm() { xargs -a "$1" -d '\n' cat > /dev/null; }

bytes_of_list() { xargs -a "$1" -d '\n' stat -c %s | awk '{s+=$1} END {print s}'; }

disk_usage() { du -sb "$1" | cut -f1; }
