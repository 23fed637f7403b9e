import { afterEach, describe, expect, it } from 'vitest';
import { forwardSignals } from './signals.js';

describe('forwardSignals', () => {
  const before = process.listenerCount('SIGUSR2');
  afterEach(() => expect(process.listenerCount('SIGUSR2')).toBe(before));

  it('shares one process listener between targets and removes it with the last one', async () => {
    const a: string[] = [];
    const b: string[] = [];
    const stopA = forwardSignals((s) => a.push(s), ['SIGUSR2']);
    const stopB = forwardSignals((s) => b.push(s), ['SIGUSR2']);
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    process.kill(process.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 50));
    expect([a, b]).toEqual([['SIGUSR2'], ['SIGUSR2']]);
    stopA();
    stopA(); // idempotent
    process.kill(process.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 50));
    expect([a.length, b.length]).toEqual([1, 2]);
    stopB();
  });
});
