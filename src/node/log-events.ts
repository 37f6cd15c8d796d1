import type { Chain } from '../chain/chain.js';
import { hashToHex } from '../encoding/hex.js';
import type { NetService } from '../net/service.js';
import type { Logger } from './logger.js';

/** Logging subscribes to what the chain and network announce; it lives beside the logic, not in it. */
export function wireLogging(log: Logger, chain: Chain, net: NetService): void {
  chain.on('tip', (e) => log.info({ height: e.height, hash: hashToHex(e.hash), txs: e.txCount }, 'new tip'));
  chain.on('reorg', ({ fork, disconnected, connected }) =>
    log.warn(
      {
        fork: hashToHex(fork.hash),
        forkHeight: fork.height,
        disconnected: disconnected.length,
        connected: connected.length,
      },
      'reorganisation',
    ),
  );
  chain.on('block-invalid', (i) => log.warn({ ...i, hash: hashToHex(i.hash) }, 'invalid block'));
  chain.on('orphan', (i) =>
    log.debug({ ...i, hash: hashToHex(i.hash), missing: hashToHex(i.missing) }, 'orphan block'),
  );
  net.on('peer:connect', (i) => log.info(i, 'peer connected'));
  net.on('peer:disconnect', (i) => log.info(i, 'peer disconnected'));
  net.on('ban', (b) => log.warn(b, 'peer banned'));
  net.on('evict', (i) => log.info(i, 'inbound peer evicted to make room for a new one'));
  net.on('penalty', (p) => log.debug(p, 'peer penalised'));
  net.on('wrong-network', (p) => log.info(p, 'peer is on another network; disconnected'));
  net.on('error', (err) => log.error({ err }, 'network error'));
  net.on('warning', (err) => log.warn({ err }, err.message));
}
