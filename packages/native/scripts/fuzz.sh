#!/usr/bin/env bash
# Fuzzes the plan decoder (src/plan.c) outside Node. Writes a seed plan with the TypeScript encoder
# (needs `pnpm --filter @nsinit/native build` first), then: with clang, a libFuzzer run
# (-fsanitize=fuzzer,address) bounded by -runs; without clang, gcc + ASan/UBSan and the harness's
# own random mutator. Usage: scripts/fuzz.sh [rounds, default 200000]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-200000}"
out="$here/build-fuzz"
mkdir -p "$out/corpus"

node --input-type=module -e "
import { writeFileSync } from 'node:fs';
import { encodePlan } from '$here/dist/encode-plan.js';
const exec = { op: 'exec', candidates: ['/bin/sh'], argv: ['sh', '-c', 'true'], envp: ['PATH=/bin'] };
const steps = [
  { op: 'setns', fd: 3, nstype: 0x40000000 },
  { op: 'propagation', flags: 16384 | 262144 },
  { op: 'rootfs', path: '/rootfs', flags: 4096 | 16384 },
  { op: 'mount', source: 'tmpfs', target: '/dev', fstype: 'tmpfs', flags: 2, data: 'mode=755', mkdir: 493, noSymlinks: true },
  { op: 'bind', source: '/src', target: '/dst', flags: 1, recursive: true, propagation: 262144 },
  { op: 'mknod', target: '/dev/null', mode: 0o20666, major: 1, minor: 3 },
  { op: 'symlink', value: 'pts/ptmx', target: '/dev/ptmx' },
  { op: 'console', target: '/dev/console' },
  { op: 'pivot-root' },
  { op: 'readonly', target: '/proc/sys', flags: 0, recursive: true, optional: true },
  { op: 'mask', target: '/proc/kcore', optional: true },
  { op: 'hostname', name: 'koye' },
  { op: 'domainname', name: 'example.org' },
  { op: 'chown', target: '/dev/null', uid: 0, gid: 5 },
  { op: 'sysctl', key: 'net/ipv4/ip_forward', value: '1' },
  { op: 'personality', persona: 8 },
  { op: 'unshare', flags: 0x02000000 },
  { op: 'lsm-label', attr: 'apparmor/exec', value: 'exec docker-default' },
  { op: 'rlimit', resource: 7, soft: 1024, hard: -1 },
  { op: 'identity', uid: 1000, gid: 1000, groups: [5, 6] },
  { op: 'caps', bounding: 5n, effective: 5n, permitted: 5n, inheritable: 0n, ambient: 0n },
  { op: 'chdir', path: '/home' },
  { op: 'session', ctty: true },
  { op: 'pdeathsig', signal: 9 },
  { op: 'close-fds' },
  exec,
];
writeFileSync('$out/corpus/seed.bin', encodePlan({ cloneFlags: 0x20000, stdio: [-1, 1, 2], consoleFd: 5, steps }));
"

if command -v clang >/dev/null; then
  clang -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -o "$out/plan-fuzz" \
    "$here/fuzz/plan-fuzz.c" "$here/src/plan.c" "$here/src/plan-steps.c"
  "$out/plan-fuzz" -runs="$rounds" -max_len=65536 "$out/corpus"
else
  echo "fuzz.sh: clang not found; using gcc with ASan/UBSan and the harness's random mutator"
  gcc -g -O1 -D_GNU_SOURCE -DNSINIT_FUZZ_STANDALONE -Wall -Wextra -Werror \
    -fsanitize=address,undefined -fno-sanitize-recover=all -o "$out/plan-fuzz" \
    "$here/fuzz/plan-fuzz.c" "$here/src/plan.c" "$here/src/plan-steps.c"
  ASAN_OPTIONS=detect_leaks=1 "$out/plan-fuzz" "$rounds" "$out/corpus/seed.bin"
fi
