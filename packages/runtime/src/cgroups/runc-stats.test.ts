// `events --stats` in runc's JSON shape from v1 and v2 interface files laid out in temp dirs,
// with counters beyond 2^53 kept exact and Go's omitempty rules applied.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCgroup } from './oci-cgroup.js';
import { cpuList, exactJson, hugePageSizes, readRuncStats, runcStatsEvent } from './runc-stats.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nsinit-stats-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function dir(name: string, files: Record<string, string>): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, v] of Object.entries(files)) writeFileSync(join(d, f), v);
  return d;
}

const BIG = '18446744073709551000'; // above 2^64 - 2^10: only exact as a bigint

describe('runc stats', () => {
  it('reads v1 files into runc types.Stats with exact 64-bit values', () => {
    const paths = {
      cpu: dir('cpu', { 'cpu.stat': 'nr_periods 10\nnr_throttled 4\nthrottled_time 9007199254740993\n' }),
      cpuacct: dir('cpuacct', {
        'cpuacct.usage': `${BIG}\n`,
        'cpuacct.usage_percpu': '5 7 \n',
        'cpuacct.usage_all': 'cpu user system\n0 3 2\n1 4 3\n',
        'cpuacct.stat': 'user 150\nsystem 25\n',
      }),
      cpuset: dir('cpuset', {
        'cpuset.cpus': '0-1,3\n',
        'cpuset.mems': '0\n',
        'cpuset.sched_load_balance': '1\n',
        'cpuset.sched_relax_domain_level': '-1\n',
      }),
      memory: dir('memory', {
        'memory.usage_in_bytes': '4096\n',
        'memory.max_usage_in_bytes': '8192\n',
        'memory.limit_in_bytes': '9223372036854771712\n',
        'memory.failcnt': '0\n',
        'memory.memsw.usage_in_bytes': '4096\n',
        'memory.memsw.limit_in_bytes': '9223372036854771712\n',
        'memory.memsw.failcnt': '0\n',
        'memory.stat': 'cache 12288\nrss 4096\ntotal_cache 12288\n',
      }),
      pids: dir('pids', { 'pids.current': '3\n', 'pids.max': 'max\n' }),
      blkio: dir('blkio', {
        'blkio.throttle.io_service_bytes_recursive':
          '8:0 Read 4096\n8:0 Write 0\n8:0 Total 4096\nTotal 4096\n',
        'blkio.throttle.io_serviced_recursive': '8:0 Read 1\n',
      }),
      hugetlb: dir('hugetlb', { 'hugetlb.2MB.usage_in_bytes': '0\n', 'hugetlb.2MB.failcnt': '2\n' }),
    };
    const s = readRuncStats(openCgroup({ version: 1, paths, parents: [] }), ['2MB']);
    expect(exactJson(s.cpu)).toBe(
      `{"usage":{"total":${BIG},"percpu":[5,7],"percpu_kernel":[2,3],"percpu_user":[3,4],"kernel":250000000,"user":1500000000},"throttling":{"periods":10,"throttledPeriods":4,"throttledTime":9007199254740993}}`,
    );
    expect(s.cpuset).toMatchObject({
      cpus: [0, 1, 3],
      mems: [0],
      sched_load_balance: 1n,
      sched_relax_domain_level: -1n,
    });
    expect(exactJson(s.memory)).toBe(
      '{"cache":12288,"usage":{"limit":9223372036854771712,"usage":4096,"max":8192,"failcnt":0},' +
        '"swap":{"limit":9223372036854771712,"usage":4096,"failcnt":0},"kernel":{"limit":0,"failcnt":0},' +
        '"kernelTCP":{"limit":0,"failcnt":0},"raw":{"cache":12288,"rss":4096,"total_cache":12288}}',
    );
    expect(s.pids).toEqual({ current: 3n });
    expect(exactJson(s.blkio)).toBe(
      '{"ioServiceBytesRecursive":[{"major":8,"minor":0,"op":"Read","value":4096},{"major":8,"minor":0,"op":"Write","value":0},' +
        '{"major":8,"minor":0,"op":"Total","value":4096}],"ioServicedRecursive":[{"major":8,"minor":0,"op":"Read","value":1}]}',
    );
    expect(s.hugetlb).toEqual({ '2MB': { failcnt: 2n } });
  });

  it('reads v2 files with swap reported as memory+swap and "max" as MaxUint64', () => {
    const d = dir('v2', {
      'cpu.stat':
        'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n',
      'cpuset.cpus.effective': '0-1\n',
      'memory.current': '1000\n',
      'memory.max': 'max\n',
      'memory.peak': '2000\n',
      'memory.events': 'low 0\nhigh 0\nmax 7\noom 0\noom_kill 0\n',
      'memory.swap.current': '24\n',
      'memory.swap.max': 'max\n',
      'memory.stat': 'anon 100\nfile 900\n',
      'pids.current': '2\n',
      'pids.max': '100\n',
      'io.stat': '8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n',
      'hugetlb.2MB.current': '2097152\n',
      'hugetlb.2MB.events': 'max 1\n',
    });
    const s = readRuncStats(openCgroup({ version: 2, paths: { unified: d }, parents: [] }), ['2MB', '1GB']);
    expect(s.cpu).toEqual({ usage: { total: 1500000n, kernel: 500000n, user: 1000000n }, throttling: {} });
    expect(exactJson(s.memory.usage)).toBe(
      '{"limit":18446744073709551615,"usage":1000,"max":2000,"failcnt":7}',
    );
    expect(exactJson(s.memory.swap)).toBe('{"limit":18446744073709551615,"usage":1024,"failcnt":0}');
    expect(s.memory.cache).toBe(900n);
    expect(s.pids).toEqual({ current: 2n, limit: 100n });
    expect(exactJson(s.blkio)).toBe(
      '{"ioServiceBytesRecursive":[{"major":8,"minor":0,"op":"Read","value":4096},{"major":8,"minor":0,"op":"Write"}],' +
        '"ioServicedRecursive":[{"major":8,"minor":0,"op":"Read","value":1},{"major":8,"minor":0,"op":"Write"}]}',
    );
    expect(s.hugetlb).toEqual({ '2MB': { usage: 2097152n, failcnt: 1n } });
    const line = runcStatsEvent('c1', s);
    expect(line.startsWith('{"type":"stats","id":"c1","data":{"cpu":')).toBe(true);
    expect(Object.keys(JSON.parse(line).data)).toEqual([
      'cpu',
      'cpuset',
      'memory',
      'pids',
      'blkio',
      'hugetlb',
      'intel_rdt',
      'network_interfaces',
    ]);
  });

  it('names page sizes as the hugetlb files do and expands cpu lists', () => {
    dir('hp/hugepages-2048kB', {});
    dir('hp/hugepages-1048576kB', {});
    dir('hp/hugepages-64kB', {});
    expect(hugePageSizes(join(root, 'hp')).sort()).toEqual(['1GB', '2MB', '64KB']);
    expect(hugePageSizes(join(root, 'none'))).toEqual([]);
    expect(cpuList('0-2,5\n')).toEqual([0, 1, 2, 5]);
    expect(cpuList('')).toBeUndefined();
  });
});
