#!/usr/bin/env bash
# The object store beside its peers, on the same scans (issue: object store).
#   Benchmarks/bench-store.sh [DOSSIERS] [MB_PER_DOSSIER]     default 10000 × 0.2 MB ≈ 2 GB
# Peers: sha256sum, openssl dgst -sha256, gzip -6, git hash-object -w (fresh repository),
# restic backup (fresh local repository), cp -r + sync.
. "$(dirname "$0")/lib.sh"
need restic "apt-get install restic"; need git git; need openssl openssl
build_hoso
src=$(corpus "${1:-10000}" "${2:-0.2}")
w="$BENCH_DIR/store"; remove "$w"; mkdir -p "$w"
find "$src" -path '*/scans/*' -type f | sort > "$w/files.txt"
bytes=$(bytes_of_list "$w/files.txt")
count=$(wc -l < "$w/files.txt")
echo "corpus: $count files, $((bytes / 1000000)) MB (JPEG-like and TIFF-like scans of $src); $(nproc) cores"
echo
echo "| what | time | CPU (user + system) | throughput | peak memory |"
echo "|---|---|---|---|---|"
warm "$w/files.txt"
measure "sha256sum" "$bytes" sh -c "xargs -a '$w/files.txt' -d '\n' sha256sum > /dev/null"
measure "openssl dgst -sha256 (one process)" "$bytes" sh -c "xargs -a '$w/files.txt' -d '\n' -n 100000 openssl dgst -sha256 > /dev/null"
measure "gzip -6" "$bytes" sh -c "xargs -a '$w/files.txt' -d '\n' cat | gzip -6 > '$w/all.gz'"
git init -q "$w/git"
measure "git hash-object -w" "$bytes" sh -c "git -C '$w/git' hash-object -w --stdin-paths < '$w/files.txt' > /dev/null"
export RESTIC_PASSWORD=bench
restic init -q --repo "$w/restic" > /dev/null
measure "restic backup" "$bytes" restic backup -q --repo "$w/restic" --files-from-verbatim "$w/files.txt"
measure "cp -r + sync" "$bytes" sh -c "cp -r '$src' '$w/copy' && sync"
"$HOSO" init --archive "$w/archive" > /dev/null
measure "hoso object put" "$bytes" "$HOSO" object put --archive "$w/archive" --files-from "$w/files.txt"
cp "$BENCH_DIR/.out" "$w/names.txt"
measure "hoso object get (to files)" "$bytes" "$HOSO" object get --archive "$w/archive" --names-from "$w/names.txt" --to "$w/got"
measure "hoso object check" "$bytes" "$HOSO" object check --archive "$w/archive"
measure "restic check --read-data" "$bytes" restic check -q --repo "$w/restic" --read-data
echo
echo "bytes on disk: original $(disk_usage "$src" ) (whole corpus), hoso objects $(disk_usage "$w/archive/objects"), git $(disk_usage "$w/git/.git/objects"), restic $(disk_usage "$w/restic"), gzip -6 $(stat -c %s "$w/all.gz")"
echo
echo "ratios (above 1: hoso faster): put vs restic backup $(ratio $secs_restic_backup $secs_hoso_object_put), put vs git hash-object -w $(ratio $secs_git_hash_object__w $secs_hoso_object_put)"
echo "   check vs openssl $(ratio $secs_openssl_dgst__sha256__one_process_ $secs_hoso_object_check), get vs openssl $(ratio $secs_openssl_dgst__sha256__one_process_ $secs_hoso_object_get__to_files_), check vs restic check --read-data $(ratio $secs_restic_check___read_data $secs_hoso_object_check)"

# The targets for get and check are stated on incompressible data: the JPEG-like scans alone.
grep '\.jpg$' "$w/files.txt" > "$w/jpeg.txt"
jbytes=$(bytes_of_list "$w/jpeg.txt")
echo
echo "incompressible scans only: $(wc -l < "$w/jpeg.txt") files, $((jbytes / 1000000)) MB"
echo
echo "| what | time | CPU (user + system) | throughput | peak memory |"
echo "|---|---|---|---|---|"
"$HOSO" init --archive "$w/jpeg-archive" > /dev/null
"$HOSO" object put --archive "$w/jpeg-archive" --files-from "$w/jpeg.txt" > "$w/jpeg-names.txt"
warm "$w/jpeg.txt"
measure "openssl dgst -sha256 (one process)" "$jbytes" sh -c "xargs -a '$w/jpeg.txt' -d '\n' -n 100000 openssl dgst -sha256 > /dev/null"
jo=$secs_openssl_dgst__sha256__one_process_
measure "hoso object check" "$jbytes" "$HOSO" object check --archive "$w/jpeg-archive"
measure "hoso object get (to files)" "$jbytes" "$HOSO" object get --archive "$w/jpeg-archive" --names-from "$w/jpeg-names.txt" --to "$w/jpeg-got"
echo
echo "ratios on incompressible data (above 1: hoso faster): check vs openssl $(ratio $jo $secs_hoso_object_check), get vs openssl $(ratio $jo $secs_hoso_object_get__to_files_)"
