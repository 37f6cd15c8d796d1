/**
 * powchain's wire names and the status message, written from docs/protocol.md rather than taken
 * from src/net: the hostile peer must speak the protocol as an outsider would, so a mistake in the
 * node's own encoders cannot hide behind an identical mistake here. Only powchain's library
 * (src/index.ts) is used, as any outside client could.
 */
import { ByteReader, ByteWriter, hashToHex, type NetworkParams } from '../../index.js';

export interface Wire {
  blockTopic: string;
  txTopic: string;
  status: string;
  headers: string;
  blocks: string;
  mempool: string;
}

/** `/powchain/<network>-<first 16 hex digits of the displayed genesis hash>/...` */
export function wireFor(params: NetworkParams): Wire {
  const tag = `${params.name}-${hashToHex(params.genesisHash).slice(0, 16)}`;
  return {
    blockTopic: `/powchain/${tag}/block`,
    txTopic: `/powchain/${tag}/tx`,
    status: `/powchain/${tag}/status/1`,
    headers: `/powchain/${tag}/headers/1`,
    blocks: `/powchain/${tag}/blocks/1`,
    mempool: `/powchain/${tag}/mempool/1`,
  };
}

export interface Status {
  network: string;
  genesis: Uint8Array;
  tip: Uint8Array;
  height: number;
  chainWork: bigint;
}

/** network (varint length + UTF-8) | genesis 32 | tip 32 | height u32 LE | chain work 32 bytes big-endian. */
export function encodeStatus(s: Status): Uint8Array {
  const work = new Uint8Array(32);
  let w = s.chainWork;
  for (let i = 31; i >= 0; i--, w >>= 8n) work[i] = Number(w & 0xffn);
  return new ByteWriter(128)
    .varBytes(new TextEncoder().encode(s.network))
    .bytes(s.genesis)
    .bytes(s.tip)
    .u32(s.height)
    .bytes(work)
    .finish();
}

export function decodeStatus(b: Uint8Array): Status {
  const r = new ByteReader(b);
  const network = new TextDecoder().decode(r.varBytes(32, 'network'));
  const genesis = r.take(32);
  const tip = r.take(32);
  const height = r.u32();
  let chainWork = 0n;
  for (const byte of r.take(32)) chainWork = (chainWork << 8n) | BigInt(byte);
  r.end('status');
  return { network, genesis, tip, height, chainWork };
}
