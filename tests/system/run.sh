#!/usr/bin/env bash
# System test (CTest label `system`): the .deb in a booted Debian 12 container.
#
#   tests/system/run.sh BUILD_DIR FAKE_FALCON_BINARY
#
# Builds the package with CPack, boots a minimal Debian 12 root (debootstrap, cached) with
# systemd-nspawn -b sharing the host network, installs the package, points both daemons (and
# a tenant of the template units) at the host's fake Falcon API and checks what an operator
# relies on: units active after READY, output arriving, the status line, a clean stop, a
# SIGKILL and restart without duplicates, no secret in any log or the journal, and the
# hardening score. Needs root; exit 77 (CTest: skipped) when not root.
#
# Environment: CSBRIDGE_SYSTEST_CACHE (default /var/cache/cs-bridge-systest) holds the
# debootstrap roots, one per package list; CSBRIDGE_SYSTEST_MIRROR (default
# http://deb.debian.org/debian); CSBRIDGE_SYSTEST_KEEP=1 keeps the work dir for debugging.
# No pipefail: `producer | grep -q` must not fail when grep stops reading early (SIGPIPE).
set -eu

BUILD_DIR=$(realpath "${1:?usage: run.sh BUILD_DIR FAKE_FALCON_BINARY}")
FAKE_FALCON=$(realpath "${2:?usage: run.sh BUILD_DIR FAKE_FALCON_BINARY}")
CACHE=${CSBRIDGE_SYSTEST_CACHE:-/var/cache/cs-bridge-systest}
MIRROR=${CSBRIDGE_SYSTEST_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
MAX_EXPOSURE=1.5

T0=$(date +%s)
say() { printf '[%4ds] %s\n' "$(($(date +%s) - T0))" "$*"; }
FAILURES=0
fail() { say "FAIL: $*"; FAILURES=$((FAILURES + 1)); }
pass() { say "ok: $*"; }
die() { say "FATAL: $*"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  echo "system test skipped: needs root (debootstrap, systemd-nspawn)" >&2
  exit 77
fi

# --- host tools ----------------------------------------------------------------------------
need=""
command -v debootstrap >/dev/null || need="$need debootstrap"
command -v systemd-nspawn >/dev/null || need="$need systemd-container"
command -v dpkg-shlibdeps >/dev/null || need="$need dpkg-dev"
command -v nsenter >/dev/null || need="$need util-linux"
command -v python3 >/dev/null || need="$need python3"
if [ -n "$need" ]; then
  say "installing host tools:$need"
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -qq --no-install-recommends $need >/dev/null; } \
    || die "cannot install$need"
fi

WORK=$(mktemp -d /var/tmp/cs-bridge-systest.XXXXXX)
ROOT=$WORK/root
NSPAWN_PID=""
FAKE_PID=""
LEADER=""

# Running and not a zombie (an exited child stays a zombie until `wait`).
alive() { [ -n "$1" ] && [ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }

cleanup() {
  local rc=$?
  set +e
  if [ -n "$LEADER" ] && [ "$rc" -ne 0 ] && [ -d "/proc/$LEADER" ]; then
    say "journal of the cs-bridge units (last 80 lines):"
    nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
      journalctl --no-pager -n 80 -u 'cs-*' 2>/dev/null | sed 's/^/    /'
  fi
  if alive "$NSPAWN_PID"; then
    say "shutting the container down"
    # nspawn turns SIGTERM into an orderly shutdown of the container; the container is thrown
    # away, so after 10 s its PID 1 is killed (which ends its whole PID namespace).
    kill -TERM "$NSPAWN_PID" 2>/dev/null
    for _ in $(seq 1 20); do alive "$NSPAWN_PID" || break; sleep 0.5; done
    if alive "$NSPAWN_PID" && [ -n "$LEADER" ]; then kill -KILL "$LEADER" 2>/dev/null; fi
    for _ in $(seq 1 20); do alive "$NSPAWN_PID" || break; sleep 0.5; done
    kill -KILL "$NSPAWN_PID" 2>/dev/null
    wait "$NSPAWN_PID" 2>/dev/null
  fi
  say "stopping the fake API"
  if [ -n "$FAKE_PID" ]; then
    kill -TERM "$FAKE_PID" 2>/dev/null
    for _ in $(seq 1 20); do alive "$FAKE_PID" || break; sleep 0.25; done
    kill -KILL "$FAKE_PID" 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null
  fi
  if [ "${CSBRIDGE_SYSTEST_KEEP:-}" = 1 ]; then
    say "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  say "done, exit $rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- 1. the package ------------------------------------------------------------------------
say "building the .deb (cpack)"
(cd "$BUILD_DIR" && cpack -G DEB -B "$WORK/pkg" >"$WORK/cpack.log" 2>&1) \
  || { cat "$WORK/cpack.log"; die "cpack failed"; }
DEB=$(ls "$WORK"/pkg/cs-bridge_*_amd64.deb 2>/dev/null | head -n1)
[ -n "$DEB" ] || die "no cs-bridge_<version>_amd64.deb in $WORK/pkg"
DEPENDS=$(dpkg-deb -f "$DEB" Depends)
say "package $(basename "$DEB"), Depends: $DEPENDS"
case "$DEPENDS" in *systemd*) pass "Depends names systemd" ;; *) fail "Depends lacks systemd" ;; esac
case "$DEPENDS" in *libcurl4*) pass "Depends has the shared libraries (dpkg-shlibdeps)" ;;
  *) fail "Depends lacks libcurl4: shlibdeps did not run" ;; esac
dpkg-deb --ctrl-tarfile "$DEB" | tar -tf - | grep -q '^./conffiles$' \
  && pass "conffiles present" || fail "no conffiles in the package"
CONTENTS=$(dpkg-deb -c "$DEB" | awk '{print $6}')
for f in ./usr/bin/cs-detections ./usr/bin/cs-incidents ./lib/systemd/system/cs-detections.service \
         ./lib/systemd/system/cs-incidents@.service ./usr/lib/sysusers.d/cs-bridge.conf \
         ./usr/lib/tmpfiles.d/cs-bridge.conf ./etc/cs-bridge/detections.conf \
         ./usr/share/cs-bridge/wazuh/crowdstrike.xml ./usr/share/doc/cs-bridge/README.md; do
  grep -qx "$f" <<<"$CONTENTS" || fail "package lacks $f"
done

# --- 2. the Debian 12 root, cached per package list --------------------------------------------
# The runtime libraries come from the package's own Depends (no network inside the test).
# debootstrap cannot --include a virtual package (libspdlog1.10-fmt9): take its provider.
DEP_NAMES=$(echo "$DEPENDS" | tr ',|' '\n\n' | sed 's/(.*)//; s/ //g' | sed '/^$/d')
# shellcheck disable=SC2086
PKGS=$( (echo systemd systemd-sysv dbus libcurl4 libspdlog1.10 libfmt9 ca-certificates
         apt-cache policy $DEP_NAMES 2>/dev/null \
           | awk '/^[^ ].*:$/ {name = substr($0, 1, length($0) - 1)}
                  /^  Candidate:/ {print name, $2}' \
           | while read -r name candidate; do
               if [ "$candidate" != "(none)" ]; then
                 echo "$name"
               else
                 apt-cache showpkg "$name" 2>/dev/null \
                   | awk '/^Reverse Provides:/ {f = 1; next} f && NF {print $1; exit}'
               fi
             done) \
       | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ',' | sed 's/,$//')
KEY=$(printf '%s\n' "$SUITE" minbase "$MIRROR" "$PKGS" | sha256sum | cut -c1-16)
CACHED=$CACHE/rootfs-$KEY
mkdir -p "$CACHE"
exec 9>"$CACHE/lock"
flock 9
if [ ! -f "$CACHED/.complete" ]; then
  say "debootstrap $SUITE minbase (cold cache): $PKGS"
  rm -rf "$CACHED.tmp"
  debootstrap --variant=minbase --include="$PKGS" "$SUITE" "$CACHED.tmp" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 || { tail -n 30 "$WORK/debootstrap.log"; die "debootstrap failed"; }
  chroot "$CACHED.tmp" apt-get clean
  # A container with an empty machine-id gets a fresh one at every boot.
  : >"$CACHED.tmp/etc/machine-id"
  touch "$CACHED.tmp/.complete"
  rm -rf "$CACHED"
  mv "$CACHED.tmp" "$CACHED"
else
  say "reusing $CACHED"
fi
cp -a "$CACHED" "$ROOT"
flock -u 9
rm -f "$ROOT/.complete"
cp "$DEB" "$ROOT/root/"

# --- 3. the fake Falcon API on the host's loopback ---------------------------------------------
SECRET="systest-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
CLIENT_ID="systest-client-$$"
"$FAKE_FALCON" --port-file "$WORK/port" --alerts 400 --cases 25 --incidents 10 --live-rate 3 \
  --client-id "$CLIENT_ID" --client-secret "$SECRET" >"$WORK/fake.log" 2>&1 &
FAKE_PID=$!
for _ in $(seq 1 100); do [ -s "$WORK/port" ] && break; sleep 0.1; done
[ -s "$WORK/port" ] || { cat "$WORK/fake.log"; die "fake-falcon did not start"; }
PORT=$(cat "$WORK/port")
BASE_URL="http://127.0.0.1:$PORT"
say "fake Falcon API on $BASE_URL"

# --- 4. boot ---------------------------------------------------------------------------------
NSPAWN=(systemd-nspawn -b --register=no --keep-unit -D "$ROOT" -M "csbsys$$" --console=read-only)
if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null; then
  # Under a systemd host, give the container a scope with a delegated cgroup of its own.
  NSPAWN=(systemd-run --scope --quiet -p Delegate=yes "${NSPAWN[@]}")
fi
say "booting: ${NSPAWN[*]}"
"${NSPAWN[@]}" >"$WORK/boot.log" 2>&1 &
NSPAWN_PID=$!

find_leader() {  # the container's PID 1: the first `systemd` below the nspawn process
  local queue=("$NSPAWN_PID") next p
  for _ in 1 2 3 4; do
    next=()
    for p in "${queue[@]}"; do
      for c in $(pgrep -P "$p" 2>/dev/null); do
        [ "$(cat "/proc/$c/comm" 2>/dev/null)" = systemd ] && { echo "$c"; return 0; }
        next+=("$c")
      done
    done
    queue=("${next[@]}")
    [ ${#queue[@]} -eq 0 ] && return 1
  done
  return 1
}
for _ in $(seq 1 100); do LEADER=$(find_leader || true); [ -n "$LEADER" ] && break; sleep 0.2; done
[ -n "$LEADER" ] || { cat "$WORK/boot.log"; die "the container did not start (see the nspawn output above)"; }

ct() { nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
         SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 "$@"; }
# Until PID 1 listens on its private socket, systemctl answers nothing: retry until it does.
state=""
deadline=$(($(date +%s) + 120))
while [ -z "$state" ] && [ "$(date +%s)" -lt "$deadline" ]; do
  state=$(timeout 120 nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
          systemctl is-system-running --wait 2>/dev/null || true)
  [ -n "$state" ] || sleep 0.5
done
case "$state" in
  running) pass "container booted (PID 1 = host pid $LEADER)" ;;
  degraded) say "container degraded: $(ct systemctl --failed --no-legend --plain | tr '\n' ' ')" ;;
  *) tail -n 40 "$WORK/boot.log"; die "container did not boot: state '$state'" ;;
esac
T_BOOTED=$(date +%s)

# --- 5. install ------------------------------------------------------------------------------
ct dpkg -i "/root/$(basename "$DEB")" >"$WORK/dpkg.log" 2>&1 \
  || { cat "$WORK/dpkg.log"; die "dpkg -i failed"; }
pass "dpkg -i"
ct id cs-bridge >/dev/null && pass "user cs-bridge created" || fail "no cs-bridge user"
ct getent group wazuh >/dev/null && pass "group wazuh exists" || fail "no wazuh group"
for u in cs-detections cs-incidents; do
  [ "$(ct systemctl is-enabled $u.service 2>/dev/null || true)" = disabled ] \
    && pass "$u installed, not enabled" || fail "$u is not 'disabled' after install"
  [ "$(ct systemctl is-active $u.service 2>/dev/null || true)" = inactive ] \
    || fail "$u started by the package"
done
verify=$(ct systemd-analyze verify cs-detections.service cs-incidents.service \
           cs-detections@verify.service cs-incidents@verify.service 2>&1 || true)
[ -z "$verify" ] && pass "systemd-analyze verify: clean" || fail "systemd-analyze verify: $verify"

# --- 6. configure: LoadCredential= for the plain units, EnvironmentFile= for a tenant ---------
ETC=$ROOT/etc/cs-bridge
umask 077
printf '%s\n' "$CLIENT_ID" >"$ETC/client_id"
printf '%s\n' "$SECRET" >"$ETC/client_secret"
umask 022
for d in detections incidents; do
  cat >"$ETC/$d.conf" <<EOF
# system test
base-url = "$BASE_URL"
poll-interval = 2
max-attempts = 3
EOF
done
mkdir -p "$ETC/acme"
install -m 0600 /dev/null "$ETC/acme/credentials.env"
printf 'CROWDSTRIKE_CLIENT_ID=%s\nCROWDSTRIKE_CLIENT_SECRET=%s\n' "$CLIENT_ID" "$SECRET" \
  >"$ETC/acme/credentials.env"
cp "$ETC/detections.conf" "$ETC/incidents.conf" "$ETC/acme/"
echo 'log-target = "journal"' >>"$ETC/acme/detections.conf"

UNITS=(cs-detections cs-incidents)
TENANT_UNITS=(cs-detections@acme cs-incidents@acme)
say "systemctl enable --now ${UNITS[*]} ${TENANT_UNITS[*]}"
ct systemctl enable --now "${UNITS[@]}" "${TENANT_UNITS[@]}" >"$WORK/enable.log" 2>&1 \
  || { cat "$WORK/enable.log"; fail "systemctl enable --now failed"; }

show() { ct systemctl show -p "$2" --value "$1.service"; }
for u in "${UNITS[@]}" "${TENANT_UNITS[@]}"; do
  # Type=notify: `active` is only reached after READY=1.
  [ "$(show "$u" ActiveState)/$(show "$u" SubState)" = active/running ] \
    && pass "$u active (READY=1 received)" || fail "$u: $(show "$u" ActiveState)/$(show "$u" SubState)"
done

# --- 7. output arrives, with the right owners and modes -------------------------------------
lines() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
wait_lines() {  # file minimum seconds
  local end=$(($(date +%s) + $3))
  while [ "$(lines "$1")" -lt "$2" ] && [ "$(date +%s)" -lt "$end" ]; do sleep 1; done
  [ "$(lines "$1")" -ge "$2" ]
}
ALERTS=$ROOT/var/lib/cs-bridge/detections/crowdstrike_alerts.jsonl
INCIDENTS=$ROOT/var/lib/cs-bridge/incidents/crowdstrike_incidents.jsonl
TENANT_ALERTS=$ROOT/var/lib/cs-bridge/acme/detections/crowdstrike_alerts.jsonl
TENANT_INCIDENTS=$ROOT/var/lib/cs-bridge/acme/incidents/crowdstrike_incidents.jsonl
for f in "$ALERTS" "$TENANT_ALERTS"; do
  wait_lines "$f" 400 90 && pass "$(lines "$f") alert lines in ${f#"$ROOT"}" \
    || fail "only $(lines "$f") lines in ${f#"$ROOT"}"
done
for f in "$INCIDENTS" "$TENANT_INCIDENTS"; do
  wait_lines "$f" 1 90 && pass "$(lines "$f") incident lines in ${f#"$ROOT"}" \
    || fail "no lines in ${f#"$ROOT"}"
done
perm() { ct stat -c '%a %U:%G' "$1"; }
[ "$(perm /var/lib/cs-bridge/detections)" = "750 cs-bridge:wazuh" ] \
  && pass "state dir 0750 cs-bridge:wazuh" || fail "state dir is $(perm /var/lib/cs-bridge/detections)"
[ "$(perm /var/lib/cs-bridge/detections/crowdstrike_alerts.jsonl)" = "640 cs-bridge:wazuh" ] \
  && pass "output 0640 cs-bridge:wazuh (Wazuh reads it, others cannot)" \
  || fail "output is $(perm /var/lib/cs-bridge/detections/crowdstrike_alerts.jsonl)"
[ "$(perm /var/lib/cs-bridge/detections/last_alert_ids.json)" = "600 cs-bridge:wazuh" ] \
  && pass "state file 0600" || fail "state file is $(perm /var/lib/cs-bridge/detections/last_alert_ids.json)"
LOG=$ROOT/var/log/cs-bridge/detections/crowdstrike_integration.log
grep -q 'health status=ok' "$LOG" 2>/dev/null && pass "log file ${LOG#"$ROOT"} written" \
  || fail "no health line in ${LOG#"$ROOT"}"
[ ! -e "$ROOT/var/log/cs-bridge/acme/detections/crowdstrike_integration.log" ] \
  && pass "tenant acme logs to the journal only (log-target = journal)" \
  || fail "log-target = journal still wrote a log file"
ct journalctl --no-pager -u cs-detections@acme -o cat | grep -q 'health status=ok' \
  && pass "journal has cs-detections@acme's health lines" || fail "no health line in the journal"

# --- 8. status line and watchdog ---------------------------------------------------------------
for u in "${UNITS[@]}" "${TENANT_UNITS[@]}"; do
  st=$(show "$u" StatusText)
  [[ "$st" =~ ^watermark\ .*,\ [0-9]+\ new,\ last\ error\  ]] \
    && pass "$u StatusText: $st" || fail "$u StatusText is '$st'"
done
[ "$(show cs-detections WatchdogUSec)" = 5min ] && pass "WatchdogSec=5min" \
  || fail "WatchdogUSec is $(show cs-detections WatchdogUSec)"
[ "$(show cs-detections WatchdogTimestampMonotonic)" != 0 ] && pass "WATCHDOG=1 pings received" \
  || fail "no watchdog ping recorded"

# --- 9. --check as the service runs it ----------------------------------------------------------
check_out=$(ct systemd-run --wait --pipe --quiet -p User=cs-bridge -p Group=wazuh \
  -p LoadCredential=client_id:/etc/cs-bridge/client_id \
  -p LoadCredential=client_secret:/etc/cs-bridge/client_secret \
  -p StateDirectory=cs-bridge/detections -p LogsDirectory=cs-bridge/detections \
  cs-detections --check --workdir /var/lib/cs-bridge/detections \
  --log-dir /var/log/cs-bridge/detections 2>&1) && rc=0 || rc=$?
if [ "$rc" = 0 ] && grep -q '^verdict: OK' <<<"$check_out"; then
  pass "cs-detections --check as the service user: $(grep '^verdict' <<<"$check_out")"
else
  fail "--check (exit $rc): $check_out"
fi

# The README's variant for credentials.env, for the tenant's cs-incidents.
check_out=$(ct systemd-run --wait --pipe --quiet -p User=cs-bridge -p Group=wazuh \
  -p EnvironmentFile=/etc/cs-bridge/acme/credentials.env \
  -p StateDirectory=cs-bridge/acme/incidents -p LogsDirectory=cs-bridge/acme/incidents \
  cs-incidents --check --config /etc/cs-bridge/acme/incidents.conf \
  --workdir /var/lib/cs-bridge/acme/incidents --log-dir /var/log/cs-bridge/acme/incidents 2>&1) \
  && rc=0 || rc=$?
if [ "$rc" = 0 ] && grep -q '^verdict: OK' <<<"$check_out"; then
  pass "cs-incidents --check for tenant acme (EnvironmentFile=): $(grep '^verdict' <<<"$check_out")"
else
  fail "--check for acme (exit $rc): $check_out"
fi

# --- 10. clean stop -----------------------------------------------------------------------------
for u in "${UNITS[@]}"; do
  s=$(date +%s%N)
  ct systemctl stop "$u" && rc=0 || rc=$?
  ms=$((($(date +%s%N) - s) / 1000000))
  result=$(show "$u" Result); status=$(show "$u" ExecMainStatus)
  if [ "$rc" = 0 ] && [ "$result" = success ] && [ "$status" = 0 ] && [ "$ms" -lt 10000 ]; then
    pass "$u stopped cleanly in ${ms} ms (exit status 0)"
  else
    fail "$u stop: rc $rc, Result $result, ExecMainStatus $status, ${ms} ms"
  fi
  ct journalctl --no-pager -u "$u" -o cat | grep -q 'STOPPING\|Stopping: state is saved' \
    || fail "$u did not log its orderly stop"
  ct systemctl start "$u" || fail "$u did not start again"
done

# --- 11. SIGKILL, start again: resumes without duplicates ----------------------------------------
sleep 3
ct systemctl kill -s KILL "${UNITS[@]}"
for u in "${UNITS[@]}"; do
  for _ in $(seq 1 50); do
    [ "$(show "$u" ActiveState)" != active ] && break; sleep 0.1
  done
done
# In the auto-restart state, the start job waits for Restart=on-failure's own restart
# (RestartSec=30s).
s=$(date +%s)
ct systemctl start "${UNITS[@]}" || fail "systemctl start after SIGKILL failed"
for u in "${UNITS[@]}"; do
  if [ "$(show "$u" ActiveState)" = active ]; then
    pass "$u killed with SIGKILL, active again after $(($(date +%s) - s)) s (NRestarts=$(show "$u" NRestarts))"
  else
    fail "$u did not come back after SIGKILL"
  fi
done
before=$(lines "$ALERTS")
wait_lines "$ALERTS" $((before + 10)) 60 && pass "alerts keep arriving after the restart ($before -> $(lines "$ALERTS"))" \
  || fail "no new alerts after the restart ($before -> $(lines "$ALERTS"))"
sleep 5
python3 - "$ALERTS" "$INCIDENTS" "$TENANT_ALERTS" "$TENANT_INCIDENTS" <<'EOF' \
  && pass "no duplicate records in any output" || fail "duplicates in the output"
import json, sys, collections
bad = 0
for path in sys.argv[1:]:
    keys = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            rec = json.loads(line)  # every line is complete JSON
            # Alerts: one line per id (the seed's key); incident rows: identical lines.
            keys[rec["id"] if path.endswith("alerts.jsonl") else line] += 1
    dups = [k for k, c in keys.items() if c > 1]
    print(f"    {path.split('/root', 1)[-1]}: {sum(keys.values())} lines, {len(dups)} duplicated")
    bad += len(dups)
sys.exit(1 if bad else 0)
EOF

# --- 12. the secret is in no log and no journal entry -----------------------------------------
grep -rqF "$SECRET" "$ETC" && pass "positive control: the secret is in /etc/cs-bridge" \
  || fail "positive control: secret not found in /etc/cs-bridge"
if grep -rqaF "$SECRET" "$ROOT/var/log" "$ROOT/var/lib/cs-bridge" "$ROOT/run/log" 2>/dev/null; then
  fail "the secret is in a file under /var/log, /var/lib/cs-bridge or /run/log"
else
  pass "the secret is in no log, output or state file"
fi
if ct journalctl --no-pager -o export 2>/dev/null | grep -qaF "$SECRET"; then
  fail "the secret is in the journal"
else
  pass "the secret is in no journal entry ($(ct journalctl --no-pager -o export | grep -c '^__CURSOR=') entries)"
fi

# --- 13. hardening score inside the container -------------------------------------------------
for u in "${UNITS[@]}" "${TENANT_UNITS[@]}"; do
  score=$(ct systemd-analyze security --no-pager "$u.service" 2>/dev/null \
            | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
  if [ -n "$score" ] && awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN{exit !(s <= m)}'; then
    pass "$u exposure $score (<= $MAX_EXPOSURE)"
  else
    fail "$u exposure '$score' (> $MAX_EXPOSURE)"
  fi
done

# --- 14. removal stops everything; purge removes the data --------------------------------------
ct dpkg -r cs-bridge >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; fail "dpkg -r failed"; }
for u in "${UNITS[@]}" "${TENANT_UNITS[@]}"; do
  [ "$(ct systemctl is-active "$u.service" 2>/dev/null || true)" != active ] \
    || fail "$u still active after dpkg -r"
done
ct dpkg -P cs-bridge >>"$WORK/remove.log" 2>&1 || fail "dpkg -P failed"
[ ! -e "$ROOT/var/lib/cs-bridge" ] && pass "dpkg -r stopped the units; purge removed /var/lib/cs-bridge" \
  || fail "/var/lib/cs-bridge left after purge"

say "container phase took $(($(date +%s) - T_BOOTED)) s after boot"
if [ "$FAILURES" -ne 0 ]; then
  say "$FAILURES check(s) failed"
  exit 1
fi
say "all checks passed"
