import { RpcError, RpcErrorCode } from '../../rpc/errors.js';
import type { RpcMethod } from '../../rpc/server.js';
import type { NodeContext } from '../context.js';
import { networkTag } from '../../net/protocol.js';
import { hashToHex } from '../../encoding/hex.js';
import { p } from './params.js';
import { Coins } from '../../rpc/json.js';

/** `host:port` → a TCP multiaddr; a multiaddr passes through. */
export function toMultiaddr(node: string): string {
  if (node.startsWith('/')) return node;
  const m = /^([\w.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(node);
  if (!m) throw new RpcError(RpcErrorCode.InvalidParameter, `'${node}' is neither a multiaddr nor host:port`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const proto = host.includes(':') ? 'ip6' : /^\d+\.\d+\.\d+\.\d+$/.test(host) ? 'ip4' : 'dns4';
  return `/${proto}/${host}/tcp/${m[2]}`;
}

export function networkMethods(ctx: NodeContext): Record<string, RpcMethod> {
  const { net } = ctx;
  return {
    getpeerinfo: () =>
      net.peers().map((peer, id) => ({
        id,
        peerid: peer.id,
        addr: peer.addresses[0],
        inbound: peer.direction === 'inbound',
        conntime: peer.connectedAt,
        startingheight: peer.status?.height ?? -1,
        synced_blocks: peer.status?.height ?? -1,
        banscore: peer.penalty,
        // bitcoind's field: the round trip in seconds (libp2p's last ping, else the status
        // exchange's), absent until one was measured.
        pingtime: peer.latencyMs === undefined ? undefined : peer.latencyMs / 1000,
        // What the peer made this node spend (units by kind, each charged to banscore).
        costs: peer.costs,
        // bitcoind's names: seconds since the epoch of the last new block / accepted transaction it gave.
        last_block: Math.floor(peer.lastBlockAt / 1000),
        last_transaction: Math.floor(peer.lastTxAt / 1000),
      })),
    getnetworkinfo: () => ({
      version: 100,
      subversion: '/powchain:0.1.0/',
      protocolversion: 1,
      localrelay: true,
      connections: net.peers().length,
      connections_in: net.peers().filter((x) => x.direction === 'inbound').length,
      connections_out: net.peers().filter((x) => x.direction === 'outbound').length,
      networkactive: true,
      reachability: net.reachability(),
      addressbook: net.addressBook(),
      networks: [{ name: networkTag(ctx.params), genesis: hashToHex(ctx.params.genesisHash) }],
      localaddresses: net.listenAddresses(),
      peerid: net.peerId,
      relayfee: new Coins(BigInt(ctx.mempool.opts.minRelayFeeRate)),
      warnings: '',
    }),
    getconnectioncount: () => net.peers().length,
    getnodeaddresses: (a) => {
      const count = p.int(a, 0, 'count', 1, 0, 2_000);
      return net.knownAddresses(count === 0 ? 2_000 : count).map((e) => ({
        time: e.lastSuccess,
        peerid: e.id,
        addresses: e.addrs,
      }));
    },
    addnode: async (a) => {
      const addr = toMultiaddr(p.str(a, 0, 'node'));
      const command = p.str(a, 1, 'command');
      if (command === 'add') net.addPersistentPeer(addr);
      else if (command === 'remove') {
        if (!net.removePersistentPeer(addr)) throw new RpcError(RpcErrorCode.NodeNotAdded, 'Node has not been added');
      } else if (command === 'onetry') {
        try {
          await net.connect(addr);
        } catch (err) {
          throw new RpcError(RpcErrorCode.Misc, `could not connect to ${addr}: ${(err as Error).message}`);
        }
      } else throw new RpcError(RpcErrorCode.InvalidParameter, "command must be 'add', 'remove' or 'onetry'");
      return null;
    },
    disconnectnode: async (a) => {
      const target = p.str(a, 0, 'node');
      const peer = net
        .peers()
        .find(
          (x) =>
            x.id === target || x.addresses.some((ad) => ad === target || ad.startsWith(`${toMultiaddrSafe(target)}`)),
        );
      if (!peer || !(await net.disconnect(peer.id)))
        throw new RpcError(RpcErrorCode.NodeNotConnected, 'Node not found in connected nodes');
      return null;
    },
    setban: async (a) => {
      const peerId = p.str(a, 0, 'peerid');
      const command = p.str(a, 1, 'command');
      if (command === 'add') {
        const seconds = p.int(a, 2, 'bantime', 24 * 3600, 1);
        await net.ban(peerId, seconds, 'setban');
      } else if (command === 'remove') {
        if (!net.bans.unban(peerId)) throw new RpcError(RpcErrorCode.InvalidIpOrSubnet, 'Peer was not banned');
      } else throw new RpcError(RpcErrorCode.InvalidParameter, "command must be 'add' or 'remove'");
      return null;
    },
    listbanned: () =>
      net.bans
        .list()
        .map((b) => ({ address: b.peerId, ban_created: b.created, banned_until: b.until, ban_reason: b.reason })),
    clearbanned: () => {
      net.bans.clear();
      return null;
    },
  };
}

function toMultiaddrSafe(s: string): string {
  try {
    return toMultiaddr(s);
  } catch {
    return s;
  }
}
