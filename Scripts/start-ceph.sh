#!/usr/bin/env bash
# start-ceph.sh: a throwaway one-node Ceph cluster (1 mon, 1 osd, radosgw) that serves
# the S3 API on 127.0.0.1, for hoso's S3 tests and CI. Ceph comes from Debian's packages
# (ceph-mon, ceph-osd, radosgw; 16.2 "pacific" on Debian 12); no systemd, no ceph-mgr.
#
#   Scripts/start-ceph.sh >/dev/null && . "${HOSO_CEPH_DIR:-/tmp/hoso-ceph}/env"
#   ... tests ...
#   Scripts/stop-ceph.sh --purge
#
# What a run does depends on what it finds in $HOSO_CEPH_DIR:
#   all daemons up and S3 accepts the keys  -> only prints the env lines
#   mon and osd up, radosgw down            -> starts radosgw alone (tests that cut S3
#                                              off with `stop-ceph.sh --only-rgw`)
#   a cluster that was stopped cleanly      -> starts its daemons on the kept data
#   nothing, a half-built cluster, or a memstore osd that died without saving
#                                           -> builds a new cluster from scratch
# stdout carries nothing but four `export NAME=value` lines (the same lines are written
# to $HOSO_CEPH_DIR/env); progress and errors go to stderr. When a run fails, the
# daemons that this run started are stopped again; their logs stay in $HOSO_CEPH_DIR/log.
#
# Settings. The first six are fixed when a cluster is created and saved in
# $HOSO_CEPH_DIR/settings; later runs use the saved values (HOSO_CEPH_FRESH=1 rebuilds).
#   HOSO_CEPH_PORT       17480          S3 (radosgw "beast" frontend)
#   HOSO_CEPH_MON_PORT   13310          monitor, msgr2 only
#   HOSO_CEPH_OSD_PORTS  16900-16999    range the osd binds its 4 sockets in
#   HOSO_CEPH_STORE      memstore       objects in RAM (saved to disk on a clean stop),
#                                       or bluestore (sparse file in the data dir)
#   HOSO_CEPH_SIZE_GB    8              capacity the osd reports
#   HOSO_S3_ACCESS_KEY / HOSO_S3_SECRET_KEY   keys of the S3 user "hoso" (test values below)
#   HOSO_CEPH_DIR        /tmp/hoso-ceph data, logs, sockets; keep it short (unix socket paths)
#   HOSO_CEPH_FRESH=1    discard the existing cluster and build a new one
#   HOSO_CEPH_NO_INSTALL=1  fail instead of running apt-get when Ceph is missing
#   HOSO_CEPH_WAIT       60             seconds to wait for each daemon
set -Eeuo pipefail

case ${1:-} in
'') ;;
-h | --help) sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
*) echo "start-ceph: no arguments expected (settings are environment variables; see --help)" >&2; exit 2 ;;
esac

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${HOSO_CEPH_DIR:-/tmp/hoso-ceph}
DIR=${DIR%/}
HOST=127.0.0.1
WAIT=${HOSO_CEPH_WAIT:-60}

# Close every descriptor inherited beyond 0-2 (bash keeps the script itself on 255): the
# daemons started below would hold them open for as long as they run, and a caller that
# learns of its child's exit from one of them (Foundation's Process on Linux does) would
# wait forever.
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    case $fd in 0|1|2|255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done

# The caller's stdout is kept on fd 3 for the env lines; everything else goes to stderr,
# so that no tool we run can slip a line into `$(start-ceph.sh)`.
exec 3>&1 1>&2

say() { printf 'start-ceph: %s\n' "$*" >&2; }
fail() { say "error: $*"; exit 1; }

case $DIR in /?*) ;; *) fail "HOSO_CEPH_DIR must be an absolute path, got '$DIR'" ;; esac
# the longest socket is $DIR/run/client.rgw.hoso.asok; sun_path holds 107 bytes
(( ${#DIR} <= 80 )) || fail "HOSO_CEPH_DIR is ${#DIR} characters long; admin sockets under it would exceed the unix socket path limit"
case $WAIT in '' | *[!0-9]*) fail "HOSO_CEPH_WAIT must be a number of seconds" ;; esac

# One start or stop at a time per data dir. The lock fd (9) must not reach the daemons,
# or they would hold the lock for as long as they live.
if [[ -z ${HOSO_CEPH_LOCK_HELD:-} ]]; then
    mkdir -p "$(dirname "$DIR")"
    exec 9>"$DIR.lock"
    flock -w 600 9 || fail "another start-ceph.sh/stop-ceph.sh holds $DIR.lock"
fi
stop_ceph() { HOSO_CEPH_DIR=$DIR HOSO_CEPH_LOCK_HELD=1 "$SCRIPTS/stop-ceph.sh" "$@" 9>&- 3>&-; }

# ------------------------------------------------------------------ settings
PORT=${HOSO_CEPH_PORT:-17480}
MON_PORT=${HOSO_CEPH_MON_PORT:-13310}
OSD_PORTS=${HOSO_CEPH_OSD_PORTS:-16900-16999}
STORE=${HOSO_CEPH_STORE:-memstore}
SIZE_GB=${HOSO_CEPH_SIZE_GB:-8}
ACCESS_KEY=${HOSO_S3_ACCESS_KEY:-HOSOTESTACCESSKEY001}
SECRET_KEY=${HOSO_S3_SECRET_KEY:-hosoTestSecretKey00000000000000000000001}
FRESH=${HOSO_CEPH_FRESH:-0}

# settings of an existing cluster win over the environment (the ports are in its maps)
if [[ $FRESH != 1 && -f $DIR/settings ]]; then
    while IFS='=' read -r key value; do
        case $key in
        port) saved=$PORT; PORT=$value; env_name=HOSO_CEPH_PORT ;;
        mon_port) saved=$MON_PORT; MON_PORT=$value; env_name=HOSO_CEPH_MON_PORT ;;
        osd_ports) saved=$OSD_PORTS; OSD_PORTS=$value; env_name=HOSO_CEPH_OSD_PORTS ;;
        store) saved=$STORE; STORE=$value; env_name=HOSO_CEPH_STORE ;;
        size_gb) saved=$SIZE_GB; SIZE_GB=$value; env_name=HOSO_CEPH_SIZE_GB ;;
        access_key) saved=$ACCESS_KEY; ACCESS_KEY=$value; env_name=HOSO_S3_ACCESS_KEY ;;
        secret_key) saved=$SECRET_KEY; SECRET_KEY=$value; env_name=HOSO_S3_SECRET_KEY ;;
        *) continue ;;
        esac
        if [[ -n ${!env_name:-} && $saved != "$value" ]]; then
            say "note: $env_name=$saved ignored, the cluster in $DIR was made with $value (HOSO_CEPH_FRESH=1 rebuilds it)"
        fi
    done <"$DIR/settings"
fi

for v in PORT MON_PORT SIZE_GB; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || fail "$v must be a positive number, got '${!v}'"
done
[[ $OSD_PORTS =~ ^([0-9]+)-([0-9]+)$ ]] || fail "HOSO_CEPH_OSD_PORTS must look like 16900-16999"
OSD_PORT_LO=${BASH_REMATCH[1]} OSD_PORT_HI=${BASH_REMATCH[2]}
case $STORE in memstore | bluestore) ;; *) fail "HOSO_CEPH_STORE must be memstore or bluestore" ;; esac
# the keys are written unquoted into the env file
[[ $ACCESS_KEY =~ ^[A-Za-z0-9]+$ ]] || fail "HOSO_S3_ACCESS_KEY may hold letters and digits only"
[[ $SECRET_KEY =~ ^[A-Za-z0-9/+]+$ ]] || fail "HOSO_S3_SECRET_KEY may hold letters, digits, / and + only"
ENDPOINT="http://$HOST:$PORT"
S3_USER=hoso

# ------------------------------------------------------------------ install
missing_tools() {
    local t
    for t in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool curl flock; do
        command -v "$t" >/dev/null 2>&1 || return 0
    done
    return 1
}
apt_get() {
    local sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo)
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" </dev/null 9>&- 3>&-
}
if missing_tools; then
    [[ ${HOSO_CEPH_NO_INSTALL:-0} != 1 ]] || fail "Ceph is not installed and HOSO_CEPH_NO_INSTALL=1"
    pkgs=(ceph-mon ceph-osd radosgw)
    command -v curl >/dev/null 2>&1 || pkgs+=(curl)
    say "installing ${pkgs[*]} with apt-get"
    t0=$SECONDS
    if ! apt_get install -y --no-install-recommends "${pkgs[@]}"; then
        say "install failed; refreshing the package lists once and retrying"
        apt_get update
        apt_get install -y --no-install-recommends "${pkgs[@]}"
    fi
    say "packages installed in $((SECONDS - t0)) s"
    ! missing_tools || fail "Ceph tools still missing after apt-get install"
fi

# ------------------------------------------------------------------ helpers
export CEPH_CONF=$DIR/ceph.conf

# shellcheck source=ceph-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ceph-lib.sh"
mon_running() { live_pid mon.m ceph-mon >/dev/null; }
osd_running() { live_pid osd.0 ceph-osd >/dev/null; }
rgw_running() { live_pid client.rgw.hoso radosgw >/dev/null; }

port_taken() { (exec 8<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
# ceph CLI with bounded waits (an unreachable mon otherwise means a 300 s hang)
ceph_cli() { timeout 45 ceph --connect-timeout 20 "$@" 9>&- 3>&-; }
rgw_admin() { timeout 60 radosgw-admin "$@" 9>&- 3>&-; }

mon_ready() { mon_running && port_taken "$MON_PORT" && ceph_cli mon stat >/dev/null 2>&1; }
osd_up() { ceph_cli osd stat -f json 2>/dev/null | grep -q '"num_up_osds":1,'; }
rgw_answers() {
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$ENDPOINT/" 2>/dev/null) != 000 ]]
}
# a SigV4-signed ListBuckets: proves radosgw, the osd and the user's keys all work.
# curl (7.88) does not send x-amz-content-sha256 by itself, and radosgw then answers
# SignatureDoesNotMatch; the value is the SHA-256 of the empty body.
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
s3_accepts_keys() {
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --aws-sigv4 aws:amz:us-east-1:s3 \
        --user "$ACCESS_KEY:$SECRET_KEY" -H "x-amz-content-sha256: $EMPTY_SHA256" \
        "$ENDPOINT/" 2>/dev/null) == 200 ]]
}

wait_until() { # wait_until DESCRIPTION CHECK...
    local what=$1 deadline=$((SECONDS + WAIT))
    shift
    until "$@"; do
        (( SECONDS < deadline )) || fail "gave up after ${WAIT} s waiting for $what"
        sleep 0.2
    done
}

STARTED=() # short names (mon, osd, rgw) of the daemons this run launched
# launch SHORT NAME PROGRAM ARGS...: start a self-daemonizing Ceph program; the short-lived
# parent's output goes to log/NAME.out, and it must not inherit fd 3 (the caller's pipe)
# or fd 9 (the lock)
launch() {
    local short=$1 name=$2
    shift 2
    rm -f "$DIR/run/$name.pid"
    STARTED+=("$short")
    "$@" </dev/null >>"$DIR/log/$name.out" 2>&1 9>&- 3>&- ||
        fail "$* exited with an error (see $DIR/log/$name.out)"
}

on_exit() {
    local rc=$?
    (( rc != 0 )) || return 0
    if (( ${#STARTED[@]} > 0 )); then
        say "start failed; stopping what this run started (${STARTED[*]}); logs stay in $DIR/log"
        local IFS=,
        stop_ceph --only "${STARTED[*]}" || true
    fi
    local f
    for f in "$DIR"/log/*.log; do
        [[ -s $f ]] || continue
        say "--- last lines of $f"
        tail -n 8 "$f" >&2 || true
    done
}
trap on_exit EXIT

print_env() {
    printf 'export %s=%s\n' \
        HOSO_S3_ENDPOINT "$ENDPOINT" \
        AWS_ACCESS_KEY_ID "$ACCESS_KEY" \
        AWS_SECRET_ACCESS_KEY "$SECRET_KEY" \
        AWS_REGION us-east-1 >"$DIR/env.new"
    mv -f "$DIR/env.new" "$DIR/env"
    cat "$DIR/env" >&3
}

# ------------------------------------------------------------------ decide
# .hoso-ceph marks a dir this script made (the only kind it will ever delete);
# .ready is written once a cluster has served S3.
have_cluster=0
[[ $FRESH != 1 && -f $DIR/.ready && -f $DIR/ceph.conf ]] && have_cluster=1

if (( have_cluster )) && mon_running && osd_running && rgw_running && s3_accepts_keys; then
    say "already running: $ENDPOINT ($DIR)"
    print_env
    exit 0
fi

if (( have_cluster )) && [[ $STORE == memstore ]] && ! osd_running && [[ ! -f $DIR/osd-saved ]]; then
    # memstore writes its objects to disk only when the osd is stopped with SIGTERM;
    # after a crash or kill -9 the copy on disk is stale, so do not serve it
    say "the memstore osd did not stop cleanly last time; building a new cluster"
    have_cluster=0
fi

now_ms() { local us=${EPOCHREALTIME//[.,]/}; echo $((10#$us / 1000)); }
t_begin=$(now_ms)

# refuse early, before building anything, when another program holds a port we need
if ! mon_running && port_taken "$MON_PORT"; then
    fail "port $HOST:$MON_PORT (mon) is taken by another program; set HOSO_CEPH_MON_PORT"
fi
if ! rgw_running && port_taken "$PORT"; then
    fail "port $HOST:$PORT (S3) is taken by another program; set HOSO_CEPH_PORT"
fi
created=0
if (( ! have_cluster )); then
    # stop whatever an earlier (maybe half-built) cluster left running, then start over
    [[ ! -d $DIR/run ]] || stop_ceph
    if [[ -e $DIR ]]; then
        [[ -f $DIR/.hoso-ceph || -z $(ls -A "$DIR") ]] ||
            fail "$DIR exists but was not made by start-ceph.sh; refusing to delete it"
        rm -rf "$DIR"
    fi
    say "creating a cluster in $DIR ($STORE, S3 on $HOST:$PORT, mon $MON_PORT, osd $OSD_PORTS)"
    mkdir -p "$DIR"/{log,mon,osd,rgw,run}
    : >"$DIR/.hoso-ceph"
    printf '%s=%s\n' port "$PORT" mon_port "$MON_PORT" osd_ports "$OSD_PORTS" store "$STORE" \
        size_gb "$SIZE_GB" access_key "$ACCESS_KEY" secret_key "$SECRET_KEY" >"$DIR/settings"

    size_bytes=$((SIZE_GB * 1024 * 1024 * 1024))
    if [[ $STORE == memstore ]]; then
        store_conf="osd objectstore = memstore
memstore device bytes = $size_bytes
# the default fast shutdown skips unmounting, and memstore saves its objects on unmount
osd fast shutdown = false"
    else
        # leave 'bluestore block path' unset: pointing it at \$osd_data/block makes
        # bluestore symlink the file to itself (mkfs: Too many levels of symbolic links)
        store_conf="osd objectstore = bluestore
bluestore block create = true
bluestore block size = $size_bytes
bluestore fsck on mount = false
osd memory target = 1073741824"
    fi

    fsid=$(cat /proc/sys/kernel/random/uuid)
    cat >"$CEPH_CONF" <<EOF
# Written by hoso's Scripts/start-ceph.sh: a disposable one-node test cluster on $HOST.
[global]
fsid = $fsid
mon host = [v2:$HOST:$MON_PORT]
public addr = $HOST
cluster addr = $HOST
ms bind msgr1 = false
ms bind ipv6 = false
ms bind port min = $OSD_PORT_LO
ms bind port max = $OSD_PORT_HI
# no cephx on loopback; radosgw still asks the mon for a 'secure' session by default
# (-13, then 'failed to fetch mon config'), hence the crc mode
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
# one osd: one replica, CRUSH picks osds not hosts, few placement groups per pool
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon allow pool delete = true
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
# a nearly full CI disk must not make the mon shut down (default: below 5 % free)
mon data avail crit = 1
mon data avail warn = 2
# the mon batches map changes for a second by default; radosgw's first start creates
# its pools one after the other, so this shortens a cold start by several seconds
paxos propose interval = 0.05
paxos min wait = 0.01
client mount timeout = 30
run dir = $DIR/run
log file = $DIR/log/\$name.log

[mon.m]
mon data = $DIR/mon
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok

[osd.0]
osd data = $DIR/osd
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
$store_conf

[client.rgw.hoso]
rgw frontends = beast endpoint=$HOST:$PORT tcp_nodelay=1
rgw data = $DIR/rgw
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
# no 'rgw dns name': path-style bucket addressing only
# reclaim deleted objects after a minute instead of two hours (memstore: that is RAM)
rgw gc obj min wait = 60
rgw gc processor period = 60
# do not wait 2 minutes for in-flight requests on SIGTERM
rgw exit timeout secs = 5
# no lifecycle worker: a radosgw restarted within seconds finds the lifecycle shard
# locks of its predecessor taken, sleeps 5 s on them, and its own SIGTERM waits that out
rgw enable lc threads = false
EOF
    # name the mon in its monmap explicitly; from 'mon host' alone mkfs makes a monmap
    # without mon.m, and the mon then waits forever to join a cluster
    monmaptool --create --fsid "$fsid" --addv m "[v2:$HOST:$MON_PORT]" "$DIR/monmap" >/dev/null
    ceph-mon -i m --mkfs --monmap "$DIR/monmap" --keyring /dev/null >"$DIR/log/mon-mkfs.out" 2>&1 ||
        fail "ceph-mon --mkfs failed: $(tail -n 3 "$DIR/log/mon-mkfs.out")"
    created=1
fi

# ------------------------------------------------------------------ mon
if ! mon_running; then
    ! port_taken "$MON_PORT" || fail "port $HOST:$MON_PORT (mon) is taken by another program; set HOSO_CEPH_MON_PORT"
    say "starting mon"
    launch mon mon.m ceph-mon -i m
fi

# ------------------------------------------------------------------ osd
if (( created )) || ! osd_running; then
    wait_until "the mon to answer on $HOST:$MON_PORT" mon_ready
fi
if (( created )); then
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    osd_id=$(ceph_cli osd new "$osd_uuid")
    [[ $osd_id == 0 ]] || fail "the mon gave osd id '$osd_id', expected 0"
    say "osd mkfs ($STORE)"
    ceph-osd -i 0 --mkfs --osd-uuid "$osd_uuid" </dev/null >"$DIR/log/osd-mkfs.out" 2>&1 9>&- 3>&- ||
        fail "ceph-osd --mkfs failed: $(tail -n 3 "$DIR/log/osd-mkfs.out")"
fi
if ! osd_running; then
    say "starting osd"
    rm -f "$DIR/osd-saved"
    launch osd osd.0 ceph-osd -i 0
    wait_until "the osd to be up" osd_up
fi

# ------------------------------------------------------------------ radosgw
if ! rgw_running; then
    ! port_taken "$PORT" || fail "port $HOST:$PORT (S3) is taken by another program; set HOSO_CEPH_PORT"
    say "starting radosgw on $ENDPOINT"
    launch rgw client.rgw.hoso radosgw -n client.rgw.hoso
    wait_until "radosgw to answer on $ENDPOINT" rgw_answers
fi

if ! s3_accepts_keys; then
    if rgw_admin user info --uid "$S3_USER" >/dev/null 2>&1; then
        say "giving user '$S3_USER' the access key $ACCESS_KEY"
        rgw_admin key create --uid "$S3_USER" --key-type s3 \
            --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" >/dev/null
    else
        say "creating S3 user '$S3_USER'"
        rgw_admin user create --uid "$S3_USER" --display-name "hoso tests" \
            --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" >/dev/null
    fi
    wait_until "S3 to accept the test keys" s3_accepts_keys
fi

: >"$DIR/.ready"
elapsed=$(($(now_ms) - t_begin))
say "S3 ready on $ENDPOINT after $((elapsed / 1000)).$((elapsed % 1000 / 100)) s (path-style, region us-east-1)"
print_env
