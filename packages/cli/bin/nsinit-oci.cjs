#!/usr/bin/env node
// The nsinit-oci executable (runc's command line, for engines): dist/nsinit-oci.cjs with
// @nsinit/config in dist/nsinit-config.cjs loaded on first use, through V8's code cache like
// bin/nsinit. Paths are relative to the real packages/cli/bin, so a symlink on PATH works.
'use strict';
const path = require('node:path');
const { loadBundle } = require('./load-bundle.cjs');

const dist = path.join(__dirname, '..', 'dist');
let configChunk;
const hook = (id) => {
  if (id !== '@nsinit/config' && id !== '@nsinit/config/node') return undefined;
  configChunk ??= loadBundle(path.join(dist, 'nsinit-config.cjs'));
  return id === '@nsinit/config' ? configChunk.index : configChunk.node;
};

let cli;
try {
  cli = loadBundle(path.join(dist, 'nsinit-oci.cjs'), hook);
} catch (err) {
  const reason = err && err.code === 'ENOENT' ? `${err.path} is missing` : String(err && err.message);
  process.stderr.write(
    `nsinit-oci: cannot load the CLI bundle (${reason}); reinstall @nsinit/cli, or run 'pnpm build' in a checkout\n`,
  );
  process.exit(1);
}
cli.run();
