// Where a start keeps the V8 code cache it made when the one shipped beside the bundle does not fit
// this Node: a per-user directory ($XDG_CACHE_HOME/nsinit or ~/.cache/nsinit; /var/cache/nsinit for
// root, whatever the environment says), never the installed package. V8 trusts a code cache's
// contents, so a file is used only when it and its directory are owned by this user and writable
// by no one else, and neither is reached through a symlink.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

function euid() {
  return typeof process.geteuid === 'function' ? process.geteuid() : -1;
}

/** The cache directory for this user. Root never follows XDG_CACHE_HOME or HOME: under sudo they
 *  may name a directory another user controls. */
function cacheDir() {
  if (euid() === 0) return '/var/cache/nsinit';
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'nsinit');
  const home = process.env.HOME;
  return home && path.isAbsolute(home) ? path.join(home, '.cache', 'nsinit') : undefined;
}

/** Owned by this user, no one else may write (root: no one else may even read). */
function safe(st) {
  return st.uid === euid() && (st.mode & (euid() === 0 ? 0o077 : 0o022)) === 0;
}

/** The cache directory when it is safe to use, made (mode 0700) when `create` and absent. */
function usableDir(create) {
  const dir = cacheDir();
  if (!dir) return undefined;
  let st;
  try {
    st = fs.lstatSync(dir);
  } catch (err) {
    if (!create || err.code !== 'ENOENT') return undefined;
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
    fs.mkdirSync(dir, { mode: 0o700 });
    st = fs.lstatSync(dir);
  }
  return st.isDirectory() && safe(st) ? dir : undefined;
}

/** A name for the cache of `file` as this Node would make it: the bundle's identity on disk (a new
 *  install or build is a new file) and the Node build (V8 rejects another's cache anyway). */
function keyOf(file) {
  try {
    const st = fs.statSync(file);
    const id = `${st.dev}-${st.ino}-${st.size}-${Math.trunc(st.mtimeMs)}`;
    return `${path.basename(file)}-${id}-${process.version}-${process.arch}.cache`;
  } catch {
    return undefined;
  }
}

function read(key) {
  const dir = usableDir(false);
  if (!dir) return undefined;
  let fd;
  try {
    fd = fs.openSync(path.join(dir, key), O_RDONLY | O_NOFOLLOW);
    const st = fs.fstatSync(fd);
    return st.isFile() && safe(st) ? fs.readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Atomically: a fresh file (O_EXCL, no symlink followed) renamed over the old one. Caches of other
 *  builds of the same bundle older than a day go (an upgrade leaves its predecessor's behind; one
 *  still in use is rewritten at its next start). */
function write(key, data) {
  const dir = usableDir(true);
  if (!dir) return;
  const tmp = path.join(dir, `.${key}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    try {
      fs.writeSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, path.join(dir, key));
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  const bundle = key.slice(0, key.indexOf('.cjs-') + 5);
  const day = Date.now() - 24 * 3600 * 1000;
  for (const old of fs.readdirSync(dir)) {
    if (old === key || !old.startsWith(bundle)) continue;
    const file = path.join(dir, old);
    if (fs.lstatSync(file).mtimeMs < day) fs.rmSync(file, { force: true });
  }
}

module.exports = { cacheDir, keyOf, read, write };
