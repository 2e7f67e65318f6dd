#!/usr/bin/env bash
# A stand-in for systemctl in installer tests (SELREC_SYSTEMCTL), where systemd is not
# PID 1: it runs the installed unit's ExecStart as its User= under $SELREC_PREFIX, in its
# WorkingDirectory, stops it with SIGTERM (the drain) and logs every call.
set -euo pipefail
root=${SELREC_PREFIX:?SELREC_PREFIX is required}
state=$root/run/fake-systemd
unit=$root/etc/systemd/system/selrec.service
mkdir -p "$state"
echo "$*" >>"$state/calls.log"

running() { [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null; }
setting() { sed -n "s/^$1=//p" "$unit" | tail -n1; }

quiet=0
args=()
for a in "$@"; do
  if [ "$a" = --quiet ]; then quiet=1; else args+=("$a"); fi
done
case ${args[0]:-} in
  daemon-reload | enable | disable) ;;
  is-active)
    if running; then ((quiet)) || echo active; exit 0; fi
    ((quiet)) || echo inactive
    exit 3
    ;;
  start)
    running && exit 0
    user=$(setting User)
    read -r -a exec <<<"$(setting ExecStart)"
    workdir=$root$(setting WorkingDirectory)
    cd "$workdir"
    umask "$(setting UMask)"
    setsid setpriv --reuid="$user" --regid="$user" --init-groups -- \
      env SELREC_CONFIG="$root/etc/selrec/selrec.yaml" HOME="$workdir" \
      "$root${exec[0]}" "${exec[@]:1}" >>"$state/service.log" 2>&1 </dev/null &
    echo $! >"$state/pid"
    ;;
  stop)
    running || exit 0
    pid=$(cat "$state/pid")
    kill -TERM "$pid"
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$state/pid"
    ;;
  *) echo "fake systemctl: unsupported: $*" >&2; exit 1 ;;
esac
