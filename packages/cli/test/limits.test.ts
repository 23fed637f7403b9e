// Whatever `nsinit config validate` passes, `nsinit exec` starts: one real container per list limit
// (environment, device nodes, mounts, capabilities, rlimits, networks, routes, device rules) and
// lo at the kernel's own default MTU (65536). One past a limit, validate and exec both refuse it,
// naming the field, before anything is created (the leak checker would see a cgroup or a mount).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ContainerConfig, LIST_LIMITS, RLIMIT_NAMES } from '@nsinit/config';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { plain, runCli } from './helpers.js';

useLeakCheck();

type Edit = (c: ContainerConfig) => void;

/** Validate, then exec `script` in a container made with `edit`; both must succeed. */
async function startsAtLimit(edit: Edit, script: string, opts: { files?: Record<string, string> } = {}) {
  const bundle = await createBundle({
    config: (c) => {
      plain(c);
      edit(c);
    },
    ...(opts.files ? { files: opts.files } : {}),
  });
  const valid = await runCli(['config', 'validate'], { cwd: bundle.dir });
  expect(valid).toMatchObject({ exitCode: 0 });
  const r = await runCli(['exec', 'sh', '-c', script], { cwd: bundle.dir, timeout: 60_000 });
  // Config warnings (duplicates) are shown; nothing else may be.
  expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('nsinit: warning: '))).toEqual([]);
  expect(r.exitCode).toBe(0);
  return r.stdout.trim();
}

/** /proc/self/limits rows by RLIMIT_ name: -1 for unlimited. */
function ownLimits(): Record<string, { soft: number; hard: number }> {
  const rows: Record<string, string> = {
    'Max cpu time': 'RLIMIT_CPU',
    'Max file size': 'RLIMIT_FSIZE',
    'Max data size': 'RLIMIT_DATA',
    'Max stack size': 'RLIMIT_STACK',
    'Max core file size': 'RLIMIT_CORE',
    'Max resident set': 'RLIMIT_RSS',
    'Max processes': 'RLIMIT_NPROC',
    'Max open files': 'RLIMIT_NOFILE',
    'Max locked memory': 'RLIMIT_MEMLOCK',
    'Max address space': 'RLIMIT_AS',
    'Max file locks': 'RLIMIT_LOCKS',
    'Max pending signals': 'RLIMIT_SIGPENDING',
    'Max msgqueue size': 'RLIMIT_MSGQUEUE',
    'Max nice priority': 'RLIMIT_NICE',
    'Max realtime priority': 'RLIMIT_RTPRIO',
    'Max realtime timeout': 'RLIMIT_RTTIME',
  };
  const num = (v: string) => (v === 'unlimited' ? -1 : Number(v));
  const out: Record<string, { soft: number; hard: number }> = {};
  for (const line of readFileSync('/proc/self/limits', 'utf8').split('\n')) {
    const name = Object.keys(rows).find((r) => line.startsWith(r));
    if (!name) continue;
    const [soft = '', hard = ''] = line.slice(name.length).trim().split(/\s+/);
    out[rows[name]!] = { soft: num(soft), hard: num(hard) };
  }
  return out;
}

const index = (i: number) => String(i).padStart(4, '0');

describe('what config validate passes, exec starts', () => {
  it('lo at 65536, its kernel default (examples/bridge)', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const out = await startsAtLimit((c) => {
      c.namespaces = { ...c.namespaces, NEWNET: true };
      c.networks = [{ type: 'loopback', mtu: 65536 }];
    }, 'ip -o link show lo');
    expect(out).toMatch(/ mtu 65536 /);
  });

  it(`environment: entries filling half of execve's space (1 MiB)`, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    // 1024 entries of 1015 bytes: with NUL and pointer 1024 bytes each, exactly 1 MiB.
    const env = Array.from({ length: 1024 }, (_, i) => `E${index(i)}=${'x'.repeat(1015 - 6)}`);
    const out = await startsAtLimit((c) => {
      c.environment = ['PATH=/bin', ...env.slice(1)];
    }, 'env | grep -c "^E"');
    expect(out).toBe('1023');
  });

  it(`device_nodes: ${LIST_LIMITS.device_nodes} nodes`, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const out = await startsAtLimit((c) => {
      c.device_nodes = Array.from({ length: LIST_LIMITS.device_nodes }, (_, i) => ({
        type: 99,
        path: `/dev/n${index(i)}`,
        major_number: 1,
        minor_number: 3,
        file_mode: 0o666,
      }));
    }, 'ls /dev | grep -c "^n[0-9]"');
    expect(out).toBe(String(LIST_LIMITS.device_nodes));
  });

  it(`mounts: ${LIST_LIMITS.mounts} bind mounts`, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const source = mkdtempSync(join(tmpdir(), 'nsinit-limits-src-'));
    onTestFinished(() => rmSync(source, { recursive: true, force: true }));
    const out = await startsAtLimit((c) => {
      c.mounts = Array.from({ length: LIST_LIMITS.mounts }, (_, i) => ({
        type: 'bind',
        source,
        destination: `/m/${index(i)}`,
      }));
    }, 'grep -c " /m/[0-9]* " /proc/self/mountinfo');
    expect(out).toBe(String(LIST_LIMITS.mounts));
  });

  it(`capabilities: ${LIST_LIMITS.capabilities} entries (duplicates warn)`, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const out = await startsAtLimit((c) => {
      c.capabilities = [...Array(LIST_LIMITS.capabilities - 1).fill('CHOWN'), 'KILL'];
    }, 'grep CapEff /proc/self/status');
    expect(out).toMatch(/^CapEff:\s+0+21$/);
  });

  it(`rlimits: all ${RLIMIT_NAMES.length} resources`, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    // This process's own limits (raising a hard limit may need CAP_SYS_RESOURCE in the host's
    // user namespace), with the soft open-files limit lowered to see it applied.
    const own = ownLimits();
    const out = await startsAtLimit((c) => {
      c.rlimits = RLIMIT_NAMES.map((type) =>
        type === 'RLIMIT_NOFILE' ? { type, soft: 64, hard: own[type]!.hard } : { type, ...own[type]! },
      );
    }, 'ulimit -n');
    expect(out).toBe('64');
  });

  it(`networks and routes: ${LIST_LIMITS.networks} strategies, ${LIST_LIMITS.routes} routes`, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const out = await startsAtLimit((c) => {
      c.namespaces = { ...c.namespaces, NEWNET: true };
      c.networks = Array.from({ length: LIST_LIMITS.networks }, (_, i) => ({
        type: 'loopback',
        mtu: 1500 + i,
      }));
      c.routes = Array.from({ length: LIST_LIMITS.routes }, (_, i) => ({
        destination: `10.${i >> 8}.${i & 255}.0/24`,
        interface_name: 'lo',
      }));
    }, 'ip route | grep -c "dev lo"; ip -o link show lo');
    const [count, link] = out.split('\n');
    expect(count).toBe(String(LIST_LIMITS.routes));
    expect(link).toMatch(new RegExp(`mtu ${1500 + LIST_LIMITS.networks - 1} `));
  });

  it(`cgroups.allowed_devices: ${LIST_LIMITS.allowed_devices} rules (v1 devices cgroup)`, async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const name = `limits-${process.pid}`;
    const out = await startsAtLimit((c) => {
      c.cgroups = {
        name,
        parent: '',
        allowed_devices: Array.from({ length: LIST_LIMITS.allowed_devices }, (_, i) => ({
          type: 99,
          major_number: 1,
          minor_number: i,
          cgroup_permissions: 'rwm',
        })),
      };
      c.device_nodes = [{ type: 99, path: '/dev/null', major_number: 1, minor_number: 3, file_mode: 0o666 }];
    }, `grep devices /proc/self/cgroup; echo ok >/dev/null && echo null-ok`);
    // The leaf is the configured name plus the instance id.
    expect(out).toMatch(new RegExp(`devices:/${name}-[0-9a-f]+\\nnull-ok$`));
  });

  it('one past a limit: validate and exec refuse it naming the field, nothing is created', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.cgroups = { name: `over-${process.pid}`, parent: '' };
        c.device_nodes = Array.from({ length: LIST_LIMITS.device_nodes + 1 }, (_, i) => ({
          type: 99,
          path: `/dev/n${index(i)}`,
          major_number: 1,
          minor_number: 3,
        }));
      },
    });
    const valid = await runCli(['config', 'validate'], { cwd: bundle.dir });
    expect(valid.exitCode).toBe(1);
    expect(valid.stderr).toMatch(/\/device_nodes: must have at most 1024 entries/);
    const r = await runCli(['exec', 'true'], { cwd: bundle.dir });
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/\/device_nodes: must have at most 1024 entries/);
  });
});
