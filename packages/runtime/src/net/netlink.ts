// rtnetlink wire format: nlmsghdr framing, rtattr TLVs, ACK/error parsing and a request helper over a
// NETLINK_ROUTE socket the addon opened inside the right network namespace. See netlink(7),
// rtnetlink(7) and <linux/netlink.h>. Integers are host-endian; every Linux target we support is
// little-endian, which encode/parse assert once at load.
import { endianness } from 'node:os';
import type { NativeBindings } from '@nsinit/native';
import { NsinitError, systemError } from '@nsinit/native';

if (endianness() !== 'LE') throw new Error('netlink: big-endian hosts are not supported');

export const NLMSG_HDRLEN = 16;
export const NLMSG_NOOP = 1;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP = 0x300;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
/** Set on an ACK whose copy of the request was cut to its header (NETLINK_CAP_ACK). */
const NLM_F_CAPPED = 0x100;
/** Set on an ACK that carries extended-ack TLVs (NETLINK_EXT_ACK). */
const NLM_F_ACK_TLVS = 0x200;
const NLMSGERR_ATTR_MSG = 1;

export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

export const align4 = (n: number): number => (n + 3) & ~3;

/** One rtattr: raw bytes, or nested attributes (the kernel wants NLA_F_NESTED on some of them). */
export interface Attr {
  type: number;
  value: Uint8Array | Attr[];
}

export const attr = {
  u8: (type: number, v: number): Attr => ({ type, value: Uint8Array.of(v) }),
  u32: (type: number, v: number): Attr => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v >>> 0);
    return { type, value: b };
  },
  s32: (type: number, v: number): Attr => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return { type, value: b };
  },
  /** A NUL-terminated string, as the kernel's NLA_STRING/NLA_NUL_STRING policies accept. */
  str: (type: number, s: string): Attr => ({ type, value: Buffer.from(`${s}\0`, 'utf8') }),
  bytes: (type: number, b: Uint8Array): Attr => ({ type, value: b }),
  nested: (type: number, children: Attr[]): Attr => ({ type, value: children }),
};

function attrLength(a: Attr): number {
  const payload = Array.isArray(a.value) ? attrsLength(a.value) : a.value.length;
  return 4 + payload;
}

function attrsLength(list: Attr[]): number {
  return list.reduce((n, a) => n + align4(attrLength(a)), 0);
}

function writeAttrs(out: Buffer, offset: number, list: Attr[]): number {
  for (const a of list) {
    const len = attrLength(a);
    if (len > 0xffff) throw new RangeError(`netlink: attribute ${a.type} is too long (${len} bytes)`);
    out.writeUInt16LE(len, offset);
    out.writeUInt16LE(a.type, offset + 2);
    if (Array.isArray(a.value)) writeAttrs(out, offset + 4, a.value);
    else out.set(a.value, offset + 4);
    offset += align4(len);
  }
  return offset;
}

export function encodeAttrs(list: Attr[]): Buffer {
  const out = Buffer.alloc(attrsLength(list));
  writeAttrs(out, 0, list);
  return out;
}

export interface MessageHeader {
  type: number;
  flags: number;
  seq: number;
  pid?: number;
}

/** nlmsghdr + fixed family header (ifinfomsg, ifaddrmsg, rtmsg) + attributes. */
export function encodeMessage(h: MessageHeader, fixed: Uint8Array, attrs: Attr[] = []): Buffer {
  const body = align4(fixed.length);
  const len = NLMSG_HDRLEN + body + attrsLength(attrs);
  const out = Buffer.alloc(len);
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(h.type, 4);
  out.writeUInt16LE(h.flags, 6);
  out.writeUInt32LE(h.seq >>> 0, 8);
  out.writeUInt32LE((h.pid ?? 0) >>> 0, 12);
  out.set(fixed, NLMSG_HDRLEN);
  writeAttrs(out, NLMSG_HDRLEN + body, attrs);
  return out;
}

export interface Message extends Required<MessageHeader> {
  /** Everything after the nlmsghdr. */
  payload: Buffer;
}

/** Split one datagram into messages; a truncated or malformed frame is an error, never skipped. */
export function parseMessages(buf: Buffer): Message[] {
  const out: Message[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      throw new NsinitError(`netlink: malformed message at offset ${off} (length ${len} of ${buf.length})`, {
        code: 'ERR_NSINIT_NETLINK_PROTOCOL',
      });
    }
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

export interface ParsedAttr {
  type: number;
  nested: boolean;
  value: Buffer;
}

export function parseAttrs(buf: Buffer): ParsedAttr[] {
  const out: ParsedAttr[] = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    const raw = buf.readUInt16LE(off + 2);
    if (len < 4 || off + len > buf.length) break; // the kernel never sends these; stop rather than misread
    out.push({
      type: raw & NLA_TYPE_MASK,
      nested: (raw & NLA_F_NESTED) !== 0,
      value: buf.subarray(off + 4, off + len),
    });
    off += align4(len);
  }
  return out;
}

/** Last value of each attribute type (the kernel's own nla_parse semantics). */
export function attrMap(buf: Buffer): Map<number, Buffer> {
  return new Map(parseAttrs(buf).map((a) => [a.type, a.value]));
}

export const cstring = (b: Buffer): string => {
  const nul = b.indexOf(0);
  return b.toString('utf8', 0, nul === -1 ? b.length : nul);
};

export interface NetlinkAck {
  /** 0 for success, else a positive errno. */
  errno: number;
  /** The kernel's extended-ack text (NLMSGERR_ATTR_MSG), when it sent one. */
  message?: string;
}

/** struct nlmsgerr: int error; struct nlmsghdr request; [request payload unless capped]; [TLVs]. */
export function parseAck(m: Message): NetlinkAck {
  if (m.payload.length < 4) {
    throw new NsinitError('netlink: truncated error message', { code: 'ERR_NSINIT_NETLINK_PROTOCOL' });
  }
  const errno = -m.payload.readInt32LE(0) || 0; // no -0 for an ACK
  const ack: NetlinkAck = { errno };
  if (m.flags & NLM_F_ACK_TLVS && m.payload.length >= 4 + NLMSG_HDRLEN) {
    const requestLen = m.payload.readUInt32LE(4);
    const tlvStart = 4 + (m.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : align4(requestLen));
    const text = attrMap(m.payload.subarray(tlvStart)).get(NLMSGERR_ATTR_MSG);
    if (text) ack.message = cstring(text);
  }
  return ack;
}

/** What a request is about, for error messages: `RTM_NEWLINK 'veth1a2b'`. */
export interface RequestLabel {
  op: string;
  path?: string;
}

/**
 * A NETLINK_ROUTE socket bound to one network namespace. Requests are synchronous: the kernel
 * answers rtnetlink requests before sendmsg returns, so recv never waits on anything but the kernel.
 */
export class NetlinkSocket {
  #seq = Math.floor(Math.random() * 0x7fffffff);
  #fd: number;
  #native: Pick<NativeBindings, 'netlinkSend' | 'netlinkRecv' | 'close'>;

  constructor(native: Pick<NativeBindings, 'netlinkSend' | 'netlinkRecv' | 'close'>, fd: number) {
    this.#native = native;
    this.#fd = fd;
  }

  /** Open a socket inside the network namespace of `nsFd` (a netns fd or pidfd; -1 = ours). */
  static open(native: NativeBindings, nsFd: number): NetlinkSocket {
    return new NetlinkSocket(native, native.netlinkOpen(nsFd));
  }

  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    this.#native.close(fd);
  }

  /** A create/change request that must be acknowledged; throws the kernel's errno as a SystemError. */
  ack(type: number, flags: number, fixed: Uint8Array, attrs: Attr[], label: RequestLabel): void {
    const seq = this.#send(type, flags | NLM_F_REQUEST | NLM_F_ACK, fixed, attrs);
    for (;;) {
      for (const m of this.#recv()) {
        if (m.seq !== seq) continue; // a late answer to an earlier request on this socket
        if (m.type === NLMSG_ERROR) {
          this.#check(parseAck(m), label);
          return;
        }
      }
    }
  }

  /** A get request answered with one message (or an error). */
  get(type: number, fixed: Uint8Array, attrs: Attr[], label: RequestLabel): Message {
    const seq = this.#send(type, NLM_F_REQUEST, fixed, attrs);
    for (;;) {
      for (const m of this.#recv()) {
        if (m.seq !== seq) continue;
        if (m.type === NLMSG_ERROR) {
          this.#check(parseAck(m), label);
          throw new NsinitError(`netlink: ${label.op} was acknowledged without an answer`, {
            code: 'ERR_NSINIT_NETLINK_PROTOCOL',
          });
        }
        return m;
      }
    }
  }

  /** A dump request: every message up to NLMSG_DONE. */
  dump(type: number, fixed: Uint8Array, attrs: Attr[], label: RequestLabel): Message[] {
    const seq = this.#send(type, NLM_F_REQUEST | NLM_F_DUMP, fixed, attrs);
    const out: Message[] = [];
    for (;;) {
      for (const m of this.#recv()) {
        if (m.seq !== seq) continue;
        if (m.type === NLMSG_DONE) return out;
        if (m.type === NLMSG_ERROR) this.#check(parseAck(m), label);
        else if (m.type !== NLMSG_NOOP) out.push(m);
      }
    }
  }

  #send(type: number, flags: number, fixed: Uint8Array, attrs: Attr[]): number {
    if (this.#fd < 0)
      throw new NsinitError('netlink: socket is closed', { code: 'ERR_NSINIT_NETLINK_CLOSED' });
    this.#seq = (this.#seq + 1) >>> 0;
    this.#native.netlinkSend(this.#fd, encodeMessage({ type, flags, seq: this.#seq }, fixed, attrs));
    return this.#seq;
  }

  #recv(): Message[] {
    return parseMessages(this.#native.netlinkRecv(this.#fd));
  }

  #check(ack: NetlinkAck, label: RequestLabel): void {
    if (ack.errno === 0) return;
    const err = systemError(ack.errno, label.op, label.path);
    if (ack.message) {
      err.message += ` (${ack.message})`;
      (err as NsinitError & { extack?: string }).extack = ack.message;
    }
    throw err;
  }
}
