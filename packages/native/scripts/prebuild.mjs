// Copies the addon cmake-js just built to where the published package carries it:
// prebuilds/<platform>-<arch>/nsinit_native.napi.glibc.node (prebuildify's layout, the tags naming
// Node-API and glibc), and beside it nsinit-oci-verbs, the program @nsinit/cli's bin/nsinit-oci
// runs for the verbs that compile no plan (checked the same way). Without an argument: the host's build/Release; with `arm64`: the cross build
// in build-linux-arm64/Release (scripts/prebuild-cross.sh). libseccomp is linked in
// (CMakeLists.txt), so the file needs only glibc and the C++ runtime Node itself links (libstdc++,
// libgcc_s); this refuses one that needs more, or a glibc newer than 2.34 (the floor the README
// promises). (Linking the C++ runtime statically too would raise that floor to the build
// machine's: GCC 12's libstdc++.a and unwinder call arc4random and _dl_find_object.)
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const GLIBC_FLOOR = [2, 34];
const root = fileURLToPath(new URL('..', import.meta.url));
const target = process.argv[2];
const out = target ? `${root}build-linux-${target}/Release` : `${root}build/Release`;
const built = `${out}/nsinit_native.node`;
const verbs = `${out}/nsinit-oci-verbs`;
const dir = `${root}prebuilds/${process.platform}-${target ?? process.arch}`;

// glibc's own libraries, its dynamic loader and Node's C++ runtime: everything else is linked in.
const OK = /^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[\w.-]*)\.so/;
for (const file of [built, verbs]) {
  const fail = (why) => {
    process.stderr.write(`prebuild: ${file} ${why}\n`);
    process.exit(1);
  };
  // readelf reads any architecture's ELF, so the cross build is checked here too.
  const dynamic = execFileSync('readelf', ['-d', '-V', '-W', file], { encoding: 'utf8' });
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const extra = needed.filter((lib) => !OK.test(lib));
  if (extra.length > 0) fail(`needs ${extra.join(', ')} beyond glibc; link them statically`);
  const glibc = [...dynamic.matchAll(/Name: GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  const newest = glibc.reduce((a, b) => (b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]) ? b : a), [0, 0]);
  if (newest[0] > GLIBC_FLOOR[0] || (newest[0] === GLIBC_FLOOR[0] && newest[1] > GLIBC_FLOOR[1]))
    fail(`needs GLIBC_${newest.join('.')}, above the promised floor ${GLIBC_FLOOR.join('.')}`);
}
mkdirSync(dir, { recursive: true });
// Each copied to a temporary name and renamed over the old file: a running process may have the
// addon mapped (rewriting it in place crashes that process) or be executing the program (ETXTBSY).
for (const [from, name] of [
  [built, 'nsinit_native.napi.glibc.node'],
  [verbs, 'nsinit-oci-verbs'],
]) {
  copyFileSync(from, `${dir}/${name}.tmp`);
  chmodSync(`${dir}/${name}.tmp`, 0o755);
  renameSync(`${dir}/${name}.tmp`, `${dir}/${name}`);
}
