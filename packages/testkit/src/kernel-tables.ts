// Linux constants for the recording fake (x86_64/arm64 share these): capability numbers
// (capabilities(7), <linux/capability.h>), rlimit resources (getrlimit(2)), clone(2) namespace
// flags, mount(2)/umount2(2) flags, inode types (inode(7)), signal numbers (signal(7)) and the
// termios(3) mode bits (<asm-generic/termbits.h>).
import { constants as osConstants } from 'node:os';
// CAPABILITY_NAMES is in kernel bit order: a name's index is its capability number.
import { CAPABILITY_NAMES as CAP_NAMES } from '@nsinit/config';

export const CAPABILITIES: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(CAP_NAMES.map((name, i) => [name, i])),
);

const RLIMIT_NAMES = [
  'CPU',
  'FSIZE',
  'DATA',
  'STACK',
  'CORE',
  'RSS',
  'NPROC',
  'NOFILE',
  'MEMLOCK',
  'AS',
  'LOCKS',
  'SIGPENDING',
  'MSGQUEUE',
  'NICE',
  'RTPRIO',
  'RTTIME',
];

export const RLIMITS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(RLIMIT_NAMES.map((name, i) => [`RLIMIT_${name}`, i])),
);

export const CONSTANTS: Readonly<Record<string, number>> = Object.freeze({
  CLONE_NEWTIME: 0x80,
  CLONE_NEWNS: 0x20000,
  CLONE_NEWCGROUP: 0x2000000,
  CLONE_NEWUTS: 0x4000000,
  CLONE_NEWIPC: 0x8000000,
  CLONE_NEWUSER: 0x10000000,
  CLONE_NEWPID: 0x20000000,
  CLONE_NEWNET: 0x40000000,
  MS_RDONLY: 1,
  MS_NOSUID: 2,
  MS_NODEV: 4,
  MS_NOEXEC: 8,
  MS_SYNCHRONOUS: 16,
  MS_REMOUNT: 32,
  MS_MANDLOCK: 64,
  MS_DIRSYNC: 128,
  MS_NOSYMFOLLOW: 256,
  MS_NOATIME: 1024,
  MS_NODIRATIME: 2048,
  MS_BIND: 4096,
  MS_MOVE: 8192,
  MS_REC: 16384,
  MS_SILENT: 32768,
  MS_UNBINDABLE: 1 << 17,
  MS_PRIVATE: 1 << 18,
  MS_SLAVE: 1 << 19,
  MS_SHARED: 1 << 20,
  MS_RELATIME: 1 << 21,
  MS_STRICTATIME: 1 << 24,
  MNT_FORCE: 1,
  MNT_DETACH: 2,
  MNT_EXPIRE: 4,
  UMOUNT_NOFOLLOW: 8,
  S_IFMT: 0o170000,
  S_IFIFO: 0o010000,
  S_IFCHR: 0o020000,
  S_IFDIR: 0o040000,
  S_IFBLK: 0o060000,
  S_IFREG: 0o100000,
  S_IFLNK: 0o120000,
  S_IFSOCK: 0o140000,
  IGNBRK: 0o1,
  BRKINT: 0o2,
  PARMRK: 0o10,
  ISTRIP: 0o40,
  INLCR: 0o100,
  IGNCR: 0o200,
  ICRNL: 0o400,
  IXON: 0o2000,
  OPOST: 0o1,
  ONLCR: 0o4,
  ISIG: 0o1,
  ICANON: 0o2,
  ECHO: 0o10,
  ECHONL: 0o100,
  IEXTEN: 0o100000,
  CSIZE: 0o60,
  CS8: 0o60,
  PARENB: 0o400,
  ...Object.fromEntries(Object.entries(osConstants.signals).filter(([k]) => k.startsWith('SIG'))),
});
