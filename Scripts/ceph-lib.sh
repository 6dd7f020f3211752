# Shared by start-ceph.sh and stop-ceph.sh (sourced, not run).

# live_pid NAME COMM: print the pid from the daemon's own pid file (run/NAME.pid) if that
# process is still COMM and not a zombie (a killed daemon can stay <defunct> until init reaps it)
live_pid() {
    local file=$DIR/run/$1.pid pid stat
    [[ -s $file ]] || return 1
    read -r pid <"$file" || return 1
    [[ $pid =~ ^[1-9][0-9]*$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != [ZX] ]] || return 1
    echo "$pid"
}
