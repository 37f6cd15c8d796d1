import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { isPrivateAddress } from '../address-group.js';
import { DiscoveryError } from './errors.js';

/** Multiaddr protocols a dialable address may start with, and the transport it must name next. */
const HOST_PROTOCOLS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6']);

/**
 * A dialable TCP address: `/ip4|ip6|dns|dns4|dns6/<host>/tcp/<port>`, optionally followed by
 * `/p2p/<peer id>` when `peerId` is 'allowed' (a peer's address) and never when 'forbidden' (our
 * own, to which libp2p adds our id). Throws DiscoveryError('bad-address').
 */
export function parseTcpAddress(text: string, peerId: 'allowed' | 'forbidden' | 'required' = 'allowed'): Multiaddr {
  let ma: Multiaddr;
  try {
    ma = multiaddr(text);
  } catch (err) {
    throw new DiscoveryError('bad-address', `'${text}' is not a multiaddr (${(err as Error).message})`);
  }
  const parts = ma.getComponents();
  const [host, tcp, p2p, ...rest] = parts;
  if (!host || !HOST_PROTOCOLS.has(host.name) || tcp?.name !== 'tcp')
    throw new DiscoveryError('bad-address', `'${text}' must be /ip4, /ip6 or /dns followed by /tcp/<port>`);
  if (Number(tcp.value) < 1 || Number(tcp.value) > 65535)
    throw new DiscoveryError('bad-address', `'${text}' has no valid TCP port`);
  if (rest.length > 0 || (p2p && p2p.name !== 'p2p'))
    throw new DiscoveryError('bad-address', `'${text}' has more after /tcp/<port> than a /p2p/<peer id>`);
  if (p2p && peerId === 'forbidden') throw new DiscoveryError('bad-address', `'${text}': leave out /p2p/<peer id>`);
  if (!p2p && peerId === 'required') throw new DiscoveryError('bad-address', `'${text}' has no /p2p/<peer id>`);
  return ma;
}

export interface AnnounceOptions {
  /** Addresses given with --announce: advertised as they are, whatever their range. */
  announce: readonly string[];
  /** --no-announce: advertise no address at all (a node that only dials out). */
  noAnnounce: boolean;
  /** Private and reserved ranges may be advertised: every network but main, or main when told. */
  allowPrivate: boolean;
}

/**
 * What this node tells others it can be reached at (identify, the DHT, peer exchange), as
 * libp2p's `addresses.announce` and `addresses.announceFilter`:
 * - `--no-announce`: nothing;
 * - `--announce <addr>`: those addresses, always (an operator behind a port forward knows best);
 * - otherwise the listen and confirmed observed addresses, without private and reserved ranges
 *   on main unless `allowPrivate`: a 192.168.x.x advertised to the internet only sends strangers
 *   dialling into someone else's LAN.
 */
export function announcePolicy(o: AnnounceOptions): {
  announce: string[];
  announceFilter: (addrs: Multiaddr[]) => Multiaddr[];
} {
  const explicit = o.announce.map((a) => parseTcpAddress(a, 'forbidden'));
  const told = new Set(explicit.map((m) => m.toString()));
  return {
    announce: o.noAnnounce ? [] : explicit.map((m) => m.toString()),
    announceFilter: (addrs) =>
      o.noAnnounce
        ? []
        : addrs.filter((a) => told.has(a.decapsulateCode(421).toString()) || o.allowPrivate || !isPrivateAddress(a)),
  };
}
