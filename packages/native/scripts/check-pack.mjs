// prepack: refuses to pack a checkout without its addon or compiled JavaScript, which would
// otherwise publish a package that installs and then cannot load (or rebuilds on every machine).
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const missing = [];
if (!existsSync(`${root}dist/index.js`)) missing.push('dist/index.js');
const prebuilds = existsSync(`${root}prebuilds`) ? readdirSync(`${root}prebuilds`) : [];
const addons = prebuilds.filter((d) => existsSync(`${root}prebuilds/${d}/nsinit_native.napi.glibc.node`));
if (addons.length === 0) missing.push('prebuilds/<platform>-<arch>/nsinit_native.napi.glibc.node');
// bin/nsinit-oci of @nsinit/cli runs it for the verbs that compile no plan (Node otherwise).
if (!addons.every((d) => existsSync(`${root}prebuilds/${d}/nsinit-oci-verbs`)))
  missing.push('prebuilds/<platform>-<arch>/nsinit-oci-verbs');
if (missing.length > 0) {
  process.stderr.write(
    `@nsinit/native: refusing to pack without ${missing.join(' and ')}; run \`pnpm build\` first\n`,
  );
  process.exit(1);
}
