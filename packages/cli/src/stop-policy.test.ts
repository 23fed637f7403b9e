// The CLI's stop policy as a table of signals → actions on a recording process (the real signals
// and containers are in test/stop.test.ts): options parsed and refused in the user's words,
// signals that arrive while the container starts applied once it exists, ^C escalation.
import { describe, expect, it } from 'vitest';
import { parseStopOptions, superviseSignals } from './stop-policy.js';

function recorder() {
  const calls: string[] = [];
  return {
    calls,
    kill(signal: NodeJS.Signals | number = 'SIGTERM') {
      calls.push(`kill ${signal}`);
      return true;
    },
    stop(options: { signal?: NodeJS.Signals | number } = {}) {
      calls.push(`stop ${options.signal ?? 'policy'}`);
      return true;
    },
  };
}

function harness() {
  let target: ((s: NodeJS.Signals) => void) | null = null;
  let removed = false;
  const forward = (t: (s: NodeJS.Signals) => void) => {
    target = t;
    return () => {
      removed = true;
    };
  };
  let err = '';
  const stderr = { write: (s: string) => (err += s) } as never;
  const supervisor = superviseSignals({ signal: 'SIGTERM', timeoutMs: 10_000 }, stderr, forward);
  return {
    supervisor,
    send: (s: NodeJS.Signals) => target!(s),
    err: () => err,
    removed: () => removed,
  };
}

describe('parseStopOptions', () => {
  it('defaults to SIGTERM and 10 s, accepts names with or without SIG and fractional seconds', () => {
    expect(parseStopOptions({})).toEqual({ signal: 'SIGTERM', timeoutMs: 10_000 });
    expect(parseStopOptions({ 'stop-signal': 'usr1', 'stop-timeout': '0.5' })).toEqual({
      signal: 'SIGUSR1',
      timeoutMs: 500,
    });
    expect(parseStopOptions({ 'stop-timeout': '0' }).timeoutMs).toBe(0);
  });

  it('refuses what is not a signal or a number of seconds', () => {
    for (const bad of ['SIGKILL', 'STOP', 'NOPE', '9', 'SIG TERM']) {
      expect(() => parseStopOptions({ 'stop-signal': bad }), bad).toThrow(
        /--stop-signal: .* is not a signal name/,
      );
    }
    for (const bad of ['-1', 'soon', '1e3', '86401']) {
      expect(() => parseStopOptions({ 'stop-timeout': bad }), bad).toThrow(
        /--stop-timeout: .* is not a number/,
      );
    }
  });
});

describe('superviseSignals', () => {
  it('stops on SIGTERM, sends SIGHUP once for SIGHUP and hangups, passes the rest on', () => {
    const h = harness();
    const p = recorder();
    h.supervisor.attach(p);
    h.send('SIGTERM');
    h.send('SIGHUP');
    h.supervisor.hangup();
    h.send('SIGUSR1');
    h.send('SIGWINCH');
    expect(p.calls).toEqual(['stop policy', 'stop SIGHUP', 'kill SIGUSR1', 'kill SIGWINCH']);
    h.supervisor.done();
    expect(h.removed()).toBe(true);
  });

  it('passes the first ^C on, stops on the second (saying so), kills on the third', () => {
    const h = harness();
    const p = recorder();
    h.supervisor.attach(p);
    h.send('SIGINT');
    expect(h.err()).toBe('');
    h.send('SIGINT');
    h.send('SIGINT');
    h.send('SIGINT');
    expect(p.calls).toEqual(['kill SIGINT', 'stop policy', 'kill SIGKILL', 'kill SIGKILL']);
    expect(h.err()).toBe('nsinit: stopping: SIGTERM, then SIGKILL in 10 s (interrupt again to kill now)\n');
  });

  it('applies signals received while the container starts once the process exists', () => {
    const h = harness();
    h.send('SIGTERM');
    h.supervisor.hangup();
    const p = recorder();
    expect(p.calls).toEqual([]);
    h.supervisor.attach(p);
    expect(p.calls).toEqual(['stop policy', 'stop SIGHUP']);
  });
});
