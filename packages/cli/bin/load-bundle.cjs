// Loads the CLI's CommonJS bundles through vm.Script with V8's code cache (<bundle>.cache): Node
// 20 caches no compiled user code (module.enableCompileCache() arrived in Node 22), and parsing
// and compiling the bundle on every start cost more than running it. The cache is written at build
// time, with every function compiled eagerly (the --no-lazy flag is reset before serialising, so
// the cache's flag hash matches a normal start) or with what a warm-up run compiled. V8 rejects a cache from another Node/V8 build or
// other V8 flags; then the bundle compiles as usual and a plain start writes a cache for this Node
// into a per-user cache directory (user-cache.cjs), never into the installed package.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

const HEAD = '(function (exports, require, module, __filename, __dirname) {';
const TAIL = '\n})';

function script(file, source, cachedData) {
  return new vm.Script(HEAD + source + TAIL, { filename: file, cachedData });
}

/** The code cache of `file` (build time: next to it). Without `warm`, every function is compiled
 *  eagerly; with it, the bundle is run and `warm(exports)` called, and the cache holds what that
 *  compiled (smaller and faster to load when the work done at run time is known, as for validation). */
function codeCache(file, warm) {
  const source = fs.readFileSync(file, 'utf8');
  let compiled;
  if (warm) {
    compiled = script(file, source);
    warm(run(compiled, file, createRequire(file)));
  } else {
    const v8 = require('node:v8'); // only here: loading it costs a start-up a millisecond
    v8.setFlagsFromString('--no-lazy');
    try {
      compiled = script(file, source);
    } finally {
      // Back to the default before serialising: the cache records the flags' hash.
      v8.setFlagsFromString('--lazy');
    }
  }
  return compiled.createCachedData();
}

/** Build time: write the cache shipped next to the bundle, atomically. */
function writeCodeCache(file, warm) {
  const data = codeCache(file, warm);
  const tmp = `${file}.cache.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, `${file}.cache`);
  return data.length;
}

function readCache(file) {
  try {
    return fs.readFileSync(`${file}.cache`);
  } catch {
    return undefined;
  }
}

/** Run a CommonJS bundle; `requireHook` may answer some ids itself (the lazily loaded chunks). */
function loadBundle(file, requireHook) {
  const source = fs.readFileSync(file, 'utf8');
  const shipped = readCache(file);
  let compiled = script(file, source, shipped);
  if (shipped !== undefined && !compiled.cachedDataRejected) return execute(compiled);
  // The shipped cache is missing or was made by another Node build: this Node's own, if written.
  const userCache = require('./user-cache.cjs');
  const key = userCache.keyOf(file);
  const mine = key && userCache.read(key);
  if (mine) {
    compiled = script(file, source, mine);
    if (!compiled.cachedDataRejected) return execute(compiled);
  }
  // Only a plain start writes it: V8 flags (--cpu-prof, NODE_OPTIONS) change the hash the cache
  // is checked against, and a cache made under them would be rejected by every normal start.
  const plain = process.execArgv.length === 0 && !process.env.NODE_OPTIONS;
  if (plain && key) {
    process.once('exit', () => {
      try {
        userCache.write(key, codeCache(file));
      } catch {
        // no usable cache directory: start-up stays correct, only slower
      }
    });
  }
  return execute(compiled);

  function execute(c) {
    const real = createRequire(file);
    const req = requireHook ? Object.assign((id) => requireHook(id) ?? real(id), real) : real;
    return run(c, file, req);
  }
}

function run(compiled, file, req) {
  const mod = { exports: {} };
  compiled.runInThisContext().call(mod.exports, mod.exports, req, mod, file, path.dirname(file));
  return mod.exports;
}

module.exports = { loadBundle, writeCodeCache };
