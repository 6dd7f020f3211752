#!/usr/bin/env bash
# Ingest beside the object store's own put of the same scans (issue: ingest).
#   Benchmarks/bench-ingest.sh [DOSSIERS] [MB_PER_DOSSIER] [ROUNDS]   default 10000 × 0.2 MB, 2 rounds
#   Benchmarks/bench-ingest.sh 100000 0.02                              the 100,000-dossier run
# Each round runs the put and then the ingest into fresh folders (nothing is deleted between
# rounds: a deletion slows the next file creations, see `remove` in lib.sh), so the rounds show
# how far wall times swing on this machine; the overhead is printed for wall and for CPU time.
. "$(dirname "$0")/lib.sh"
build_hoso
n=${1:-10000}; mb=${2:-0.2}; rounds=${3:-2}
src=$(corpus "$n" "$mb")
w="$BENCH_DIR/ingest-$n"; remove "$w"; mkdir -p "$w"
find "$src" -path '*/scans/*' -type f | sort > "$w/files.txt"
bytes=$(bytes_of_list "$w/files.txt")
echo "corpus: $n dossiers, $(wc -l < "$w/files.txt") scans, $((bytes / 1000000)) MB; $(nproc) cores"
echo
echo "| what | time | CPU (user + system) | throughput | peak memory |"
echo "|---|---|---|---|---|"
warm "$w/files.txt"
put_wall=(); put_cpu=(); ing_wall=(); ing_cpu=()
for r in $(seq 1 "$rounds"); do
  "$HOSO" init --archive "$w/put-$r" > /dev/null
  measure "hoso object put (scans only), round $r" "$bytes" "$HOSO" object put --archive "$w/put-$r" --files-from "$w/files.txt"
  put_wall+=("$(eval echo "\$secs_hoso_object_put__scans_only___round_$r")"); put_cpu+=("$(eval echo "\$cpu_hoso_object_put__scans_only___round_$r")")
  "$HOSO" init --archive "$w/archive-$r" > /dev/null
  measure "hoso ingest, round $r" "$bytes" "$HOSO" ingest --archive "$w/archive-$r" "$src"
  ing_wall+=("$(eval echo "\$secs_hoso_ingest__round_$r")"); ing_cpu+=("$(eval echo "\$cpu_hoso_ingest__round_$r")")
done
tail -4 "$BENCH_DIR/.out" | sed 's/^/    /'
measure "hoso ingest again (nothing new)" "$bytes" "$HOSO" ingest --archive "$w/archive-$rounds" "$src"
measure "hoso verify --quick" "$bytes" "$HOSO" verify --quick --no-record --archive "$w/archive-$rounds"
# What validation alone costs (XML, schema, rules, every scan hashed; nothing stored): the part
# of the overhead that the issue's "validate exactly as hoso validate does" fixes.
measure "hoso validate (nothing stored)" "$bytes" "$HOSO" validate "$src"
echo
python3 - <<PY
from statistics import median
put, ing = [$(IFS=,; echo "${put_wall[*]}")], [$(IFS=,; echo "${ing_wall[*]}")]
put_cpu, ing_cpu = [$(IFS=,; echo "${put_cpu[*]}")], [$(IFS=,; echo "${ing_cpu[*]}")]
again = $secs_hoso_ingest_again__nothing_new_
p, i = median(put), median(ing)
print(f"ingest (median of {len(ing)}): {$n/i:.0f} dossiers/s, {$bytes/1e6/i:.0f} MB/s")
print(f"overhead above the store's put (target < 15%): wall {100*(i-p)/p:.0f}% (medians; rounds: "
      + ", ".join(f"{100*(b-a)/a:.0f}%" for a, b in zip(put, ing)) + f"), CPU {100*(median(ing_cpu)-median(put_cpu))/median(put_cpu):.0f}%")
print(f"rerun: {100*again/i:.1f}% of the first run's time (target < 10%)")
val_cpu = $cpu_hoso_validate__nothing_stored_
print(f"validate alone: {val_cpu:.2f} CPU-s, {100*val_cpu/median(put_cpu):.0f}% of the put's CPU "
      f"(ingest's CPU above the put: {median(ing_cpu)-median(put_cpu):.2f} s)")
PY
