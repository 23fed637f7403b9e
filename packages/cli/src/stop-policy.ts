// The CLI's side of the stop policy (README "Stopping"): SIGTERM to `nsinit exec` stops the process
// (stop signal, SIGKILL after the grace), SIGHUP and a terminal hangup stop it with SIGHUP, ^C is
// passed on, then stops, then kills. PID 1 of a PID namespace ignores signals it has no handler
// for, which is why the SIGKILL deadline exists at all.
import { constants } from 'node:os';
import { UsageError } from './args.js';
import type { TextSink } from './output.js';

export interface StopPolicy {
  signal: NodeJS.Signals;
  timeoutMs: number;
}

export const DEFAULT_STOP_SECONDS = 10;

/** --stop-signal and --stop-timeout, checked (usage errors exit 125 like other exec usage). */
export function parseStopOptions(options: Record<string, string | true>): StopPolicy {
  let signal: NodeJS.Signals = 'SIGTERM';
  const sig = options['stop-signal'];
  if (typeof sig === 'string') {
    const name = (/^sig/i.test(sig) ? sig : `SIG${sig}`).toUpperCase();
    if (!/^SIG[A-Z0-9]+$/.test(name) || name === 'SIGKILL' || name === 'SIGSTOP' || !isSignal(name)) {
      throw new UsageError(`--stop-signal: '${sig}' is not a signal name (e.g. SIGTERM, SIGINT)`, 125);
    }
    signal = name as NodeJS.Signals;
  }
  let timeoutMs = DEFAULT_STOP_SECONDS * 1000;
  const t = options['stop-timeout'];
  if (typeof t === 'string') {
    if (!/^\d+(\.\d+)?$/.test(t) || Number(t) > 86_400) {
      throw new UsageError(`--stop-timeout: '${t}' is not a number of seconds (0-86400)`, 125);
    }
    timeoutMs = Math.round(Number(t) * 1000);
  }
  return { signal, timeoutMs };
}

function isSignal(name: string): boolean {
  return Object.hasOwn(constants.signals, name);
}

interface Stoppable {
  kill(signal?: NodeJS.Signals | number): boolean;
  stop(options?: { signal?: NodeJS.Signals | number; timeout?: number }): boolean;
}

type Forward = (target: (signal: NodeJS.Signals) => void) => () => void;

/** Handle the signals nsinit receives from now on; those that come before the process exists
 *  (while the container starts) are applied once attach() gives it. `hangup` is for a terminal
 *  that went away. */
export function superviseSignals(
  policy: StopPolicy,
  stderr: TextSink,
  forwardSignals: Forward,
): { attach: (proc: Stoppable) => void; hangup: () => void; done: () => void } {
  let proc: Stoppable | null = null;
  const pending: (NodeJS.Signals | 'hangup')[] = [];
  let interrupts = 0;
  let hungUp = false;
  const handle = (p: Stoppable, signal: NodeJS.Signals | 'hangup') => {
    if (signal === 'SIGTERM') {
      p.stop();
    } else if (signal === 'SIGHUP' || signal === 'hangup') {
      if (hungUp) return;
      hungUp = true;
      p.stop({ signal: 'SIGHUP' });
    } else if (signal === 'SIGINT') {
      interrupts++;
      if (interrupts === 1) p.kill('SIGINT');
      else if (interrupts === 2) {
        const grace = policy.timeoutMs / 1000;
        stderr.write(
          `nsinit: stopping: ${policy.signal}, then SIGKILL in ${grace} s (interrupt again to kill now)\n`,
        );
        p.stop();
      } else p.kill('SIGKILL');
    } else {
      p.kill(signal);
    }
  };
  const receive = (signal: NodeJS.Signals | 'hangup') => {
    if (proc) handle(proc, signal);
    else pending.push(signal);
  };
  const done = forwardSignals(receive);
  return {
    attach(p) {
      proc = p;
      for (const signal of pending.splice(0)) handle(p, signal);
    },
    hangup: () => receive('hangup'),
    done,
  };
}
