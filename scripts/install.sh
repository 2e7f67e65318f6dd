#!/usr/bin/env bash
# Installs, upgrades or removes the selrec appliance bundle (run as root from the
# unpacked bundle: scripts/install.sh). Idempotent: re-running it upgrades in place.
#
#   install.sh              fresh install, or upgrade when /opt/selrec exists
#   install.sh --uninstall  remove the program; keep config, database, keys, recordings
#   install.sh --uninstall --purge   remove those too, and the selrec user
#
# Upgrade: the new bundle's `config check` passes first; the service is stopped (it
# drains), the database and keys are copied to /var/backups/selrec/<time>, the bundle is
# swapped (the old one stays as /opt/selrec.previous), migrated, started, and /healthz
# must answer 200. If not, the old bundle, unit and database come back and start again.
#
# Environment (for tests and unusual layouts):
#   SELREC_PREFIX          root prefix for every path (default: none, i.e. /)
#   SELREC_USER            service user and group (default: selrec)
#   SELREC_SYSTEMCTL       systemctl command (default: systemctl, when systemd runs)
#   SELREC_HEALTH_URL      health URL (default: from http.host/port/tls of the config)
#   SELREC_HEALTH_TIMEOUT  seconds to wait for /healthz (default: 90)
set -euo pipefail
umask 022

here=$(cd "$(dirname "$0")/.." && pwd)
root=${SELREC_PREFIX:-}
user=${SELREC_USER:-selrec}
opt=$root/opt/selrec
etc=$root/etc/selrec
data=$root/var/lib/selrec
backups=$root/var/backups/selrec
unitdir=$root/etc/systemd/system
sysctl_file=$root/etc/sysctl.d/60-selrec.conf
path_bin=$root/usr/bin/selrec
health_timeout=${SELREC_HEALTH_TIMEOUT:-90}

say() { echo "install.sh: $*"; }
die() { echo "install.sh: $*" >&2; exit 1; }

systemctl_cmd() {
  if [ -n "${SELREC_SYSTEMCTL:-}" ]; then
    "$SELREC_SYSTEMCTL" "$@"
  elif [ -z "$root" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl "$@"
  else
    return 3
  fi
}
have_systemd() { [ -n "${SELREC_SYSTEMCTL:-}" ] || { [ -z "$root" ] && [ -d /run/systemd/system ]; }; }

# Native codec and crypto libraries the box loads by FFI from the host (Debian packages).
# Calls that need none of them work without, so a missing one is a warning with the apt
# command: libsrtp2 for SRTP (rtp.srtp), libbcg729 for G.729, libspandsp (G.722, else a
# slower built-in decoder), libopus for Opus (else a bundled addon), libssl3 for the
# AES-GCM of sealed files (else node:crypto, several times slower).
check_native_lib() { # package soname what
  # Whole outputs, not `| grep -q`: an early grep exit fails the pipe under pipefail.
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ] && return 0
  case "$(ldconfig -p 2>/dev/null)" in *"$2 "*) return 0 ;; esac
  say "warning: $2 is missing: $3 until you run: apt-get install $1"
}
check_native_libs() {
  check_native_lib libsrtp2-1 libsrtp2.so.1 "SRTP calls (rtp.srtp) cannot be recorded"
  check_native_lib libbcg729-0 libbcg729.so.0 "G.729 calls cannot be recorded"
  check_native_lib libspandsp2 libspandsp.so.2 "G.722 decodes with the slower built-in decoder"
  check_native_lib libopus0 libopus.so.0 "Opus uses the bundled addon"
  check_native_lib libssl3 libcrypto.so.3 "sealed recordings use the slower node:crypto AES-GCM"
}

# Runs a bundle's CLI as the service user against the installed config.
cli() {
  local bundle=$1
  shift
  (
    umask 0027 # as the unit's UMask=
    runuser -u "$user" -- env SELREC_CONFIG="$etc/selrec.yaml" HOME="$data" \
      "$bundle/bin/selrec" "$@"
  )
}

ensure_user() {
  getent group "$user" >/dev/null || groupadd --system "$user"
  getent passwd "$user" >/dev/null ||
    useradd --system --gid "$user" --home-dir "$data" --shell /usr/sbin/nologin "$user"
}

# Config, rules and data directories; an existing config and rules are kept.
ensure_dirs() {
  install -d -m 0755 "$root/etc" "$root/usr/bin" "$unitdir" "$root/etc/sysctl.d"
  install -d -o root -g "$user" -m 0750 "$etc" "$etc/rules"
  install -d -o "$user" -g "$user" -m 0750 "$data"
  if [ ! -f "$etc/selrec.yaml" ]; then
    sed -e "s#/var/lib/selrec#$data#g" -e "s#/etc/selrec#$etc#g" \
      "$here/config/selrec.yaml" >"$etc/selrec.yaml"
    say "wrote $etc/selrec.yaml"
  fi
  chown "root:$user" "$etc/selrec.yaml"
  chmod 0640 "$etc/selrec.yaml"
  if [ -z "$(ls -A "$etc/rules")" ]; then
    install -o root -g "$user" -m 0640 "$here/rules/"*.yaml "$etc/rules/"
  fi
}

# A self-signed certificate for the web UI when the config names none (http.tls).
# True when the config's top-level http: section already has a tls: key (sip.tls does not count).
http_has_tls() {
  awk '/^http:/ { inhttp = 1; if ($0 ~ /tls/) found = 1; next }
       /^[^[:space:]#]/ { inhttp = 0 }
       inhttp && /^[[:space:]]+tls:/ { found = 1 }
       END { exit !found }' "$1"
}

ensure_tls() {
  http_has_tls "$etc/selrec.yaml" && return 0
  local dir=$etc/tls
  install -d -o root -g "$user" -m 0750 "$dir"
  if [ ! -f "$dir/selrec.key" ]; then
    openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 825 -subj "/CN=$(hostname -f 2>/dev/null || hostname)" \
      -keyout "$dir/selrec.key" -out "$dir/selrec.crt" 2>/dev/null ||
      die "openssl could not make a self-signed certificate in $dir"
    chown "root:$user" "$dir/selrec.key" "$dir/selrec.crt"
    chmod 0640 "$dir/selrec.key"
    chmod 0644 "$dir/selrec.crt"
  fi
  local line="  tls: { certFile: $dir/selrec.crt, keyFile: $dir/selrec.key }"
  if grep -q '^http:' "$etc/selrec.yaml"; then
    sed -i "/^http:/a\\$line" "$etc/selrec.yaml"
  else
    printf 'http:\n%s\n' "$line" >>"$etc/selrec.yaml"
  fi
  say "self-signed TLS certificate for the web UI: $dir/selrec.crt (http.tls in $etc/selrec.yaml)"
}

write_system_files() {
  sed -e "s/^User=selrec\$/User=$user/" -e "s/^Group=selrec\$/Group=$user/" \
    "$opt/systemd/selrec.service" >"$unitdir/selrec.service"
  chmod 0644 "$unitdir/selrec.service"
  install -d -m 0755 "$unitdir/selrec.service.d"
  local dropin=$unitdir/selrec.service.d/targets.conf
  if cli "$opt" storage dropin >"$dropin.new"; then
    chmod 0644 "$dropin.new"
    mv "$dropin.new" "$dropin"
  else
    rm -f "$dropin.new"
    say "warning: selrec storage dropin failed; $dropin (archive targets) left as it was"
  fi
  printf '#!/bin/sh\n# selrec on PATH (install.sh): the bundled CLI\nexec %s/bin/selrec "$@"\n' \
    "$opt" >"$path_bin"
  chmod 0755 "$path_bin"
  # One UDP socket per RTP stream port: default kernel buffers suffice. The default RTP
  # range (rtp.ports 20000-29999) lies below the kernel's ephemeral range (32768-60999);
  # reserving it as well keeps outgoing sockets off it if that range is ever widened.
  # Keep this line in step with rtp.ports in selrec.yaml.
  cat >"$sysctl_file" <<'SYSCTL'
net.core.rmem_max = 16777216
net.core.rmem_default = 1048576
net.ipv4.ip_local_reserved_ports = 20000-29999
SYSCTL
  [ -n "$root" ] || sysctl --system >/dev/null 2>&1 || true
  systemctl_cmd daemon-reload || true
}

health_url() {
  if [ -n "${SELREC_HEALTH_URL:-}" ]; then
    echo "$SELREC_HEALTH_URL"
    return
  fi
  cli "$opt" config check --json | awk '
    !done && /"http": [{]/ { inhttp = 1; ind = match($0, /[^ ]/); next }
    inhttp {
      i = match($0, /[^ ]/)
      if (i == ind) { inhttp = 0; done = 1; next }
      if (i != ind + 2) next
      if ($1 == "\"host\":") { gsub(/[",]/, "", $2); host = $2 }
      if ($1 == "\"port\":") { gsub(/,/, "", $2); port = $2 }
      if ($1 == "\"tls\":") tls = 1
    }
    END {
      if (host == "" || host == "0.0.0.0" || host == "::") host = "127.0.0.1"
      print (tls ? "https" : "http") "://" host ":" port "/healthz"
    }'
}

# One GET of the health URL: curl when present, else openssl (https) or bash (http).
probe() {
  local url=$1 scheme rest host port
  if command -v curl >/dev/null; then
    curl -fsk --max-time 2 -o /dev/null "$url" 2>/dev/null
    return
  fi
  scheme=${url%%://*} rest=${url#*://}
  rest=${rest%%/*} host=${rest%:*} port=${rest##*:}
  if [ "$scheme" = https ]; then
    printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n' "$host" |
      timeout 3 openssl s_client -quiet -connect "$host:$port" 2>/dev/null | head -n1 | grep -q ' 200 '
  else
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "GET /healthz HTTP/1.0\r\n\r\n" >&3 &&
      head -n1 <&3 | grep -q " 200 "' "$host" "$port"
  fi
}

# Waits for /healthz to answer 200; false after the timeout or when the service died.
wait_healthy() {
  local url=$1 i
  for ((i = 0; i < health_timeout * 2; i++)); do
    if probe "$url"; then return 0; fi
    if ((i > 4)) && ! systemctl_cmd is-active --quiet selrec.service; then return 1; fi
    sleep 0.5
  done
  return 1
}

start_and_check() {
  systemctl_cmd enable selrec.service >/dev/null 2>&1 || true
  systemctl_cmd start selrec.service || return 1
  wait_healthy "$(health_url)"
}

# The database (with its WAL), the keys and the audit checkpoints, copied while stopped.
backup_data() {
  local dir
  dir=$backups/$(date -u +%Y%m%dT%H%M%SZ)
  install -d -m 0700 "$backups" "$dir"
  local f
  for f in selrec.db selrec.db-wal selrec.db-shm audit-checkpoints.jsonl; do
    [ ! -e "$data/$f" ] || cp -a "$data/$f" "$dir/"
  done
  [ ! -d "$data/keys" ] || cp -a "$data/keys" "$dir/"
  echo "$dir"
}

restore_data() {
  local dir=$1 f
  rm -f "$data/selrec.db" "$data/selrec.db-wal" "$data/selrec.db-shm"
  for f in selrec.db selrec.db-wal selrec.db-shm audit-checkpoints.jsonl; do
    [ ! -e "$dir/$f" ] || cp -a "$dir/$f" "$data/"
  done
  if [ -d "$dir/keys" ]; then
    rm -rf "$data/keys"
    cp -a "$dir/keys" "$data/"
  fi
}

# Copies the new bundle next to the running one ($opt.new), owned by root.
stage_bundle() {
  rm -rf "$opt.new"
  install -d -m 0755 "$root/opt" "$opt.new"
  cp -a "$here/." "$opt.new/"
  chown -R root:root "$opt.new"
  chmod -R a+rX,go-w "$opt.new"
}

# Puts the staged bundle in place; the one it replaces becomes $opt.previous.
swap_bundle() {
  if [ -d "$opt" ]; then
    rm -rf "$opt.previous"
    mv "$opt" "$opt.previous"
  fi
  mv "$opt.new" "$opt"
}

# The failed upgrade goes back: old bundle, its unit, the database and keys as they were.
rollback() {
  local backup=$1 why=$2
  say "upgrade failed: $why; rolling back to the previous bundle and the backup in $backup"
  systemctl_cmd stop selrec.service || true
  rm -rf "$opt.failed"
  mv "$opt" "$opt.failed"
  mv "$opt.previous" "$opt"
  restore_data "$backup"
  write_system_files
  if start_and_check; then
    say "rolled back: the previous version runs again and answers /healthz; the failed bundle is in $opt.failed"
  else
    say "rolled back, but the previous version does not answer /healthz either: see journalctl -u selrec"
  fi
  exit 1
}

install_or_upgrade() {
  [ -x "$here/bin/selrec" ] || die "$here is not an unpacked selrec bundle (no bin/selrec)"
  local upgrade=0 was_active=0 backup=""
  [ -x "$opt/bin/selrec" ] && upgrade=1
  check_native_libs
  ensure_user
  ensure_dirs
  ensure_tls
  chown -R "$user:$user" "$data"
  stage_bundle
  if ! cli "$opt.new" config check >/dev/null; then
    rm -rf "$opt.new"
    die "the new bundle rejects $etc/selrec.yaml (see above); the installed version is untouched"
  fi
  if ((upgrade)); then
    systemctl_cmd is-active --quiet selrec.service && was_active=1
    if ((was_active)); then
      say "stopping selrec (it drains calls in progress)"
      systemctl_cmd stop selrec.service || die "could not stop selrec.service"
    fi
    backup=$(backup_data)
    say "database and keys backed up to $backup"
  fi
  swap_bundle
  write_system_files
  if ! cli "$opt" migrate >/dev/null; then
    ((upgrade)) && rollback "$backup" "selrec migrate failed"
    die "selrec migrate failed on $data"
  fi
  if ! have_systemd; then
    say "installed in $opt (systemd is not running: start it with selrec serve)"
    return 0
  fi
  if ((upgrade)) && ((!was_active)); then
    say "upgraded in $opt; the service was not running and stays stopped"
    return 0
  fi
  if ! start_and_check; then
    ((upgrade)) && rollback "$backup" "the new version did not answer /healthz within ${health_timeout}s"
    die "selrec did not answer /healthz within ${health_timeout}s: see journalctl -u selrec"
  fi
  rm -rf "$opt.failed"
  if ((upgrade)); then
    say "upgraded and healthy; the previous bundle is kept in $opt.previous"
  else
    say "installed and started; the first admin's password: see journalctl -u selrec"
  fi
}

uninstall() {
  local purge=$1
  if have_systemd; then
    systemctl_cmd stop selrec.service || true
    systemctl_cmd disable selrec.service >/dev/null 2>&1 || true
  fi
  rm -rf "$opt" "$opt.previous" "$opt.new" "$opt.failed" "$path_bin" \
    "$unitdir/selrec.service" "$unitdir/selrec.service.d" "$sysctl_file"
  systemctl_cmd daemon-reload || true
  if ((purge)); then
    rm -rf "$etc" "$data" "$backups"
    getent passwd "$user" >/dev/null && userdel "$user"
    getent group "$user" >/dev/null && groupdel "$user"
    say "removed selrec with its config, database, keys, recordings and user"
  else
    say "removed selrec; kept $etc, $data (database, keys, recordings) and $backups"
  fi
}

main() {
  local mode=install purge=0 arg
  for arg in "$@"; do
    case $arg in
      --uninstall) mode=uninstall ;;
      --purge) purge=1 ;;
      -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
      *) die "unknown option $arg (expected --uninstall [--purge])" ;;
    esac
  done
  ((purge)) && [ "$mode" != uninstall ] && die "--purge goes with --uninstall"
  [ "$(id -u)" -eq 0 ] || die "run as root"
  if [ "$mode" = uninstall ]; then uninstall "$purge"; else install_or_upgrade; fi
}

main "$@"
