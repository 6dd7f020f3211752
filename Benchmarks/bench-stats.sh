#!/usr/bin/env bash
# `hoso stats` on a large catalog, beside the same report asked of SQLite directly (issue: ingest).
#   Benchmarks/bench-stats.sh [DOSSIERS]      default 100000; run again with 1000000
# Uses the archive bench-search.sh leaves in $BENCH_DIR/search-N (ingesting the corpus if it
# is not there). Peers, in the sqlite3 shell on the same catalog.sqlite: the report's overview
# and seven groupings as eight GROUP BY queries (a full scan each, as hoso stats did until
# stop 35), and one of them alone (what a single scan of the dossiers table costs).
. "$(dirname "$0")/lib.sh"
need sqlite3 "apt-get install sqlite3"
build_hoso
n=${1:-100000}
w="$BENCH_DIR/search-$n"
if [ ! -f "$w/archive/.ingested" ]; then
  src=$(corpus "$n" 0.001)
  mkdir -p "$w"; remove "$w/archive"; "$HOSO" init --archive "$w/archive" > /dev/null
  "$HOSO" ingest --archive "$w/archive" "$src" > /dev/null
  touch "$w/archive/.ingested"
fi
db="$w/archive/catalog.sqlite"
# The sums of the report (as Catalog+Stats.swift defines them), for one grouping's key and label.
group_by() {
  local key=$1 label=$2
  cat <<SQL
SELECT $key AS k, $label, max(received_day || char(31) || number), count(*),
  sum(timeliness != 'unresolved'), sum(timeliness = 'early'), sum(timeliness = 'on-time'), sum(timeliness = 'late'),
  sum(timeliness = 'unresolved' AND status NOT IN ('rejected', 'withdrawn')),
  sum(timeliness = 'unresolved' AND status IN ('rejected', 'withdrawn')), sum(digitized), sum(channel = 'online'),
  sum(timeliness = 'unresolved' AND status NOT IN ('rejected', 'withdrawn') AND due_at < strftime('%s', 'now'))
FROM dossiers WHERE is_current = 1 GROUP BY k ORDER BY 4 DESC, k;
SQL
}
{
  group_by "'all'" "'all dossiers'"
  group_by "substr(received_day, 1, 4)" "substr(received_day, 1, 4)"
  group_by receiving_agency_code receiving_agency_name
  group_by handling_agency_code handling_agency_name
  group_by procedure_code procedure_name
  group_by status status; group_by sector sector; group_by channel channel
} > "$w/stats-eight.sql"
group_by receiving_agency_code receiving_agency_name > "$w/stats-one.sql"

echo "catalog: $n dossiers, $(( $(disk_usage "$db") / 1000000 )) MB; $(nproc) cores"
echo
echo "| what | time | CPU (user + system) | catalog MB/s | peak memory |"
echo "|---|---|---|---|---|"
bytes=$(disk_usage "$db")
cat "$db" > /dev/null
measure "sqlite3: one GROUP BY (one scan)" "$bytes" sh -c "sqlite3 -readonly '$db' < '$w/stats-one.sql' > /dev/null"
measure "sqlite3: eight GROUP BY (the report)" "$bytes" sh -c "sqlite3 -readonly '$db' < '$w/stats-eight.sql' > /dev/null"
measure "hoso stats (the report)" "$bytes" "$HOSO" stats --archive "$w/archive"
measure "hoso stats --json" "$bytes" "$HOSO" stats --archive "$w/archive" --json
measure "hoso stats --by year --from 2024" "$bytes" "$HOSO" stats --archive "$w/archive" --by year --from 2024
measure "hoso stats --period (a quarter)" "$bytes" "$HOSO" stats --archive "$w/archive" --period --from 2024-01-01 --to 2024-03-31
echo
echo "hoso stats against eight GROUP BY: $(ratio "$cpu_sqlite3__eight_GROUP_BY__the_report_" "$cpu_hoso_stats__the_report_")× less CPU;" \
  "against one: $(ratio "$cpu_hoso_stats__the_report_" "$cpu_sqlite3__one_GROUP_BY__one_scan_")× its CPU"
