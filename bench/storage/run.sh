#!/usr/bin/env bash
# Issue 14's storage measurement: the packed snapshot (Records' RowCodec) against SQLite
# (C API, WAL) on 178,268 clicks from opsh-emulator. Needs libsqlite3-dev; not part of make.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=../..
swift build -c release >/dev/null
S=.build/release/storebench
WORK=$(mktemp -d)
trap 'kill "$EMU" 2>/dev/null || true; rm -rf "$WORK"' EXIT
"$ROOT/.build/release/opsh-emulator" --port 0 > "$WORK/emu" & EMU=$!
sleep 1
URL=$(sed -E 's/.*listening on (\S+) .*/\1/' "$WORK/emu"); TOKEN=$(sed -E 's/.*demo token: ([^)]+)\).*/\1/' "$WORK/emu")
OPENPORT_API_URL=$URL OPENPORT_TOKEN=$TOKEN "$ROOT/.build/release/opsh" --no-cache -c "clicks | json > $WORK/clicks.json"
mkdir "$WORK/store"
echo "== load and write"; $S load "$WORK/clicks.json" "$WORK/store"
echo "== two writers at once, 10 writes each"
for kind in binary sqlite; do $S write-$kind "$WORK/clicks.json" "$WORK/store" 10 & $S write-$kind "$WORK/clicks.json" "$WORK/store" 10; wait %2 2>/dev/null || wait; done
$S check "$WORK/store"
echo "== a writer killed (kill -9) at a random moment, 10 times each"
for kind in binary sqlite; do
  for i in $(seq 10); do
    $S write-$kind "$WORK/clicks.json" "$WORK/store" 100 >/dev/null & p=$!
    sleep 1.$((RANDOM % 9))$((RANDOM % 9)); kill -9 $p; wait $p 2>/dev/null || true
    echo "after killing a $kind writer: $($S check "$WORK/store")"
  done
done | sort | uniq -c
