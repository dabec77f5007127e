#!/bin/sh
# Installs everything cs-bridge needs to build, test and run its demo on Debian 12.
# Idempotent: apt-get only runs when a package is missing.
set -eu

PACKAGES="build-essential cmake pkg-config ca-certificates python3
libcurl4-openssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev
libgtest-dev libgmock-dev libcpp-httplib-dev libbenchmark-dev libsystemd-dev libexpat1-dev libpcre2-dev"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "Installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
