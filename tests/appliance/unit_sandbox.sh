#!/usr/bin/env bash
# Runs a command the way systemd would run selrec.service where systemd is not PID 1:
# a mount and PID namespace with the bundle, config, data directory and archive target
# bound at the unit's paths; ProtectSystem=strict (every mount read-only) with only the
# ReadWritePaths writable; PrivateTmp, ProtectHome, ProtectProc=invisible, ProcSubset=pid;
# then User=, UMask=, WorkingDirectory=, NoNewPrivileges and an empty capability set.
#   unit_sandbox.sh SCRATCH USER UMASK WORKDIR "RW_PATHS" -- BIND_SRC:DST... -- CMD ARGS...
# Run it under: unshare -m -p -f --propagation private
set -euo pipefail
scratch=$1 user=$2 mask=$3 workdir=$4 rw=$5
shift 5
[ "$1" = -- ] && shift
binds=()
while [ "$1" != -- ]; do binds+=("$1"); shift; done
shift

# A mount point at $1: when it does not exist, an overlay on its parent creates it here only.
ensure_mountpoint() {
  local p=$1 parent n
  [ -e "$p" ] && return 0
  parent=$(dirname "$p")
  ensure_mountpoint "$parent"
  n=$(mktemp -d "$scratch/ov.XXXXXX")
  mkdir -p "$n/upper" "$n/work"
  mount -t overlay overlay -o "lowerdir=$parent,upperdir=$n/upper,workdir=$n/work" "$parent"
  mkdir -p "$p"
}

for b in "${binds[@]}"; do
  ensure_mountpoint "${b#*:}"
  mount --bind "${b%%:*}" "${b#*:}"
done
# ProtectSystem=strict: everything read-only, API file systems aside.
awk '{print $5}' /proc/self/mountinfo | sort -u | while read -r m; do
  case $m in /proc* | /sys* | /dev*) continue ;; esac
  mount -o remount,bind,ro "$m" 2>/dev/null || true
done
for p in $rw; do
  [ -e "$p" ] || continue # the "-" prefix: a missing path is skipped
  mount --bind "$p" "$p"
  mount -o remount,bind,rw "$p"
done
mount -t tmpfs -o mode=1777 tmpfs /tmp                 # PrivateTmp=yes
mount -t tmpfs -o mode=1777 tmpfs /var/tmp
for h in /home /root /run/user; do                     # ProtectHome=yes
  [ -d "$h" ] && mount -t tmpfs -o ro,mode=0755 tmpfs "$h"
done
mount -t proc -o nosuid,nodev,noexec,hidepid=invisible,subset=pid proc /proc
cd "$workdir"
umask "$mask"
exec setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs \
  --inh-caps=-all --bounding-set=-all -- "$@"
