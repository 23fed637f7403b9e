// config.json inputs that validate with warnings: unknown or foreign keys, case-folded keys, and
// settings that are accepted but do not do all they say. Exactly the warnings expected, no error.
import { describe, expect, it } from 'vitest';
import { all, type BadCase, del, push, set } from '../../test/edits.js';
import { runOciWarningCases } from '../../test/oci-edits.js';
import { validateOciConfig } from '../index.js';

const cases: BadCase[] = [
  [
    'a stop signal that is not one',
    (c) => {
      c.annotations['org.opencontainers.image.stopSignal'] = 'SIGSTOPP';
    },
    '/annotations/org.opencontainers.image.stopSignal: not a signal; expected a name such as "SIGTERM" or a number from 1 to 64',
  ],
  [
    'stop signals by name, number and real-time offset are fine',
    (c) => {
      c.annotations['org.opencontainers.image.stopSignal'] = 'SIGRTMIN+3';
      c.annotations['x.other'] = 'SIGNOPE';
    },
  ],
  [
    'misspelt key',
    set('/process/capabilites', {}),
    '/process/capabilites: unknown key, ignored; did you mean "capabilities"?',
  ],
  ['misspelt top-level key', set('/mount', []), '/mount: unknown key, ignored; did you mean "mounts"?'],
  [
    'key in the wrong case',
    (c) => {
      c.Linux = c.linux;
      delete c.linux;
    },
    '/Linux: key differs from "linux" only by case; read as "linux"',
  ],
  [
    'a Windows-only section',
    set('/windows', { layerFolders: [] }),
    '/windows: settings for another platform (windows); ignored on Linux',
  ],
  [
    'a 1.3 field',
    set('/linux/netDevices', { eth0: {} }),
    '/linux/netDevices: a runtime-spec 1.3 field, not read by this 1.0-1.2 reader; ignored',
  ],
  [
    'relative mount destination',
    set('/mounts/1/destination', 'data'),
    '/mounts/1/destination: relative destination is read as "/data"; write the absolute path',
  ],
  [
    'consoleSize without a terminal',
    set('/process/terminal', false),
    '/process/consoleSize: ignored because process.terminal is not true',
  ],
  [
    'ambient not inheritable',
    set('/process/capabilities/inheritable', []),
    '/process/capabilities/ambient/0: CAP_NET_ADMIN is not raised: an ambient capability must also be permitted and inheritable',
  ],
  [
    'unknown capability in a 1.1 config',
    all(set('/ociVersion', '1.1.0'), push('/process/capabilities/bounding', 'CAP_TEST')),
    '/process/capabilities/bounding/4: unknown capability, ignored',
  ],
  [
    'duplicate capability',
    push('/process/capabilities/bounding', 'CAP_CHOWN'),
    '/process/capabilities/bounding/4: duplicate capability CAP_CHOWN',
  ],
  [
    'a unified hugetlb file keeps its upper-case page size',
    (c) => {
      c.linux.resources.unified['hugetlb.2MB.max'] = '0';
    },
  ],
  [
    'duplicate env',
    push('/process/env', 'PATH=/usr/bin'),
    '/process/env/3: duplicate environment variable PATH',
  ],
  [
    'duplicate group',
    push('/process/user/additionalGids', 10),
    '/process/user/additionalGids/2: duplicate group 10',
  ],
  [
    'no mount namespace',
    all(
      set('/linux/namespaces', [
        { type: 'user' },
        { type: 'uts' },
        { type: 'ipc' },
        { type: 'network' },
        { type: 'time' },
      ]),
      del('/linux/rootfsPropagation'),
      set('/linux/maskedPaths', []),
      del('/linux/readonlyPaths'),
    ),
    '/linux/namespaces: no mount namespace: mounts and pivot_root would act on the host mount namespace',
  ],
  [
    'reservation above limit',
    set('/linux/resources/memory/reservation', 1e10),
    '/linux/resources/memory/reservation: above limit (536870912), so it never takes effect',
  ],
  [
    'kernel memory',
    set('/linux/resources/memory/kernel', 1e8),
    '/linux/resources/memory/kernel: kernel memory limits are deprecated by the kernel and ignored',
  ],
];

describe('validateOciConfig: warnings', () => {
  runOciWarningCases(cases);

  it('keeps a __proto__ annotation as an own key without touching any prototype', () => {
    const input = JSON.parse('{"ociVersion":"1.2.0","root":{"path":"r"},"annotations":{"__proto__":"x"}}');
    const result = validateOciConfig(input);
    expect(result.ok && Object.getOwnPropertyNames(result.config.annotations)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
