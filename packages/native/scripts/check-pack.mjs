// prepack: refuses to pack a checkout without its compiled JavaScript or without a prebuilt addon
// for every release target, which would otherwise publish a package that installs and then cannot
// load (or rebuilds from source on every machine of that kind). The targets: linux-x64 (the
// native build) and linux-arm64 (scripts/prebuild-cross.sh); NSINIT_PACK_TARGETS=linux-x64 packs
// with fewer, e.g. for a local install test on a machine without the cross compiler.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const targets = (process.env.NSINIT_PACK_TARGETS || 'linux-x64 linux-arm64').split(/[\s,]+/).filter(Boolean);
const missing = [];
if (!existsSync(`${root}dist/index.js`)) missing.push('dist/index.js (run `pnpm build`)');
for (const t of targets) {
  const build =
    t === `linux-${process.arch}` ? '`pnpm build`' : '`bash packages/native/scripts/prebuild-cross.sh`';
  // The addon, and the program @nsinit/cli's bin/nsinit-oci runs for the verbs that compile no plan.
  for (const name of ['nsinit_native.napi.glibc.node', 'nsinit-oci-verbs']) {
    const file = `prebuilds/${t}/${name}`;
    if (!existsSync(`${root}${file}`)) missing.push(`${file} (run ${build})`);
  }
}
if (missing.length > 0) {
  process.stderr.write(`@nsinit/native: refusing to pack without ${missing.join(' and ')}\n`);
  process.exit(1);
}
