// A fresh host, simulated in a private mount namespace where /run/netns is not mounted yet: the
// first `ip netns add` leaves the /run/netns mount behind (what failed the veth churn test on a
// fresh machine's first run); after prepareNetnsDir() the same add/del leaves nothing new.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requires } from '../src/index.js';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const script = (prepare: boolean) => `
import { execFileSync } from 'node:child_process';
const kit = await import(${JSON.stringify(dist)});
const out = { before: kit.netnsDirMounted() };
${prepare ? 'kit.prepareNetnsDir();' : ''}
const base = kit.snapshotHost();
execFileSync('ip', ['netns', 'add', 'nsinit-fresh-' + process.pid]);
execFileSync('ip', ['netns', 'del', 'nsinit-fresh-' + process.pid]);
out.leaks = kit.diffHost(base, kit.snapshotHost()).filter((l) => l.startsWith('mount'));
console.log(JSON.stringify(out));
`;

async function onFreshHost(prepare: boolean): Promise<{ before: boolean; leaks: string[] }> {
  // Private propagation: the unmount below stays in this namespace, the host keeps its mounts.
  const { stdout } = await promisify(execFile)('unshare', [
    '--mount',
    '--propagation',
    'private',
    'sh',
    '-c',
    `while grep -q ' /run/netns ' /proc/self/mountinfo; do umount /run/netns || exit 9; done; exec "${process.execPath}" --input-type=module -e "$0"`,
    script(prepare),
  ]);
  return JSON.parse(stdout);
}

describe('prepareNetnsDir', () => {
  it('the first ip netns add on a fresh host leaves /run/netns mounted', async (ctx) => {
    requires(ctx, 'root');
    const r = await onFreshHost(false);
    expect(r.before).toBe(false);
    expect(r.leaks).toEqual([expect.stringMatching(/^mount left behind: \/run\/netns /)]);
  });

  it('made before the baseline, nothing is left behind', async (ctx) => {
    requires(ctx, 'root');
    const r = await onFreshHost(true);
    expect(r.before).toBe(false);
    expect(r.leaks).toEqual([]);
  });
});
