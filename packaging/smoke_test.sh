#!/usr/bin/env bash
# Smoke test of the built bundle: start it offscreen, open a real file, render one event to
# PNG, exit 0; then report the unpacked size. Usage: packaging/smoke_test.sh [DATA_FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
app=dist/ctaviewer/ctaviewer
data=${1:-${CTAVIEWER_TEST_DATA:-../shared/data}/simtel/gamma_4lst.simtel.zst}
out=$(mktemp -d)/event.png
[ -x "$app" ] || { echo "smoke test: $app not built (run make bundle)" >&2; exit 1; }
export QT_QPA_PLATFORM=offscreen
export NUMBA_CACHE_DIR=$(mktemp -d)
"$app" --version
"$app" info "$data" --json > /dev/null
"$app" "$data" --event 0 --png "$out"
python3 - "$out" <<'PY'
import sys
with open(sys.argv[1], "rb") as f:
    head = f.read(24)
assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w = int.from_bytes(head[16:20], "big"); h = int.from_bytes(head[20:24], "big")
assert w >= 400 and h >= 300, (w, h)
print(f"smoke test: rendered {w}x{h} PNG")
PY
size=$(du -sm dist/ctaviewer | cut -f1)
echo "bundle size: ${size} MB unpacked"
echo "{\"bundle_mb\": ${size}}"
