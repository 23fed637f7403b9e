// Bundles the CLI for a fast start (run after tsc): dist/nsinit.cjs holds the CLI, the runtime and
// the addon's JS wrapper; dist/nsinit-config.cjs holds @nsinit/config with typebox (~90% of the
// code), which bin/nsinit loads only when a container.json must be validated. Both are CommonJS so
// bin/load-bundle.cjs can run them through V8's code cache, written here for this Node build.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const dist = `${pkg}dist/`;
// Where @nsinit/native is in this workspace, relative to dist/: tried first at run time (one
// stat), before resolving it through @nsinit/runtime's dependencies like Node would.
const require = createRequire(import.meta.url);
const runtimePkg = require.resolve('@nsinit/runtime/package.json');
const nativeDir = dirname(createRequire(runtimePkg).resolve('@nsinit/native/package.json'));
const nativeRel = relative(dist, nativeDir);

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  // import() of a bundled module becomes a lazy initialiser call, not a real dynamic import
  // (vm.Script has no importModuleDynamically callback here).
  supported: { 'dynamic-import': false },
  // The bundle is one file in dist/: `import.meta.url` of a bundled module means the bundle's URL
  // (right for the CLI's own ../package.json), except in the addon's loader, which looks for
  // build/Release relative to the @nsinit/native package (see nativeUrl below).
  define: { 'import.meta.url': '__nsinit_bundle_url' },
  banner: { js: 'var __nsinit_bundle_url=require("node:url").pathToFileURL(__filename).href;' },
};

/** Only the two entry points of the validator chunk stay outside the bundle: esbuild's `external`
 *  would also leave out every other subpath (`@nsinit/config/read-file`, `/paths`), which the CLI
 *  needs at each start; Node would then resolve them and load them as ES modules, and a constant
 *  from the package's main entry would pull in typebox. */
const configChunk = {
  name: 'config-chunk',
  setup(b) {
    b.onResolve({ filter: /^@nsinit\/config(\/node)?$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/** The addon's loader must keep finding prebuilds/ and build/Release next to its own package,
 *  wherever the package manager put it: resolved at run time through @nsinit/runtime's dependency. */
const nativeUrl = {
  name: 'native-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]native[\\/]dist[\\/]load\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const helper = `function __nsinit_native_url() {
  const path = require('node:path');
  let dir = path.join(__dirname, ${JSON.stringify(nativeRel)});
  if (!require('node:fs').existsSync(path.join(dir, 'dist', 'load.js'))) {
    const { createRequire } = require('node:module');
    const runtimePkg = createRequire(__filename).resolve('@nsinit/runtime/package.json');
    dir = path.dirname(createRequire(runtimePkg).resolve('@nsinit/native/package.json'));
  }
  return require('node:url').pathToFileURL(path.join(dir, 'dist', 'load.js')).href;
}\n`;
      return {
        contents: helper + source.replaceAll('import.meta.url', '__nsinit_native_url()'),
        loader: 'js',
      };
    });
  },
};

// The config chunk first: its hash identifies the validator in the CLI's validation cache.
const configOut = `${dist}nsinit-config.cjs`;
await build({
  ...common,
  stdin: {
    contents: "export * as index from '@nsinit/config'; export * as node from '@nsinit/config/node';",
    resolveDir: pkg,
    sourcefile: 'nsinit-config-entry.js',
  },
  outfile: configOut,
});
const configId = createHash('sha256').update(readFileSync(configOut)).digest('hex').slice(0, 16);

// `--version`: the package's version, and the commit when built from a git checkout (with
// "-dirty" when the tree had changes), fixed at build time as runc does.
const { version } = JSON.parse(readFileSync(`${pkg}package.json`, 'utf8'));
let commit = '';
try {
  const git = (...args) =>
    execFileSync('git', args, { cwd: pkg, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  commit = git('rev-parse', 'HEAD');
  if (git('status', '--porcelain', '--untracked-files=no') !== '') commit += '-dirty';
} catch {
  // not a checkout (a tarball build): the version alone
}

// `spec:` in --version: the runtime-spec version the state and `spec` output carry.
const { OCI_VERSION } = await import('@nsinit/config');

// What both executables' bundles share: the config chunk, the addon's URL and the build stamps.
const entry = {
  ...common,
  define: {
    ...common.define,
    __NSINIT_CONFIG_ID__: JSON.stringify(configId),
    __NSINIT_VERSION__: JSON.stringify(version),
    __NSINIT_COMMIT__: JSON.stringify(commit),
    __NSINIT_SPEC_VERSION__: JSON.stringify(OCI_VERSION),
  },
  plugins: [configChunk, nativeUrl],
};

const mainOut = `${dist}nsinit.cjs`;
await build({ ...entry, entryPoints: [`${dist}cli.js`], outfile: mainOut });

// The runtime's build-time compile of the default seccomp profile (runtime/src/spec/seccomp-cache.ts
// looks for it beside the bundle too), so a container with that profile starts without libseccomp
// compiling it again.
const precompiled = `${dirname(runtimePkg)}/dist/default-seccomp.json`;
if (existsSync(precompiled)) copyFileSync(precompiled, `${dist}default-seccomp.json`);

// nsinit-oci: the OCI front end, the same runtime and addon, its own entry.
const ociOut = `${dist}nsinit-oci.cjs`;
await build({ ...entry, entryPoints: [`${dist}oci/main.js`], outfile: ociOut });

// The test build: the same CLI with the runtime's fault-injection hook (runtime/src/test-pause.ts)
// in place of its no-op pause points. Only the fault tests run it (test/bin/nsinit-test-hooks);
// the package's "files" leave it out, and test/shipped.test.ts checks the real bundle lacks it.
const testHooks = {
  name: 'test-hooks',
  setup(b) {
    b.onLoad({ filter: /[\\/]runtime[\\/]dist[\\/]pause-points\.js$/ }, (args) => ({
      contents: readFileSync(args.path.replace(/pause-points\.js$/, 'test-pause.js'), 'utf8'),
      loader: 'js',
    }));
  },
};
const testOut = `${dist}nsinit-test-hooks.cjs`;
await build({
  ...common,
  entryPoints: [`${dist}cli.js`],
  outfile: testOut,
  define: { ...common.define, __NSINIT_CONFIG_ID__: JSON.stringify(configId) },
  plugins: [configChunk, nativeUrl, testHooks],
});

// The code caches (the test build's too, so the fault tests never write one into the user's cache
// directory), written by a plain `node` (no NODE_OPTIONS, no flags: V8 checks them) of the
// same binary that builds, which is the one that will run the CLI.
const env = { ...process.env };
delete env.NODE_OPTIONS;
// The CLI's code paths need containers, so its cache is eager. The config chunk's work is known:
// validating a good and a bad config compiles the paths a start uses, and that cache loads in
// half the time of an eager one (it leaves out most of typebox).
const warmConfig = `(m) => {
  const good = m.index.defaultConfig();
  m.index.validateConfig(good);
  m.index.validateConfig({ ...good, hostname: 5, namespaces: { NEWPDI: true }, mounts: [{}], capabilities: ['NOPE'] });
}`;
for (const [file, warm] of [
  [mainOut, ''],
  [ociOut, ''],
  [testOut, ''],
  [configOut, warmConfig],
]) {
  rmSync(`${file}.cache`, { force: true });
  const loader = JSON.stringify(`${pkg}bin/load-bundle.cjs`);
  const script = `process.stdout.write(String(require(${loader}).writeCodeCache(${JSON.stringify(file)}${warm ? `, ${warm}` : ''})))`;
  const bytes = Number(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }));
  const size = readFileSync(file).length;
  process.stdout.write(
    `${relative(pkg, file)}: ${(size / 1024).toFixed(0)} KiB, code cache ${(bytes / 1024).toFixed(0)} KiB\n`,
  );
}
