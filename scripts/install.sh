#!/bin/sh
# Installs an unpacked selrec appliance bundle onto this box (run as root from the
# bundle directory): /opt/selrec, /etc/selrec, the selrec user, the systemd unit and
# the kernel settings the RTP capture needs. Re-running it upgrades in place and keeps
# /etc/selrec and /var/lib/selrec.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
prefix=${SELREC_PREFIX:-/opt/selrec}
etc=${SELREC_ETC:-/etc/selrec}

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root" >&2
  exit 1
fi

getent group selrec >/dev/null || groupadd --system selrec
getent passwd selrec >/dev/null ||
  useradd --system --gid selrec --home-dir /var/lib/selrec --shell /usr/sbin/nologin selrec

mkdir -p "$prefix.new"
cp -a "$here/." "$prefix.new/"
rm -rf "$prefix.old"
[ -d "$prefix" ] && mv "$prefix" "$prefix.old"
mv "$prefix.new" "$prefix"

mkdir -p "$etc/rules" /var/lib/selrec
[ -f "$etc/selrec.yaml" ] || cp "$prefix/config/selrec.yaml" "$etc/selrec.yaml"
[ -n "$(ls -A "$etc/rules")" ] || cp "$prefix/rules/"*.yaml "$etc/rules/" 2>/dev/null || true
chown -R root:selrec "$etc"
chmod 0750 "$etc"
chown selrec:selrec /var/lib/selrec
chmod 0750 /var/lib/selrec

# One UDP socket per RTP stream port: default kernel buffers suffice. The default RTP
# range (rtp.ports 20000-29999) lies below the kernel's ephemeral range (32768-60999);
# reserving it as well keeps outgoing sockets off it if that range is ever widened.
# Keep this line in step with rtp.ports in selrec.yaml.
cat >/etc/sysctl.d/60-selrec.conf <<'SYSCTL'
net.core.rmem_max = 16777216
net.core.rmem_default = 1048576
net.ipv4.ip_local_reserved_ports = 20000-29999
SYSCTL
sysctl --system >/dev/null 2>&1 || true

install -m 0644 "$prefix/systemd/selrec.service" /etc/systemd/system/selrec.service
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now selrec.service
  echo "selrec installed and started; journalctl -u selrec shows the admin password on first start"
else
  echo "selrec installed in $prefix (systemd not running: start with $prefix/bin/selrec serve)"
fi
