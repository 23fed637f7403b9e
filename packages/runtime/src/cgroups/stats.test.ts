// Stats parsing against mocked v1 controller directories (the 2014 fs-driver tests' approach) and
// the v2 io.stat format; the real-kernel values are checked in test/cgroups-*.test.ts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realFs } from './cgroupfs.js';
import type { ManagedCgroup } from './handle.js';
import { formatStats, parseBlkio, parseCounters, parseIoStat, readStats, statsJson } from './stats.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nsinit-stats-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function v1(files: Record<string, Record<string, string>>): ManagedCgroup {
  const paths: Record<string, string> = {};
  for (const [ctrl, contents] of Object.entries(files)) {
    paths[ctrl] = join(root, ctrl);
    mkdirSync(paths[ctrl]!);
    for (const [f, v] of Object.entries(contents)) writeFileSync(join(paths[ctrl]!, f), v);
  }
  return { version: 1, fs: realFs, paths, add() {}, oomKilled: () => false, destroy: async () => {} };
}

describe('v1 stats', () => {
  it('reads every 2014 section into the 2014 JSON keys', async () => {
    const cg = v1({
      cpu: { 'cpu.stat': 'nr_periods 2000\nnr_throttled 200\nthrottled_time 123456789012345\n' },
      cpuacct: {
        'cpuacct.usage': '12345678\n',
        'cpuacct.usage_percpu': '12000000 345678 \n',
        'cpuacct.stat': 'user 150\nsystem 50\n',
      },
      memory: {
        'memory.usage_in_bytes': '2048\n',
        'memory.max_usage_in_bytes': '4096\n',
        'memory.failcnt': '100\n',
        'memory.limit_in_bytes': '16777216\n',
        'memory.stat': 'cache 512\nrss 1024\n',
      },
      blkio: {
        'blkio.throttle.io_service_bytes_recursive': '8:0 Read 100\n8:0 Write 200\n8:0 Sync 300\nTotal 600\n',
        'blkio.throttle.io_serviced_recursive': '8:0 Read 1\n8:0 Write 2\nTotal 3\n',
      },
      freezer: { 'freezer.self_freezing': '1\n', 'freezer.parent_freezing': '0\n' },
      pids: { 'pids.current': '3\n', 'pids.max': '8\n' },
    });
    const s = await readStats(cg, 1);
    expect(s.cpu_stats.throlling_data).toEqual({
      periods: 2000,
      throttled_periods: 200,
      throttled_time: 123456789012345,
    });
    expect(s.cpu_stats.cpu_usage).toMatchObject({
      total_usage: 12345678,
      percpu_usage: [12000000, 345678],
      usage_in_usermode: 1.5e9,
      usage_in_kernelmode: 0.5e9,
      current_usage: 0,
      percent_usage: 0,
    });
    expect(s.memory_stats).toEqual({
      usage: 2048,
      max_usage: 4096,
      failcnt: 100,
      limit: 16777216,
      stats: { cache: 512, rss: 1024 },
    });
    expect(s.blkio_stats.io_service_bytes_recursive).toEqual([
      { major: 8, minor: 0, op: 'Read', value: 100 },
      { major: 8, minor: 0, op: 'Write', value: 200 },
      { major: 8, minor: 0, op: 'Sync', value: 300 },
    ]);
    expect(s.blkio_stats.io_serviced_recusrive).toHaveLength(2);
    expect(s.freezer_stats).toEqual({ parent_state: 'THAWED', self_state: 'FROZEN' });
    expect(s.pids_stats).toEqual({ current: 3, limit: 8 });
    const table = formatStats(s);
    expect(table).toMatch(/^cpu throttling\s+200 of 2000 periods/m);
    expect(table).toMatch(/^memory usage\s+2\.0 KiB of 16\.0 MiB$/m);
    expect(table).toMatch(/^blkio read\s+100 B in 1 ops$/m);
  });

  it('tolerates missing controllers (an unmounted blkio, no pids) with zeros', async () => {
    const s = await readStats(v1({ memory: { 'memory.usage_in_bytes': '1\n' } }), 1);
    expect(s.memory_stats.usage).toBe(1);
    expect(s.blkio_stats.sectors_recursive).toEqual([]);
    expect(s.pids_stats).toEqual({ current: 0 });
  });
});

describe('blkio and io.stat parsing', () => {
  it('reads sector lines without an op and skips Total', () => {
    expect(parseBlkio('8:0 1024\n8:16 2048\nTotal 3072\n')).toEqual([
      { major: 8, minor: 0, value: 1024 },
      { major: 8, minor: 16, value: 2048 },
    ]);
    expect(parseBlkio(null)).toEqual([]);
  });

  it('maps v2 io.stat to Read/Write entries', () => {
    expect(parseIoStat('254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n')).toEqual({
      bytes: [
        { major: 254, minor: 0, op: 'Read', value: 4096 },
        { major: 254, minor: 0, op: 'Write', value: 8192 },
      ],
      ios: [
        { major: 254, minor: 0, op: 'Read', value: 1 },
        { major: 254, minor: 0, op: 'Write', value: 2 },
      ],
    });
  });
});

describe('exact 64-bit counters', () => {
  it('keeps values beyond 2^53 as bigints and writes them digit for digit in JSON', async () => {
    const cg = v1({
      cpuacct: {
        'cpuacct.usage': '18446744073709551615\n',
        'cpuacct.stat': 'user 92233720368547\nsystem 1\n',
      },
      memory: {
        'memory.usage_in_bytes': '9007199254740993\n',
        'memory.stat': 'cache 1\nhierarchical_memory_limit 9223372036854771712\n',
      },
      blkio: { 'blkio.throttle.io_service_bytes_recursive': '8:0 Read 9007199254740993\n' },
    });
    const s = await readStats(cg, 1);
    expect(s.cpu_stats.cpu_usage.total_usage).toBe(18446744073709551615n);
    expect(s.cpu_stats.cpu_usage.usage_in_usermode).toBe(922337203685470000000n);
    expect(s.cpu_stats.cpu_usage.usage_in_kernelmode).toBe(10000000);
    expect(s.memory_stats.usage).toBe(9007199254740993n);
    expect(s.memory_stats.stats).toEqual({ cache: 1, hierarchical_memory_limit: 9223372036854771712n });
    const json = statsJson(s);
    expect(json).toContain('"hierarchical_memory_limit": 9223372036854771712\n');
    expect(json).toContain('"total_usage": 18446744073709551615,');
    expect(json).toContain('"usage": 9007199254740993,');
    expect(json).toContain('"value": 9007199254740993,');
    expect(json).not.toMatch(/nsinit-u64/);
    // Still JSON: every other value reads back as written.
    expect(JSON.parse(json).memory_stats.stats.cache).toBe(1);
    expect(formatStats(s)).toMatch(/^memory usage\s+8\.0 PiB$/m);
  });

  it('parses "key value" lines into safe numbers or bigints, skipping anything else', () => {
    expect(parseCounters('a 1\nb 9223372036854775807\nc x\nd 1 2\n\n')).toEqual({
      a: 1,
      b: 9223372036854775807n,
    });
  });
});
