#!/usr/bin/env bash
# The stock-machine check of docs/setup.md: a minimal Debian 12 (bookworm) root file system
# made by debootstrap, with only python3 and make (and git, ca-certificates to clone), a
# fresh clone of this repository with ../shared beside it, and in a chroot:
#   make install   (the Makefile apt-gets what it needs itself)
#   make run PORT=…   until the portal answers, then stopped
#   make browser java, then a marked subset of the tests (PostgreSQL, browser, reports, Spark)
#   the PostgreSQL tests against a server that cannot be reached: the one-line message
#   the PostgreSQL tests against a server with password authentication (scram-sha-256)
#   `tierwise --help`, timed
# A chroot, not a container: it shares the host's network (the host's PostgreSQL on
# 127.0.0.1:5432 answers in it), its kernel and its process table; nothing runs systemd.
#
# Usage (as root; needs debootstrap):  scripts/debian12-check.sh [ROOTFS]
#   ROOTFS      where the bookworm tree goes, outside the repository (default /work/deb12/rootfs);
#               it is made anew each time (REUSE=1 keeps an existing one and its packages)
#   BRANCH      the branch to clone (default: the current one; commit first)
#   PORT        the port `make run` serves on (default 8765)
#   TESTS       the pytest arguments of the subset (default: DEFAULT_TESTS below)
#   MIRROR, SECURITY_MIRROR   Debian mirrors (default: the host's, else deb.debian.org)
# The log and the results go beside ROOTFS: ROOTFS.log, ROOTFS.results.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
REPO=$(git -C "$HERE" rev-parse --show-toplevel)
BRANCH=${BRANCH:-$(git -C "$REPO" rev-parse --abbrev-ref HEAD)}
SHARED=$(cd "$REPO/../shared" && pwd -P)
ROOT=$(realpath -m "${1:-/work/deb12/rootfs}")
PORT=${PORT:-8765}
LOG=$ROOT.log
RESULTS=$ROOT.results
DEFAULT_TESTS=(
  tests/test_pg_setup.py
  tests/test_state_store.py
  tests/web/test_vendored.py
  tests/reports/test_partner_report.py
  tests/web/browser/test_history_chart_browser.py
  "tests/web/browser/test_accessibility_browser.py::test_the_login_page"
  "tests/test_evaluate_spark_cli.py::test_evaluate_on_spark_gives_duckdbs_document"
)
# shellcheck disable=SC2206  # TESTS is a list of pytest arguments, split on spaces
TESTS=(${TESTS:-${DEFAULT_TESTS[*]}})
# The packages a stock machine has besides debootstrap's minimal base.
STOCK=(python3 make git ca-certificates)
# A local server with password authentication, for TIERWISE_TEST_PG_URL with a password
# (installed after the Makefile's packages are recorded: not one of them).
PG_PORT=55432
PG_PASSWORD=check-$RANDOM$RANDOM

host_uri() {  # the host's apt URI for a suite ending in $1 ("" or "-security")
  grep -rhoE "^(URIs:|deb) +[^ ]+" /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null |
    awk '{print $2}' | grep -E "/debian$1/?$" | head -n 1 || true
}
MIRROR=${MIRROR:-$(host_uri "")}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-$(host_uri "-security")}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}

[ "$(id -u)" = 0 ] || { echo "run as root (debootstrap, chroot, mount)" >&2; exit 2; }
case "$ROOT/" in "$REPO"/*) echo "ROOTFS must be outside the repository" >&2; exit 2 ;; esac
command -v debootstrap >/dev/null || { echo "apt-get install debootstrap first" >&2; exit 2; }

: >"$LOG"
: >"$RESULTS"
result() { echo "$*" | tee -a "$RESULTS"; }
result "$(date -u +%FT%TZ) on $(hostname), $(nproc) cores, branch $BRANCH"
in_root() { chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
# step NAME COMMAND…: runs it with its output in the log, and records its time and outcome.
step() {
  local name=$1 start=$SECONDS status=0
  shift
  echo "== $name: $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || status=$?
  result "$(printf '%-34s %5d s  %s' "$name" $((SECONDS - start)) \
    "$([ $status = 0 ] && echo ok || echo "FAILED (exit $status)")")"
  return $status
}

SERVER_PID=
unmount() {
  for mount in dev sys proc; do
    mountpoint -q "$ROOT/$mount" && umount -R "$ROOT/$mount"
  done
  return 0
}
cleanup() {
  [ -n "$SERVER_PID" ] && kill -- "-$SERVER_PID" 2>/dev/null
  if [ -x "$ROOT/usr/lib/postgresql/15/bin/pg_ctl" ] && [ -d "$ROOT/var/lib/check-pg" ]; then
    in_root runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /var/lib/check-pg \
      -m fast stop >>"$LOG" 2>&1 || true
  fi
  unmount
}
trap cleanup EXIT

mount_all() {
  mount -t proc proc "$ROOT/proc"
  mount --bind /sys "$ROOT/sys"
  mount --rbind /dev "$ROOT/dev"
  mount --make-rslave "$ROOT/dev"  # unmounting it later leaves the host's /dev alone
}

# -- 1. a stock bookworm: debootstrap's minbase, then python3 and make ----------------------
if [ "${REUSE:-0}" = 1 ] && [ -f "$ROOT/etc/debian_version" ]; then
  result "reusing $ROOT (REUSE=1)"
else
  unmount
  rm -rf "$ROOT"
  step "debootstrap minbase bookworm" debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR"
fi
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $SECURITY_MIRROR bookworm-security main
EOF
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# A Debian installation (or a container) names the machine in /etc/hosts; debootstrap does
# not, and the chroot keeps the host's name: Spark's JVM looks that name up when it starts.
hostname >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$(hostname)" >"$ROOT/etc/hosts"
# As in Debian's container images: packages do not start services (no init runs here).
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"
mount_all
step "apt-get install ${STOCK[*]}" in_root sh -c \
  "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${STOCK[*]}"
result "Debian $(cat "$ROOT/etc/debian_version"), $(in_root python3 --version), \
$(in_root make --version | head -n 1)"
in_root dpkg-query -W -f '${Package}\n' | sort >"$ROOT.stock-packages"
in_root apt-mark showmanual | sort >"$ROOT.stock-manual"
# The site's network, not Debian: where HTTPS goes through a TLS-inspecting proxy, the
# host's own CA certificates (/usr/local/share/ca-certificates) and /etc/pip.conf (pip reads
# its own CA bundle otherwise) are carried over. Nothing else comes from the host.
carried=
for crt in /usr/local/share/ca-certificates/*.crt; do
  [ -f "$crt" ] || continue
  mkdir -p "$ROOT/usr/local/share/ca-certificates"
  cp "$crt" "$ROOT/usr/local/share/ca-certificates/"
  carried="$carried $(basename "$crt")"
done
[ -n "$carried" ] && in_root update-ca-certificates >>"$LOG" 2>&1
[ -f /etc/pip.conf ] && cp /etc/pip.conf "$ROOT/etc/pip.conf" && carried="$carried /etc/pip.conf"
result "carried over from the host's network set-up:${carried:- nothing}"
found=$(in_root sh -c 'for c in npm node sudo java chromium; do command -v $c; done' || true)
result "npm, node, sudo, java, chromium in the stock tree: ${found:-none}"

# -- 2. a fresh clone with ../shared beside it -------------------------------------------
rm -rf "$ROOT/work"
mkdir -p "$ROOT/work"
step "git clone --branch $BRANCH" git clone -q --branch "$BRANCH" "$REPO" "$ROOT/work/tierwise"
cp -a "$SHARED" "$ROOT/work/shared"
result "commit $(git -C "$ROOT/work/tierwise" log -1 --format='%h %s' | cut -c1-80)"
make_in() { in_root sh -c "cd /work/tierwise && $*"; }

# -- 3. make install, then what the Makefile installed ----------------------------------
step "make install" make_in make install
in_root dpkg-query -W -f '${Package}\n' | sort >"$ROOT.install-packages"
in_root apt-mark showmanual | sort >"$ROOT.install-manual"
result "make install apt-got: $(comm -13 "$ROOT.stock-manual" "$ROOT.install-manual" |
  tr '\n' ' ')($(comm -13 "$ROOT.stock-packages" "$ROOT.install-packages" | wc -l) packages \
with their dependencies)"

# -- 4. make run PORT=…: until the portal answers, then stopped -------------------------
run_portal() {
  setsid chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    sh -c "cd /work/tierwise && exec make run PORT=$PORT" >>"$LOG" 2>&1 &
  SERVER_PID=$!
  local answer
  for _ in $(seq 1 600); do
    answer=$(python3 - "$PORT" <<'EOF' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/login", timeout=2) as reply:
    body = reply.read().decode()
print(reply.status, "tierwise" in body.lower(), len(body))
EOF
    ) && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "make run ended" >&2; return 1; }
    sleep 1
  done
  echo "GET /login: $answer"
  kill -- "-$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  case "$answer" in "200 True "*) return 0 ;; *) return 1 ;; esac
}
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  result "port $PORT is taken: choose another with PORT=…"
  exit 1
fi
FAILURES=0
step "make run PORT=$PORT (until it answers)" run_portal || FAILURES=$((FAILURES + 1))
result "$(grep '^GET /login' "$LOG" | tail -n 1) (status, names tierwise, bytes)"

# -- 5. the test target's other prerequisites, then a marked subset ----------------------
step "make browser java" make_in make browser java || FAILURES=$((FAILURES + 1))
result "make browser java apt-got: $(in_root apt-mark showmanual | sort |
  comm -13 "$ROOT.install-manual" - | tr '\n' ' ')"
in_root dpkg-query -W -f '${Package}\n' | sort >"$ROOT.test-packages"
step "pytest subset (-n 0)" make_in .venv/bin/pytest -q -n 0 -p no:cacheprovider "${TESTS[@]}" ||
  FAILURES=$((FAILURES + 1))
result "  $(grep -E '^[0-9]+ (passed|failed|error)' "$LOG" | tail -n 1)"

# -- 6. TIERWISE_TEST_PG_URL at a server that cannot be reached ---------------------------
unreachable() {
  local output status=0
  output=$(make_in TIERWISE_TEST_PG_URL=postgresql+psycopg://tierwise:s3cret@127.0.0.1:9/postgres \
    .venv/bin/pytest -q -n 0 -p no:cacheprovider -m pg tests/test_state_store.py 2>&1) || status=$?
  echo "$output"
  local message
  message=$(echo "$output" | grep -m 1 '^PostgreSQL at ')
  echo "message: $message"
  [ "$status" != 0 ] && [ -n "$message" ] && ! echo "$output" | grep -q s3cret
}
step "pg tests, server unreachable" unreachable || FAILURES=$((FAILURES + 1))
result "  $(grep -m 1 '^message: ' "$LOG" | cut -c10-200)…"

# -- 7. TIERWISE_TEST_PG_URL with a password (a scram-sha-256 server in the chroot) ---------
password_server() {
  mkdir -p "$ROOT/etc/postgresql-common"
  echo "create_main_cluster = false" >"$ROOT/etc/postgresql-common/createcluster.conf"
  in_root sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null" &&
  echo "$PG_PASSWORD" >"$ROOT/tmp/pg-password"
  chmod 644 "$ROOT/tmp/pg-password"
  rm -rf "$ROOT/var/lib/check-pg"
  in_root install -d -o postgres -g postgres /var/lib/check-pg &&
    in_root runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D /var/lib/check-pg \
      -U postgres --auth=scram-sha-256 --pwfile=/tmp/pg-password &&
    in_root runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /var/lib/check-pg \
      -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1" -w start &&
    in_root runuser -u postgres -- env PGPASSWORD="$PG_PASSWORD" \
    psql -h 127.0.0.1 -p $PG_PORT -U postgres -c \
    "CREATE ROLE tierwise LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
}
with_password() {
  make_in "TIERWISE_TEST_PG_URL=postgresql+psycopg://tierwise:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres" \
    .venv/bin/pytest -q -n 0 -p no:cacheprovider -m pg tests/test_pg_setup.py tests/test_state_store.py
}
wrong_password() {
  local output
  output=$(make_in TIERWISE_TEST_PG_URL=postgresql+psycopg://tierwise:wrong@127.0.0.1:$PG_PORT/postgres \
    .venv/bin/pytest -q -n 0 -p no:cacheprovider -m pg tests/test_state_store.py 2>&1) && return 1
  echo "$output" | grep -m 1 '^PostgreSQL at ' | sed 's/^/wrong password: /'
}
if step "postgresql-15, scram-sha-256 on :$PG_PORT" password_server; then
  step "pg tests, URL with a password" with_password || FAILURES=$((FAILURES + 1))
  result "  $(grep -E '^[0-9]+ (passed|failed|error)' "$LOG" | tail -n 1)"
  step "pg tests, wrong password" wrong_password || FAILURES=$((FAILURES + 1))
else
  FAILURES=$((FAILURES + 1))
fi
result "  $(grep -m 1 '^wrong password: ' "$LOG" | cut -c17-200)…"

# -- 8. tierwise --help, five times -----------------------------------------------------
help_times() {  # wall and CPU (user + system) milliseconds of each run, and the load
  in_root sh -c 'cd /work/tierwise && python3 -c "
import resource, subprocess, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
for _ in range(5):
    wall, used = time.perf_counter(), cpu()
    subprocess.run([\".venv/bin/tierwise\", \"--help\"], check=True, capture_output=True)
    print(f\"help: {(time.perf_counter() - wall) * 1000:.0f} ms wall, {(cpu() - used) * 1000:.0f} ms CPU\")
"'
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
}
step "tierwise --help x5" help_times || FAILURES=$((FAILURES + 1))
result "tierwise --help (ms):$(grep '^help: ' "$LOG" | tail -n 5 | cut -c6- | tr '\n' ';')"
result "  load average then: $(grep '^load: ' "$LOG" | tail -n 1 | cut -c7-) on $(nproc) cores"
result "disk: $(du -sh "$ROOT" | cut -f1) in $ROOT"
result "$([ $FAILURES = 0 ] && echo "all checks passed" || echo "$FAILURES check(s) FAILED: see $LOG")"
exit $((FAILURES > 0))
