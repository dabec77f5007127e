#!/bin/sh
# The demo: builds everything, starts the fake Falcon API with the bundled sample data,
# runs both daemons once against it, and shows what landed.
#   ./scripts/demo.sh [WORKDIR]     (default: ./demo-work, recreated)
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=${1:-"$ROOT/demo-work"}

BUILD_DIR=build ./scripts/build.sh
BIN="$ROOT/build"

rm -rf "$WORK"
mkdir -p "$WORK"
PORT_FILE="$WORK/fake-falcon.port"
"$BIN/tools/fake-falcon" --port-file "$PORT_FILE" --alerts 2500 --cases 40 --incidents 30 \
  >"$WORK/fake-falcon.log" 2>&1 &
FAKE_PID=$!
trap 'kill $FAKE_PID 2>/dev/null || true' EXIT INT TERM
i=0
while [ ! -s "$PORT_FILE" ]; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 $FAKE_PID 2>/dev/null; then
    echo "fake Falcon API did not start:" >&2
    cat "$WORK/fake-falcon.log" >&2
    exit 1
  fi
  sleep 0.1
done
URL="http://127.0.0.1:$(cat "$PORT_FILE")"
echo "Fake Falcon API with the bundled sample data at $URL"

# Demo credentials of the fake; for a real tenant use an API client with Alerts: Read.
export CROWDSTRIKE_CLIENT_ID=demo-client-id
export CROWDSTRIKE_CLIENT_SECRET=demo-client-secret

show() {
  file="$WORK/$1"
  echo
  echo "== $1: $(wc -l <"$file") lines, $(wc -c <"$file") bytes =="
  echo "first line (truncated to 600 characters):"
  head -n 1 "$file" | cut -c1-600
}

echo
echo "== cs-detections --once =="
"$BIN/src/detections/cs-detections" --once --base-url "$URL" --workdir "$WORK"
show crowdstrike_alerts.jsonl

if [ -x "$BIN/src/incidents/cs-incidents" ]; then
  echo
  echo "== cs-incidents --once (Falcon Cases) =="
  "$BIN/src/incidents/cs-incidents" --once --base-url "$URL" --workdir "$WORK"
  show crowdstrike_incidents.jsonl
fi

echo
echo "== state and logs in $WORK =="
ls -l "$WORK"
echo
echo "Run again: only new records would be appended (state: last_*_timestamp.txt, last_*_ids.json)."
