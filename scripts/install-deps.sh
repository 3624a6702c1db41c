#!/bin/sh
# install-deps.sh - install the Debian packages Vitals builds against.
# Run as root it installs what is missing; otherwise it prints the command.
PKGS="build-essential pkg-config liblua5.4-dev libsqlite3-dev libcsv-dev libcmocka-dev sqlite3 python3"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 ||
        { apt-get update -qq && apt-get install -y --no-install-recommends $missing; } || exit 1
else
    echo "vitals needs:$missing" >&2
    echo "run: sudo apt-get install -y$missing" >&2
    exit 1
fi
