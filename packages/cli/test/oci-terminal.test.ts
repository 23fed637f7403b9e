// nsinit-oci's terminal handling: with process.terminal the pty master is sent over
// --console-socket with SCM_RIGHTS (received here by a small python3 receiver: Node cannot take
// an fd from a message), consoleSize is applied before the process runs, and a terminal without
// a socket is refused as runc refuses it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createOciBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, type TestContext } from 'vitest';
import { until } from './helpers.js';
import { created, waitStatus } from './oci-helpers.js';

useLeakCheck();

/** Listens on `path`, takes the fd from the first message, reports what it is, then copies the
 *  pty's output to stdout until the container side closes (EIO). */
const RECEIVER = String.raw`
import array, fcntl, os, socket, struct, sys, termios
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print("ready", flush=True)
c, _ = s.accept()
msg, anc, _, _ = c.recvmsg(4096, socket.CMSG_SPACE(4))
fds = array.array("i"); fds.frombytes(anc[0][2][:4]); fd = fds[0]
rows, cols = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))[:2]
print("name=%s tty=%s size=%dx%d" % (msg.decode(), os.isatty(fd), rows, cols), flush=True)
c.close(); s.close()
while True:
    try:
        d = os.read(fd, 4096)
    except OSError:
        break
    if not d:
        break
    sys.stdout.write(d.decode(errors="replace")); sys.stdout.flush()
`;

function hasPython(ctx: TestContext) {
  requires(ctx, 'root', 'busybox');
  if (!['/usr/bin/python3', '/bin/python3'].some((p) => existsSync(p)))
    ctx.skip('python3 receives the SCM_RIGHTS message in this test and is not installed');
}

function receiver(socketPath: string) {
  const child = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  return { output: () => out, exited, kill: () => child.kill('SIGKILL') };
}

describe('nsinit-oci terminal', () => {
  it('sends the pty master over --console-socket with consoleSize applied; the process has a terminal', async (ctx) => {
    hasPython(ctx);
    const b = await createOciBundle({
      spec: (s) => {
        s.process.terminal = true;
        s.process.consoleSize = { height: 33, width: 99 };
        s.process.args = ['sh', '-c', 'stty size; tty; echo done'];
      },
    });
    const sock = b.path('console.sock');
    const r = receiver(sock);
    ctx.onTestFinished(() => r.kill());
    await until('the receiver', () => r.output().includes('ready'));
    await created(b, 't', ['--console-socket', sock]);
    await until('the pty master', () => r.output().includes('name='));
    expect(r.output()).toContain('name=/dev/ptmx tty=True size=33x99');
    // Nothing on create's own output: the process writes to its terminal only.
    expect(b.output('t')).toBe('');
    expect((await b.oci(['start', 't'])).exitCode).toBe(0);
    await r.exited;
    const lines = r.output().replace(/\r/g, '').split('\n');
    expect(lines).toContain('33 99');
    expect(lines.some((l) => /^\/dev\/(pts\/\d+|console)$/.test(l))).toBe(true);
    expect(lines).toContain('done');
    await waitStatus(b, 't', 'stopped');
    expect((await b.oci(['delete', 't'])).exitCode).toBe(0);
  });

  it('refuses process.terminal without --console-socket, and a socket without a terminal', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.terminal = true;
      },
    });
    const r = await b.create('nt');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/\/process\/terminal: is true but no --console-socket was given/);
    expect(existsSync(`${b.root}/nt`)).toBe(false);
    b.writeSpec({ ...b.spec, process: { ...b.spec.process, terminal: false } });
    const s = await b.create('ns', ['--console-socket', b.path('none.sock')]);
    expect(s.exitCode).toBe(1);
    expect(s.stderr).toMatch(/--console-socket needs process.terminal to be true/);
    expect(existsSync(`${b.root}/ns`)).toBe(false);
  });
});
