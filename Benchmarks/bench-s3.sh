#!/usr/bin/env bash
# hoso's S3 store beside `aws s3 cp --recursive` (the AWS CLI from PyPI, 10 requests at once
# by default) on the same corpus, against the local single-node Ceph (Scripts/start-ceph.sh:
# radosgw on 127.0.0.1, memstore, so the service is not the bottleneck).
#   Benchmarks/bench-s3.sh [DOSSIERS] [MB_PER_DOSSIER]    default 10000 0.2 (about 2 GB)
# Put: `hoso ingest` into an archive whose objects are in the bucket (validation, SHA-256,
# compression and upload of every file) against `aws s3 cp --recursive` of the same folder.
# Get: `aws s3 cp --recursive` back to disk against `hoso object check` (every object
# downloaded, inflated and rehashed; nothing written) and `hoso replicate --to` a local folder
# (downloaded, verified, stored again on disk).
. "$(dirname "$0")/lib.sh"
need aws "pip install awscli"
build_hoso
n=${1:-10000}
mb=${2:-0.2}
src=$(corpus "$n" "$mb")
eval "$("$root/Scripts/start-ceph.sh")"
export HOSO_S3_ENDPOINT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
AWS=(aws --endpoint-url "$HOSO_S3_ENDPOINT")
w="$BENCH_DIR/s3-$n-$mb"
remove "$w"; mkdir -p "$w"
bucket="bench-$(date +%s)"
"${AWS[@]}" s3 mb "s3://$bucket" >/dev/null
trap '"${AWS[@]}" s3 rb --force "s3://$bucket" >/dev/null 2>&1 || true' EXIT
bytes=$(find "$src" -type f ! -name '.complete' -printf '%s\n' | awk '{s+=$1} END {print s}')
find "$src" -type f -print0 | xargs -0 cat > /dev/null
echo "corpus: $n dossiers, $(python3 -c "print(f'{$bytes/1e6:.0f}')") MB in $(find "$src" -type f | wc -l) files; $(nproc) cores; Ceph memstore on loopback"
echo
echo "| what | time | CPU (user + system) | throughput | peak memory |"
echo "|---|---|---|---|---|"
measure "aws s3 cp --recursive (put)" "$bytes" "${AWS[@]}" s3 cp --recursive --quiet --exclude .complete "$src" "s3://$bucket/aws/"
"$HOSO" init --archive "$w/archive" --store "s3://$bucket/hoso" > /dev/null
measure "hoso ingest into S3" "$bytes" "$HOSO" ingest --archive "$w/archive" "$src"
stored=$("${AWS[@]}" s3 ls --recursive --summarize "s3://$bucket/hoso/objects/" | awk '/Total Size/ {print $3}')
measure "aws s3 cp --recursive (get to disk)" "$bytes" "${AWS[@]}" s3 cp --recursive --quiet "s3://$bucket/aws/" "$w/aws-down"
measure "hoso object check (get and verify)" "$bytes" "$HOSO" object check --archive "$w/archive"
measure "hoso replicate --to local (get, verify, store)" "$bytes" "$HOSO" replicate --archive "$w/archive" --to "$w/replica"
echo
echo "hoso stored $(python3 -c "print(f'{int(\"${stored:-0}\" or 0)/1e6:.0f}')") MB in the bucket (compressed where it saves); throughput is over the corpus bytes."
echo "speed ratios (above 1: hoso faster):"
echo "  put: hoso ingest vs aws s3 cp        $(ratio "$secs_aws_s3_cp___recursive__put_" "$secs_hoso_ingest_into_S3")"
echo "  get: hoso object check vs aws s3 cp  $(ratio "$secs_aws_s3_cp___recursive__get_to_disk_" "$secs_hoso_object_check__get_and_verify_")"
