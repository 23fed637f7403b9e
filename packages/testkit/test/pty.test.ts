// spawnInPty through a real pseudo-terminal from the addon's openPty: the child sees a terminal
// of the requested size as its controlling tty, input typed at the master reaches it, a resize
// delivers SIGWINCH, and the session reports the exit status after draining the output.
import { beforeEach, describe, expect, it } from 'vitest';
import { spawnInPty, useLeakCheck } from '../src/index.js';
import { tryNative } from '../src/native-loader.js';

const sh = (script: string) => spawnInPty('/bin/busybox', ['sh', '-c', script], { cols: 100, rows: 30 });

describe('spawnInPty', () => {
  beforeEach(({ skip }) => {
    if (!tryNative()?.openPty) skip('the native addon (openPty) is not built');
  });
  useLeakCheck();

  it('gives the child a terminal of the requested size as stdio and controlling tty', async () => {
    // Field 7 of /proc/<pid>/stat is tty_nr: non-zero only with a controlling terminal.
    const s = sh(
      'stty size; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty; set -- $(cat /proc/$$/stat); echo "ctty=$7"',
    );
    const out = await s.expect(/ctty=\d+/);
    expect(out).toContain('30 100');
    expect(out).toContain('all-tty');
    expect(out).not.toContain('ctty=0');
    expect(await s.exit()).toEqual({ exitCode: 0, signal: null });
  });

  it('passes typed input through the line discipline (echo and CR → NL)', async () => {
    const s = sh('read line; echo "got:$line"; exit 7');
    s.write('hello\r');
    const out = await s.expect(/got:hello/);
    expect(out).toMatch(/hello\r\n/); // echoed by the terminal, with ONLCR
    expect(await s.exit()).toEqual({ exitCode: 7, signal: null });
  });

  it('delivers SIGWINCH to the foreground process group on resize', async () => {
    const s = sh('trap "stty size" WINCH; echo ready; while :; do sleep 0.05; done');
    await s.expect(/ready/);
    s.resize(120, 40);
    await s.expect(/40 120/);
    s.kill('SIGKILL');
    expect(await s.exit()).toEqual({ exitCode: null, signal: 'SIGKILL' });
  });

  it('turns ^C into SIGINT for the foreground job', async () => {
    const s = sh('echo ready; exec sleep 30');
    await s.expect(/ready/);
    await new Promise((r) => setTimeout(r, 100)); // until the exec'd sleep runs
    s.write('\x03');
    expect(await s.exit()).toEqual({ exitCode: null, signal: 'SIGINT' });
  });

  it('keeps output written right before exit', async () => {
    const s = sh('i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done');
    await s.exit();
    expect(s.output()).toContain('line 199');
  });
});
