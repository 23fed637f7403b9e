// Interface addresses over rtnetlink (RTM_NEWADDR with an ifaddrmsg header) and the IP/CIDR parsing
// both addresses and routes need. See rtnetlink(7) ("RTM_NEWADDR") and <linux/if_addr.h>.
import { net } from '../builtins.js';
import { attr, attrMap, type NetlinkSocket, NLM_F_CREATE, NLM_F_EXCL } from './netlink.js';

export const RTM_NEWADDR = 20;
export const RTM_GETADDR = 22;
export const AF_INET = 2;
export const AF_INET6 = 10;
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;

export interface Ip {
  family: typeof AF_INET | typeof AF_INET6;
  bytes: Buffer;
  text: string;
}

export interface Cidr extends Ip {
  prefix: number;
}

/** '172.17.0.2' or 'fd00::2' to network-order bytes; null when it is not an IP literal. */
export function parseIp(text: string): Ip | null {
  const v = net().isIP(text);
  if (v === 4) return { family: AF_INET, bytes: Buffer.from(text.split('.').map(Number)), text };
  if (v !== 6) return null;
  let s = text;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    s = s.slice(0, -v4[1]!.length);
    if (s.endsWith(':') && !s.endsWith('::')) s = s.slice(0, -1);
  }
  const [head = '', rest] = s.split('::') as [string, string | undefined];
  const words = (p: string) => (p === '' ? [] : p.split(':').map((w) => Number.parseInt(w, 16)));
  const hi = words(head);
  const lo = [...words(rest ?? ''), ...tail];
  const fill = rest === undefined ? [] : new Array(8 - hi.length - lo.length).fill(0);
  const all = rest === undefined ? [...hi, ...tail] : [...hi, ...fill, ...lo];
  const bytes = Buffer.alloc(16);
  for (const [i, w] of all.entries()) bytes.writeUInt16BE(w, i * 2);
  return { family: AF_INET6, bytes, text };
}

/** '172.17.0.101/16' → address and prefix length; null when malformed. A bare IP gets the host prefix. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (!ip) return null;
  const max = ip.family === AF_INET ? 32 : 128;
  if (slash === -1) return { ...ip, prefix: max };
  const p = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p) || Number(p) > max) return null;
  return { ...ip, prefix: Number(p) };
}

/** struct ifaddrmsg { u8 family; u8 prefixlen; u8 flags; u8 scope; u32 index; } */
export function ifaddrmsg(family: number, prefix: number, index: number, scope = 0): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(family, 0);
  b.writeUInt8(prefix, 1);
  b.writeUInt8(scope, 3);
  b.writeUInt32LE(index, 4);
  return b;
}

/** Add `cidr` to link `index`: IFA_LOCAL and IFA_ADDRESS both the address (no peer), EXCL so a
 *  taken address is an error (EEXIST) instead of a silent no-op. */
export function addAddress(sock: NetlinkSocket, index: number, cidr: Cidr, ifname: string): void {
  sock.ack(
    RTM_NEWADDR,
    NLM_F_CREATE | NLM_F_EXCL,
    ifaddrmsg(cidr.family, cidr.prefix, index),
    [attr.bytes(IFA_LOCAL, cidr.bytes), attr.bytes(IFA_ADDRESS, cidr.bytes)],
    { op: 'RTM_NEWADDR', path: `${cidr.text}/${cidr.prefix} dev ${ifname}` },
  );
}

export interface Address {
  index: number;
  family: number;
  prefix: number;
  address: string;
}

function formatIp(family: number, b: Buffer): string {
  if (family === AF_INET) return [...b.subarray(0, 4)].join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(b.readUInt16BE(i).toString(16));
  return words.join(':'); // uncompressed: compare with parseIp(...).bytes, not as text
}

export function listAddresses(sock: NetlinkSocket, family = 0): Address[] {
  return sock.dump(RTM_GETADDR, ifaddrmsg(family, 0, 0), [], { op: 'RTM_GETADDR' }).map((m) => {
    const attrs = attrMap(m.payload.subarray(8));
    const fam = m.payload.readUInt8(0);
    const raw = attrs.get(IFA_LOCAL) ?? attrs.get(IFA_ADDRESS) ?? Buffer.alloc(16);
    return {
      family: fam,
      prefix: m.payload.readUInt8(1),
      index: m.payload.readUInt32LE(4),
      address: formatIp(fam, raw),
    };
  });
}
