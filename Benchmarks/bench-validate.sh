#!/usr/bin/env bash
# Validation beside its peers (issue: foundation).
#   Benchmarks/bench-validate.sh [DOSSIERS] [MB_PER_DOSSIER]     default 10000 × 0.2 MB
# XML validation alone (--metadata-only) in dossiers/s; checksum verification (the full
# validation, which hashes every scan) in MB/s beside sha256sum and openssl dgst -sha256 over the
# same scan files.
. "$(dirname "$0")/lib.sh"
need openssl openssl
build_hoso
src=$(corpus "${1:-10000}" "${2:-0.2}")
w="$BENCH_DIR/validate"; remove "$w"; mkdir -p "$w"
find "$src" -path '*/scans/*' -type f | sort > "$w/files.txt"
find "$src" -name dossier.xml | sort > "$w/xml.txt"
bytes=$(bytes_of_list "$w/files.txt")
xmlbytes=$(bytes_of_list "$w/xml.txt")
dossiers=$(wc -l < "$w/xml.txt")
echo "corpus: $dossiers dossiers ($((xmlbytes / 1000)) kB of XML), $(wc -l < "$w/files.txt") scans, $((bytes / 1000000)) MB; $(nproc) cores"
echo
echo "| what | time | CPU (user + system) | throughput | peak memory |"
echo "|---|---|---|---|---|"
warm "$w/files.txt"; warm "$w/xml.txt"
measure "hoso validate --metadata-only" "$xmlbytes" "$HOSO" validate --metadata-only "$src"
meta=$secs_hoso_validate___metadata_only
measure "xmllint --schema (one process)" "$xmlbytes" sh -c "xargs -a '$w/xml.txt' -d '\n' xmllint --noout --schema '$root/schemas/dossier-1.xsd' 2> /dev/null"
measure "hoso validate (XML + every scan hashed)" "$bytes" "$HOSO" validate "$src"
measure "sha256sum (scans only)" "$bytes" sh -c "xargs -a '$w/files.txt' -d '\n' sha256sum > /dev/null"
measure "openssl dgst -sha256 (scans only)" "$bytes" sh -c "xargs -a '$w/files.txt' -d '\n' -n 100000 openssl dgst -sha256 > /dev/null"
echo
echo "XML validation: $(python3 -c "print(f'{$dossiers/$meta:.0f}')") dossiers/s (target ≥ 5,000 on 2 cores)"
full=$secs_hoso_validate__XML___every_scan_hashed_
echo "whole validation (XML and every scan hashed) vs openssl hashing the scans: $(ratio $secs_openssl_dgst__sha256__scans_only_ $full)× (above 1: hoso faster)"
echo "checksum verification alone (whole run minus the metadata-only run): $(python3 -c "print(f'{$bytes/1e6/($full-$meta):.0f}')") MB/s, $(python3 -c "print(f'{$secs_openssl_dgst__sha256__scans_only_/($full-$meta):.2f}')")× openssl"
