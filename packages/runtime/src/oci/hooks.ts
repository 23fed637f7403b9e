// OCI hooks (the runtime-spec config document "POSIX-platform Hooks"): each hook is a host program run
// with its own args (args[0] is argv[0]) and env (exactly as given), the container's state JSON
// on its stdin, killed with SIGKILL after `timeout` seconds. Which failures are fatal is the
// caller's decision (prestart..startContainer abort; poststart/poststop only warn).
import { childProcess } from '../builtins.js';
import { ErrorCodes, nsinitError } from '../errors.js';
import type { OciHook } from './spec.js';

export type HookKind =
  | 'prestart'
  | 'createRuntime'
  | 'createContainer'
  | 'startContainer'
  | 'poststart'
  | 'poststop';

/** The state JSON the spec defines (the runtime-spec runtime document "State"). */
export interface OciState {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused';
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

const OUTPUT_LIMIT = 64 << 10;

export function runHook(kind: HookKind, index: number, hook: OciHook, state: OciState): Promise<void> {
  const what = `${kind} hook #${index} '${hook.path}'`;
  return new Promise((resolve, reject) => {
    const args = hook.args ?? [hook.path];
    const child = childProcess().spawn(hook.path, args.slice(1), {
      argv0: args[0] ?? hook.path,
      env: Object.fromEntries(
        (hook.env ?? []).map((e) => {
          const i = e.indexOf('=');
          return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
        }),
      ),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (b: Buffer) => {
      if (output.length < OUTPUT_LIMIT) output += b.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    const timer =
      hook.timeout === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, hook.timeout * 1000);
    child.stdin.on('error', () => {}); // a hook that never reads its stdin is fine
    child.stdin.end(JSON.stringify(state));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(
        nsinitError(ErrorCodes.OCI_HOOK_FAILED, `${what}: ${err.message}`, {
          path: hook.path,
          cause: err,
        }),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const why = timedOut
        ? `timed out after ${hook.timeout}s`
        : signal
          ? `killed by ${signal}`
          : `exited with status ${code}`;
      const tail = output.trim() === '' ? '' : `: ${output.trim().split('\n').slice(-3).join(' / ')}`;
      reject(nsinitError(ErrorCodes.OCI_HOOK_FAILED, `${what} ${why}${tail}`, { path: hook.path }));
    });
  });
}

/** Run the hooks of one kind in order. Without `onWarning` the first failure stops the rest and
 *  is thrown (prestart .. startContainer); with it every hook runs and each failure is a warning
 *  (poststart, poststop: "the remaining hooks and lifecycle continue"). */
export async function runHooks(
  kind: HookKind,
  hooks: readonly OciHook[] | undefined,
  state: OciState,
  onWarning?: (message: string) => void,
) {
  for (const [i, hook] of (hooks ?? []).entries()) {
    try {
      await runHook(kind, i, hook, state);
    } catch (err) {
      if (!onWarning) throw err;
      onWarning((err as Error).message);
    }
  }
}
