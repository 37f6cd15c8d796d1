import { isIPv4, isIPv6 } from 'node:net';
import { isPrivateIp } from '@libp2p/utils/private-ip';
import type { Multiaddr } from '@multiformats/multiaddr';

/** The IP address a multiaddr starts with, or undefined (DNS names, other transports). */
export function ipOf(ma: Multiaddr): string | undefined {
  const [first] = ma.stringTuples();
  if (!first) return undefined;
  const [code, value] = first;
  // 4 = ip4, 41 = ip6 (the multicodec table).
  return code === 4 || code === 41 ? value : undefined;
}

/** The eight 16-bit groups of an IPv6 address ('::' expanded, an embedded IPv4 tail converted). */
function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase().split('%')[0]!;
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail) {
    const [a, b, c, d] = v4tail[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -v4tail[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

/**
 * The address group of an IP: its /16 for IPv4, its /32 for IPv6 (roughly one operator's network,
 * as bitcoind's GetGroup), so many addresses from one place count as one. An IPv4 address mapped
 * into IPv6 is grouped as the IPv4 address. Anything that is not an IP is a group of its own.
 */
export function addressGroup(ip: string | undefined): string {
  if (!ip) return 'unknown';
  if (isIPv4(ip)) {
    const [a, b] = ip.split('.');
    return `ipv4:${a}.${b}`;
  }
  if (isIPv6(ip)) {
    const g = ipv6Groups(ip);
    if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `ipv4:${g[6]! >> 8}.${g[6]! & 0xff}`;
    return `ipv6:${g[0]!.toString(16)}:${g[1]!.toString(16)}`;
  }
  return ip;
}

/** The address group of a multiaddr's IP (addressGroup). */
export function multiaddrGroup(ma: Multiaddr): string {
  return addressGroup(ipOf(ma));
}

/**
 * Whether a multiaddr points into a private, loopback, link-local or reserved range (RFC 1918,
 * 100.64/10, 127/8, 169.254/16, the documentation and benchmark ranges such as 198.18/15, fc00::/7,
 * fe80::/10, ::1 ...): an address nobody on the internet can dial. libp2p's own list
 * (@libp2p/utils), so the DHT and AutoNAT judge addresses the same way. A DNS name is public.
 */
export function isPrivateAddress(ma: Multiaddr): boolean {
  const ip = ipOf(ma);
  if (ip === undefined) return false;
  if (ip === '::' || ip === '0.0.0.0') return true;
  return isPrivateIp(ip) ?? true;
}
