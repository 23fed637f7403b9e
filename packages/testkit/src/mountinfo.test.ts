import { describe, expect, it } from 'vitest';
import { parseMountInfo } from './mountinfo.js';

describe('parseMountInfo', () => {
  it('reads mount point, fstype, source and superblock options, decoding octal escapes', () => {
    const text = [
      '36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
      '41 31 0:38 / /tmp/with\\040space rw,relatime shared:5 - tmpfs my\\011src rw,size=4k',
      '',
    ].join('\n');
    expect(parseMountInfo(text)).toEqual([
      {
        id: 36,
        parent: 35,
        mountPoint: '/mnt2',
        fstype: 'ext3',
        source: '/dev/root',
        superOptions: 'rw,errors=continue',
      },
      {
        id: 41,
        parent: 31,
        mountPoint: '/tmp/with space',
        fstype: 'tmpfs',
        source: 'my\tsrc',
        superOptions: 'rw,size=4k',
      },
    ]);
  });

  it('skips lines without the optional-fields separator', () => {
    expect(parseMountInfo('garbage line\n')).toEqual([]);
  });
});
