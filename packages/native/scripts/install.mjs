// The published package's install script: keeps the prebuilt addon when it loads on this machine,
// and only otherwise builds from source with cmake-js (an optional dependency; needs cmake, g++
// and libseccomp-dev). In a source checkout it does nothing: the workspace build makes the addon.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
if (existsSync(`${root}lib/load.ts`)) process.exit(0);
delete process.env.NSINIT_NATIVE_ADDON;

// The program @nsinit/cli's bin/nsinit-oci runs for the verbs that compile no plan: packing
// publishes it 0644, so it is made executable here, and only when it runs on this machine (it
// needs glibc like the addon); otherwise it stays unexecutable and the launcher runs Node.
const verbs = `${root}prebuilds/${process.platform}-${process.arch}/nsinit-oci-verbs`;
if (existsSync(verbs)) {
  chmodSync(verbs, 0o755);
  const probe = spawnSync(verbs, [], { encoding: 'utf8' });
  if (probe.status !== 1 || !probe.stderr.startsWith('nsinit-oci-verbs: ')) chmodSync(verbs, 0o644);
}

const { loadAddon, describeHost } = await import('../dist/load.js');
try {
  loadAddon();
  process.exit(0);
} catch {
  // no prebuilt fits this machine: build one
}

const fail = (what) => {
  process.stderr.write(
    `@nsinit/native: no prebuilt addon for ${describeHost()} and ${what}; run \`apt-get install cmake g++ libseccomp-dev\` (and do not omit optional dependencies), then \`npm rebuild @nsinit/native\`\n`,
  );
  process.exit(1);
};
let cmakeJs;
try {
  cmakeJs = createRequire(import.meta.url).resolve('cmake-js/bin/cmake-js');
} catch {
  fail('cmake-js (an optional dependency) is not installed');
}
process.stderr.write(`@nsinit/native: no prebuilt addon for ${describeHost()}; building from source\n`);
const built = spawnSync(process.execPath, [cmakeJs, 'compile', '--log-level', 'warn'], {
  cwd: root,
  stdio: 'inherit',
});
if (built.status !== 0) fail('the source build failed (output above)');
try {
  loadAddon();
} catch (err) {
  fail(`the source build does not load (${err.message})`);
}
