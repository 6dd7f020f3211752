#!/usr/bin/env bash
# stop-ceph.sh: stop the test Ceph cluster that Scripts/start-ceph.sh runs.
#
#   Scripts/stop-ceph.sh             stop radosgw, then the osd, then the mon; data kept,
#                                    Scripts/start-ceph.sh brings the same cluster back
#   Scripts/stop-ceph.sh --only-rgw  stop radosgw only: S3 disappears while mon and osd keep
#                                    the objects; Scripts/start-ceph.sh restarts just radosgw
#   Scripts/stop-ceph.sh --purge     stop everything and delete $HOSO_CEPH_DIR
#   Scripts/stop-ceph.sh --kill ...  SIGKILL at once instead of SIGTERM (a crash; a memstore
#                                    osd killed this way loses its objects, and the next
#                                    start-ceph.sh builds a new cluster)
#   --only LIST                      comma-separated subset of rgw,osd,mon
#
# A process is signalled only when the daemon's own pid file in $HOSO_CEPH_DIR/run names it
# and /proc/PID/comm is the expected program; a zombie counts as stopped. A daemon that
# ignores SIGTERM for HOSO_CEPH_STOP_WAIT seconds (default 20; the osd gets 120, since a
# memstore osd writes all its objects to disk on the way out) is sent SIGKILL.
# Exit status 1 if a daemon could not be stopped.
set -uo pipefail

DIR=${HOSO_CEPH_DIR:-/tmp/hoso-ceph}
DIR=${DIR%/}
GRACE=${HOSO_CEPH_STOP_WAIT:-20}
OSD_GRACE=$(( GRACE > 120 ? GRACE : 120 ))

say() { printf 'stop-ceph: %s\n' "$*" >&2; }
usage() { sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0" >&2; exit "${1:-0}"; }

only="" purge=0 signal=TERM
while (( $# )); do
    case $1 in
    --only-rgw) only=rgw ;;
    --only) only=${2:-}; shift ;;
    --only=*) only=${1#--only=} ;;
    --purge) purge=1 ;;
    --kill) signal=KILL ;;
    -h | --help) usage 0 ;;
    *) say "unknown argument '$1'"; usage 2 ;;
    esac
    shift
done
case $DIR in /?*) ;; *) say "HOSO_CEPH_DIR must be an absolute path"; exit 2 ;; esac
if [[ -n $only && $purge == 1 ]]; then say "--purge stops everything; it cannot go with --only"; exit 2; fi
case $GRACE in '' | *[!0-9]*) say "HOSO_CEPH_STOP_WAIT must be a number of seconds"; exit 2 ;; esac

daemons=(rgw osd mon) # stop order: the gateway first, the mon last
if [[ -n $only ]]; then
    wanted=",$only,"
    daemons=()
    for d in rgw osd mon; do [[ $wanted != *",$d,"* ]] || daemons+=("$d"); done
    if (( ${#daemons[@]} == 0 )); then say "--only takes rgw, osd and/or mon, got '$only'"; exit 2; fi
fi

[[ -d $DIR ]] || { say "nothing to stop: $DIR does not exist"; exit 0; }

if [[ -z ${HOSO_CEPH_LOCK_HELD:-} ]]; then
    exec 9>"$DIR.lock"
    flock -w 600 9 || { say "another start-ceph.sh/stop-ceph.sh holds $DIR.lock"; exit 1; }
fi

# shellcheck source=ceph-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ceph-lib.sh"

# gone_within SECONDS NAME COMM PID: poll until PID is no longer the live daemon
gone_within() {
    local end=$((SECONDS + $1)) now
    while [[ $(live_pid "$2" "$3") == "$4" ]]; do
        (( SECONDS < end )) || return 1
        sleep 0.1
    done
    return 0
}

status=0
stop_one() {
    local short=$1 name comm grace pid clean=0
    case $short in
    rgw) name=client.rgw.hoso comm=radosgw grace=$GRACE ;;
    osd) name=osd.0 comm=ceph-osd grace=$OSD_GRACE ;;
    mon) name=mon.m comm=ceph-mon grace=$GRACE ;;
    esac
    if ! pid=$(live_pid "$name" "$comm"); then
        rm -f "$DIR/run/$name.pid" # stale or absent: nothing of ours is running
        return 0
    fi
    local t0=$SECONDS
    say "stopping $short ($comm, pid $pid) with SIG$signal"
    kill -s "$signal" "$pid" 2>/dev/null
    if gone_within "$grace" "$name" "$comm" "$pid"; then
        [[ $signal == TERM ]] && clean=1
    else
        say "$short (pid $pid) still running after ${grace} s; sending SIGKILL"
        kill -s KILL "$pid" 2>/dev/null
        if ! gone_within 10 "$name" "$comm" "$pid"; then
            say "$short (pid $pid) survived SIGKILL"
            status=1
            return
        fi
    fi
    rm -f "$DIR/run/$name.pid"
    # start-ceph.sh resumes a memstore cluster only if its osd saved the objects on exit
    if [[ $short == osd ]]; then
        if (( clean )); then : >"$DIR/osd-saved"; else rm -f "$DIR/osd-saved"; fi
    fi
    say "$short stopped in $((SECONDS - t0)) s"
}

if [[ -d $DIR/run ]]; then
    for d in "${daemons[@]}"; do stop_one "$d"; done
fi

if (( purge )); then
    if (( status != 0 )); then
        say "not deleting $DIR: a daemon is still running"
    elif [[ -f $DIR/.hoso-ceph || -z $(ls -A "$DIR") ]]; then
        rm -rf "$DIR"
        say "deleted $DIR"
    else
        say "not deleting $DIR: it was not made by start-ceph.sh"
        status=1
    fi
fi
exit "$status"
