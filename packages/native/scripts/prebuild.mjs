// Copies the addon cmake-js just built (build/Release) to where the published package carries it:
// prebuilds/<platform>-<arch>/nsinit_native.napi.glibc.node (prebuildify's layout, the tags naming
// Node-API and glibc), and beside it the nsinit-oci-verbs program (libc only) that
// @nsinit/cli's bin/nsinit-oci runs for the verbs that compile no plan. libseccomp is linked in (CMakeLists.txt), so the file needs only glibc and
// the C++ runtime Node itself links (libstdc++, libgcc_s); this refuses one that needs more.
// (Linking the C++ runtime statically too would raise the glibc floor from 2.34 to the build
// machine's: GCC 12's libstdc++.a and unwinder call arc4random and _dl_find_object.)
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = `${root}build/Release/nsinit_native.node`;
const verbs = `${root}build/Release/nsinit-oci-verbs`;
const dir = `${root}prebuilds/${process.platform}-${process.arch}`;

// glibc's own libraries, the kernel's vDSO and Node's C++ runtime: everything else is linked in.
const GLIBC =
  /^(linux-vdso|linux-gate|libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux[\w.-]*)\.so/;
for (const file of [built, verbs]) {
  let needed = '';
  try {
    needed = execFileSync('ldd', [file], { encoding: 'utf8' });
  } catch {
    // no ldd (a cross build): the NEEDED entries are checked where it is loaded
  }
  const extra = needed
    .split('\n')
    .map((l) => l.trim().split(/\s/)[0] ?? '')
    .filter((lib) => lib !== '' && !GLIBC.test(lib.replace(/^.*\//, '')));
  if (extra.length > 0) {
    process.stderr.write(`prebuild: ${file} needs ${extra.join(', ')} beyond glibc; link them statically\n`);
    process.exit(1);
  }
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
