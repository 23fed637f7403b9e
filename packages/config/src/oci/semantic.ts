// Checks beyond types for config.json, for what the kernel or the runtime-spec would refuse or get
// silently wrong: paths that must be absolute (the spec's MUSTs), duplicate namespaces and rlimits,
// setrlimit(2) soft/hard ordering, capset(2) set inclusion, and strings execve(2) would truncate.
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
    const uid = m.uidMappings !== undefined;
    const gid = m.gidMappings !== undefined;
    if (uid !== gid) {
      const [has, lacks] = uid ? ['uidMappings', 'gidMappings'] : ['gidMappings', 'uidMappings'];
      found.errors.push(issue(pointer(at, lacks), `missing required field; ${has} needs ${lacks} too`));
    }
  });
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
