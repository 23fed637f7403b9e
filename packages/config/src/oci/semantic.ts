// Checks beyond types for config.json, for what the kernel or the runtime-spec would refuse or get
// silently wrong: paths that must be absolute (the spec's MUSTs), duplicate namespaces and rlimits,
// setrlimit(2) soft/hard ordering, capset(2) set inclusion, and strings execve(2) would truncate.
import { checkIdRanges, RANGE_KEYS_OCI } from '../id-ranges.js';
import { issue, pointer } from '../issues.js';
import { type Findings, isPlainObject } from '../normalise.js';
import { absolute, each, noNul } from './checks.js';
import { checkOciLimits } from './semantic-limits.js';
import { checkLinux } from './semantic-linux.js';
import { checkProcess } from './semantic-process.js';

type Obj = Record<string, unknown>;

function checkRoot(c: Obj, found: Findings): void {
  if (c.root === undefined) {
    found.errors.push(
      issue('/root', 'missing required field; expected an object such as {"path": "rootfs"}'),
    );
    return;
  }
  if (!isPlainObject(c.root)) return;
  if (c.root.path === '')
    found.errors.push(issue('/root/path', 'must not be empty; expected the rootfs directory'));
  noNul(c.root.path, '/root/path', found);
}

function checkMounts(c: Obj, found: Findings): void {
  each(c.mounts, '/mounts', (m, at) => {
    const dest = m.destination;
    if (dest === '') {
      found.errors.push(issue(pointer(at, 'destination'), 'must not be empty; expected an absolute path'));
    } else if (typeof dest === 'string' && !dest.startsWith('/')) {
      found.warnings.push(
        issue(
          pointer(at, 'destination'),
          `relative destination is read as "/${dest}"; write the absolute path`,
          dest,
        ),
      );
    }
    noNul(dest, pointer(at, 'destination'), found);
    noNul(m.source, pointer(at, 'source'), found);
    checkIdmap(c, m, at, found);
  });
}

/** An idmapped mount (runtime-spec config "Mounts": uidMappings, gidMappings, the idmap and ridmap
 *  options): both maps or neither, ranges the kernel accepts, a bind mount only (runc's rule; the
 *  idmap is set on a clone of the source), and the `idmap` option without maps only where the
 *  container's own user namespace mapping can stand in (the spec's MUST error otherwise). */
function checkIdmap(c: Obj, m: Obj, at: string, found: Findings): void {
  const uid = m.uidMappings !== undefined;
  const gid = m.gidMappings !== undefined;
  if (uid !== gid) {
    const [has, lacks] = uid ? ['uidMappings', 'gidMappings'] : ['gidMappings', 'uidMappings'];
    found.errors.push(issue(pointer(at, lacks), `missing required field; ${has} needs ${lacks} too`));
  }
  for (const key of ['uidMappings', 'gidMappings'] as const)
    found.errors.push(...checkIdRanges(m[key], pointer(at, key), RANGE_KEYS_OCI));
  const options = Array.isArray(m.options) ? m.options : [];
  const bind = m.type === 'bind' || options.includes('bind') || options.includes('rbind');
  const mapped = [m.uidMappings, m.gidMappings].some((v) => Array.isArray(v) && v.length > 0);
  if (mapped && !bind)
    found.errors.push(
      issue(
        pointer(at, 'uidMappings'),
        'idmapped mounts are bind mounts only; add "bind" or "rbind" to options',
      ),
    );
  options.forEach((o, i) => {
    if (o !== 'idmap' && o !== 'ridmap') return;
    const where = pointer(pointer(at, 'options'), i);
    if (!bind) found.errors.push(issue(where, `"${o}" needs a bind mount ("bind" or "rbind" in options)`, o));
    else if (!mapped && !newUserNamespace(c))
      found.errors.push(
        issue(
          where,
          `"${o}" without uidMappings and gidMappings takes the container's user namespace mapping, ` +
            'and this container has no new user namespace',
          o,
        ),
      );
  });
}

function newUserNamespace(c: Obj): boolean {
  const linux = isPlainObject(c.linux) ? c.linux : {};
  const list = Array.isArray(linux.namespaces) ? linux.namespaces : [];
  return list.some((n) => isPlainObject(n) && n.type === 'user' && (n.path === undefined || n.path === ''));
}

function checkHooks(c: Obj, found: Findings): void {
  if (!isPlainObject(c.hooks)) return;
  for (const [name, list] of Object.entries(c.hooks)) {
    each(list, `/hooks/${name}`, (h, at) => {
      absolute(h.path, pointer(at, 'path'), found);
      noNul(h.path, pointer(at, 'path'), found);
      if (Array.isArray(h.env)) {
        h.env.forEach((e, i) => {
          if (typeof e === 'string' && !/^[^=]+=/.test(e)) {
            found.errors.push(
              issue(pointer(pointer(at, 'env'), i), `expected "NAME=value", got ${JSON.stringify(e)}`, e),
            );
          }
        });
      }
    });
  }
}

function checkAnnotations(c: Obj, found: Findings): void {
  if (!isPlainObject(c.annotations)) return;
  if (Object.hasOwn(c.annotations, '')) {
    found.errors.push(issue(pointer('/annotations', ''), 'annotation keys must not be empty'));
  }
  // The one signal config.json carries: the image's stop signal, which engines send on stop.
  const stop = c.annotations[STOP_SIGNAL];
  if (typeof stop === 'string' && !isSignal(stop)) {
    found.warnings.push(
      issue(
        pointer('/annotations', STOP_SIGNAL),
        'not a signal; expected a name such as "SIGTERM" or a number from 1 to 64',
        stop,
      ),
    );
  }
}

const STOP_SIGNAL = 'org.opencontainers.image.stopSignal';
/** signal(7) names (with or without SIG), SIGRTMIN+n / SIGRTMAX-n, or numbers 1..64. */
const SIGNAL_NAMES = new Set(
  'HUP INT QUIT ILL TRAP ABRT IOT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO POLL PWR SYS RTMIN RTMAX'.split(
    ' ',
  ),
);

function isSignal(value: string): boolean {
  if (/^[0-9]+$/.test(value)) return Number(value) >= 1 && Number(value) <= 64;
  const name = value.toUpperCase().replace(/^SIG/, '');
  const rt = /^RTM(IN|AX)([+-])([0-9]+)$/.exec(name);
  if (rt !== null) return Number(rt[3]) <= 30;
  return SIGNAL_NAMES.has(name);
}

/** Run every semantic check on a normalised config.json, appending to `found`. */
export function checkOciSemantics(config: Obj, found: Findings): void {
  checkProcess(config, found);
  checkRoot(config, found);
  checkMounts(config, found);
  checkHooks(config, found);
  checkAnnotations(config, found);
  checkLinux(config, found);
  checkOciLimits(config, found);
}
