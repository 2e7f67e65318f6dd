#!/usr/bin/env bash
# Fresh-machine entry point for developers and CI.
#   scripts/dev.sh start   install Deno (from npm) and run the box on embedded defaults
#   scripts/dev.sh test    install Deno and the Debian test peers, run the whole suite
#   scripts/dev.sh deno …  run the pinned Deno with any arguments
set -euo pipefail
cd "$(dirname "$0")/.."

DENO_VERSION=2.9.6
TOOLS="${SELREC_TOOLS_DIR:-$HOME/.cache/selrec/deno-$DENO_VERSION}"
DENO="$TOOLS/node_modules/@deno/linux-x64-glibc/deno"
APT_PEERS=(sip-tester chromium sox opus-tools ffmpeg tshark shellcheck bindfs fuse3 libopus0 faketime systemd util-linux libsrtp2-1 libbcg729-0 libspandsp2 libssl3 python3-pylibsrtp baresip-core openssl curl slapd ldap-utils age)
# The Dockerfile linter (tests/appliance/dockerfile_test.ts), from npm like Deno.
DOCKERFILELINT_DIR="${SELREC_DOCKERFILELINT_DIR:-$HOME/.cache/selrec/dockerfilelint}"

install_deno() {
  if [ ! -x "$DENO" ]; then
    echo "installing deno $DENO_VERSION from npm into $TOOLS" >&2
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --loglevel=error "deno@$DENO_VERSION" >&2
  fi
  "$DENO" --version | head -1 >&2
  "$DENO" install --frozen --quiet
}

install_peers() {
  local missing=()
  for p in "${APT_PEERS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian test peers: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}

install_linters() {
  [ -x "$DOCKERFILELINT_DIR/node_modules/.bin/dockerfilelint" ] && return 0
  mkdir -p "$DOCKERFILELINT_DIR"
  npm install --prefix "$DOCKERFILELINT_DIR" --no-audit --no-fund --loglevel=error dockerfilelint@1.8.0 >&2
}

# The modules that use libsrtp in-process run after the parallel run (which runs modules as
# threads of one process), one process each, as the box uses it: from one thread. They also
# pass in the parallel run since libsrtp is pinned (src/rtp/srtp_ffi.ts, pinLibSrtp).
SERIAL_TESTS=(src/rtp/srtp_ffi_test.ts src/rtp/srtp_receiver_test.ts src/rtp/srtp_cm_oracle_test.ts src/sim/rtp_pacer_test.ts)

run_tests() {
  # The import and SQL boundaries (see README, Architecture) fail CI before any test runs.
  "$DENO" task boundaries >&2
  local log part rc=0 code crashed=0 ignore
  log=$(mktemp)
  part=$(mktemp)
  set +e
  if [ $# -gt 0 ]; then
    NO_COLOR=1 SELREC_DENO="$DENO" "$DENO" test -A --parallel "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    crashed=$(count_crash "$rc" "$log" "the test run")
  else
    ignore=$(IFS=,; echo "${SERIAL_TESTS[*]}")
    NO_COLOR=1 SELREC_DENO="$DENO" "$DENO" test -A --parallel --ignore="$ignore" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    crashed=$(count_crash "$rc" "$log" "the parallel run")
    for t in "${SERIAL_TESTS[@]}"; do
      NO_COLOR=1 SELREC_DENO="$DENO" "$DENO" test -A "$t" 2>&1 | tee "$part"
      code=${PIPESTATUS[0]}
      cat "$part" >>"$log"
      [ "$code" -eq 0 ] || rc=1
      crashed=$((crashed + $(count_crash "$code" "$part" "$t")))
    done
  fi
  set -e
  # CI reads one plain "N passed, N failed" line: the runs' summaries added up, and a run that
  # exited non-zero with no failed test (a crash, even after its summary) as one failure.
  sed -nE 's/^(ok|FAILED) \| ([0-9]+) passed( \([0-9]+ steps?\))? \| ([0-9]+) failed.*/\2 \4/p' "$log" |
    awk -v crashed="$crashed" '{ p += $1; f += $2 } END { printf "tests: %d passed, %d failed\n", p, f + crashed }'
  rm -f "$log" "$part"
  return "$rc"
}

# count_crash STATUS LOG NAME: prints 1 (and says so on stderr) when a deno test process
# exited non-zero although no test in LOG failed (a signal, a crash at exit), else 0.
count_crash() {
  if [ "$1" -ne 0 ] && ! grep -qE '^FAILED \|' "$2"; then
    echo "scripts/dev.sh: $3 exited with status $1 but no test failed: counted as one failure" >&2
    echo 1
  else
    echo 0
  fi
}

case "${1:-}" in
  start) install_deno; exec "$DENO" task start ;;
  test) shift; install_deno; install_peers; install_linters; run_tests "$@" ;;
  deno) shift; install_deno; exec "$DENO" "$@" ;;
  *) echo "usage: scripts/dev.sh start|test|deno ARGS" >&2; exit 2 ;;
esac
