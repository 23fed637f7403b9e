#!/usr/bin/env bash
# Cross-compiles the linux-arm64 prebuilt on an x86-64 Debian 12 with Debian's
# aarch64-linux-gnu-gcc/g++ (glibc 2.36's cross headers; the addon asks for GLIBC_2.34 at most)
# against the arm64 libseccomp of scripts/cross-sysroot.sh, into build-linux-arm64/, and puts it
# at prebuilds/linux-arm64/ (scripts/prebuild.mjs checks what it links). Node-API headers come
# from the node-api-headers package, as for the native build: nothing is downloaded for Node.
# test/prebuilt-arm64.test.ts loads the result in an arm64 Node under qemu-user.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v aarch64-linux-gnu-g++ >/dev/null || {
  echo "prebuild-cross.sh: aarch64-linux-gnu-g++ missing (apt-get install g++-aarch64-linux-gnu)" >&2
  exit 1
}
sysroot="$(bash "$here/scripts/cross-sysroot.sh" arm64)"
cd "$here"
pnpm exec cmake-js compile --parallel 2 --log-level warn --out build-linux-arm64 --arch arm64 \
  --CDCMAKE_TOOLCHAIN_FILE="$here/scripts/linux-arm64.cmake" --CDNSINIT_SYSROOT="$sysroot"
node scripts/prebuild.mjs arm64
