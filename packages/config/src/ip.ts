// Parsing of the IP addresses and CIDR prefixes that networks and routes hand to rtnetlink(7)
// (RTM_NEWADDR, RTM_NEWROUTE): dotted IPv4 as inet_pton(3) accepts it, and RFC 4291 IPv6 text.
// Written without node:net so the package also runs in browsers.

export type IpFamily = 4 | 6;

function isIPv4(text: string): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  // inet_pton(AF_INET) takes exactly four decimal octets, no leading zeros beyond "0" itself.
  return parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

function isIPv6(text: string): boolean {
  if (text.length === 0 || text.includes('%')) return false;
  let body = text;
  let groupsNeeded = 8;
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.slice(lastColon + 1).includes('.')) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two 16-bit groups.
    if (!isIPv4(body.slice(lastColon + 1))) return false;
    body = `${body.slice(0, lastColon + 1)}0`;
    groupsNeeded = 7;
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...head, ...tail].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = head.length + tail.length;
  return halves.length === 2 ? count < groupsNeeded : count === groupsNeeded;
}

/** The family of a literal IP address, or undefined if the text is not one. */
export function ipFamily(text: string): IpFamily | undefined {
  if (isIPv4(text)) return 4;
  if (isIPv6(text)) return 6;
  return undefined;
}

/** The family of "address/prefix" (the prefix length is required and within the family's width),
 *  or undefined when the text does not parse. */
export function cidrFamily(text: string): IpFamily | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const family = ipFamily(text.slice(0, slash));
  const prefix = text.slice(slash + 1);
  if (family === undefined || !/^(0|[1-9]\d{0,2})$/.test(prefix)) return undefined;
  return Number(prefix) <= (family === 4 ? 32 : 128) ? family : undefined;
}
