#!/usr/bin/env bash
# Builds the addon with AddressSanitizer (-DNSINIT_ASAN=ON) into build-asan/ (the normal build in
# build/ is untouched) and runs the native test suite against it: the loader picks the ASan build
# through NSINIT_NATIVE_ADDON, and libasan is preloaded into node because node itself is not
# instrumented. Leak detection is off (Node's own allocations would drown the report).
# Usage: scripts/asan.sh [vitest args, e.g. a test file]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"

cd "$here"
pnpm exec cmake-js compile --parallel 2 --log-level warn --out build-asan --CDNSINIT_ASAN=ON

libasan="$(gcc -print-file-name=libasan.so)"
[ -f "$libasan" ] || { echo "asan.sh: libasan.so not found (install gcc's libasan)" >&2; exit 1; }

cd "$root"
NSINIT_NATIVE_ADDON="$here/build-asan/Release/nsinit_native.node" \
ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1" \
LD_PRELOAD="$libasan" \
  node node_modules/vitest/vitest.mjs run --project native "$@"
