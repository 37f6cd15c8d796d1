/**
 * A benchmark peer in its own process (started by peers.ts with fork): a Chain and a NetService
 * on 127.0.0.1, driven over IPC. It reports every block it validates and every new tip with a
 * wall-clock timestamp so the parent can time propagation across processes.
 */
import { Chain } from '../chain/chain.js';
import { decodeBlockWithTxids } from '../consensus/block.js';
import { networks } from '../consensus/params/networks.js';
import { VerifyPool } from '../crypto/verify-pool.js';
import { hashToHex } from '../encoding/hex.js';
import { NetService } from '../net/service.js';
import { wallMs } from './timing.js';

export type ToPeer =
  | { type: 'start'; location: string; threads: number; clockFloor: number }
  | { type: 'connect'; addr: string }
  | { type: 'publish'; bytes: Uint8Array }
  | { type: 'stop' };

export type FromPeer =
  | { type: 'ready'; addrs: string[]; peerId: string; height: number }
  | { type: 'connected'; addr: string }
  | { type: 'tip'; height: number; hash: string; t: number }
  | { type: 'validated'; height: number; hash: string; t: number }
  /** A compact block arrived (t: when its message reached the validator) from the peer `from`. */
  | { type: 'arrived'; hash: string; from: string; t: number }
  | { type: 'published'; hash: string; t: number; peers: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

let chain: Chain | undefined;
let net: NetService | undefined;
let pool: VerifyPool | undefined;

const send = (m: FromPeer): void => {
  process.send?.(m);
};

async function handle(m: ToPeer): Promise<void> {
  switch (m.type) {
    case 'start': {
      const params = networks.regtest;
      pool = new VerifyPool({ size: m.threads });
      const clock = () => Math.max(Math.floor(Date.now() / 1000), m.clockFloor);
      chain = await Chain.open({ params, location: m.location, verifier: pool, clock });
      chain.on('tip', (e) => send({ type: 'tip', height: e.height, hash: hashToHex(e.hash), t: wallMs() }));
      chain.on('validated', (e) => send({ type: 'validated', height: e.height, hash: hashToHex(e.hash), t: wallMs() }));
      // The benchmark builds the topology: no DHT, no outbound keeper of its own.
      net = new NetService({ chain, clock, discovery: false });
      net.on('compact', (o) => send({ type: 'arrived', hash: o.hash, from: o.from, t: wallMs() - o.reconstructMs }));
      await net.start();
      send({ type: 'ready', addrs: net.listenAddresses(), peerId: net.peerId, height: chain.height });
      return;
    }
    case 'connect':
      await net!.connect(m.addr);
      send({ type: 'connected', addr: m.addr });
      return;
    case 'publish': {
      const block = decodeBlockWithTxids(m.bytes);
      const r = await chain!.processBlock(block, { bytes: m.bytes, txids: block.txids, source: 'bench' });
      if (r.status !== 'connected') throw new Error(`publisher did not connect the block: ${JSON.stringify(r)}`);
      const t = wallMs();
      const peers = await net!.publishBlock(block, m.bytes);
      send({ type: 'published', hash: hashToHex(r.hash), t, peers });
      return;
    }
    case 'stop':
      await net?.stop();
      await chain?.close();
      await pool?.close();
      send({ type: 'stopped' });
      process.disconnect?.();
      return;
  }
}

process.on('message', (m: ToPeer) => {
  handle(m).catch((err: Error) => send({ type: 'error', message: err.stack ?? err.message }));
});
// The parent went away (crash, Ctrl-C): nothing left to serve.
process.on('disconnect', () => process.exit(0));
