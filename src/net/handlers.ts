import type { Chain } from '../chain/chain.js';
import { encodeTx } from '../consensus/tx.js';
import { bytesToHex } from '../encoding/hex.js';
import type { Mempool } from '../mempool/mempool.js';
import {
  decodeHashes,
  decodeHeadersRequest,
  decodeMempoolRequest,
  decodeStatusRequest,
  encodeHashes,
  encodeHeaders,
  encodeStatus,
  MAX_FRAME_BYTES,
  NOT_HERE,
  type StatusMessage,
} from './messages.js';
import { LIMITS, type WireNames } from './protocol.js';
import { ProtocolError, type Handler } from './reqresp.js';
import { DecodeError } from '../encoding/errors.js';

export function ourStatus(chain: Chain): StatusMessage {
  const tip = chain.tip;
  return {
    network: chain.params.name,
    genesis: chain.params.genesisHash,
    tip: tip.hash,
    height: tip.height,
    chainWork: tip.chainWork,
  };
}

/** Decoding failures of a request are the requester's fault: a bad frame. */
export function decoding<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError) throw new ProtocolError('bad-frame', err.message);
    throw err;
  }
}

/**
 * The four request/response protocols, answered from the chain and the mempool. `recentBlock`
 * answers for a block validated and relayed but maybe not written yet (compact relay's cache).
 */
export function protocolHandlers(
  names: WireNames,
  chain: Chain,
  mempool: Mempool | undefined,
  recentBlock: (hash: Uint8Array) => Uint8Array | undefined = () => undefined,
): Handler[] {
  return [
    {
      protocol: names.status,
      maxRequestBytes: MAX_FRAME_BYTES.statusRequest,
      respond: (req) => {
        // The request is an empty frame: anything else is garbage and costs the sender.
        decoding(() => decodeStatusRequest(req));
        return [encodeStatus(ourStatus(chain))];
      },
    },
    {
      protocol: names.headers,
      maxRequestBytes: MAX_FRAME_BYTES.headersRequest,
      respond: (req) => {
        const { locator, stop } = decoding(() => decodeHeadersRequest(req));
        return [encodeHeaders(chain.headersAfter(locator, stop, LIMITS.maxHeaders))];
      },
    },
    {
      protocol: names.blocks,
      maxRequestBytes: MAX_FRAME_BYTES.blocksRequest,
      respond: (req) => {
        const hashes = decoding(() => decodeHashes(req, LIMITS.maxBlocksPerRequest));
        // The same block asked for twice is a way to make us hold it twice.
        if (new Set(hashes.map(bytesToHex)).size !== hashes.length)
          throw new ProtocolError('bad-frame', 'duplicate hashes in a blocks request');
        // "Not here" for a block we lack: the requester tries another peer.
        return hashes.map((h) => chain.getBlockBytes(h) ?? recentBlock(h) ?? NOT_HERE);
      },
    },
    {
      protocol: names.mempool,
      maxRequestBytes: MAX_FRAME_BYTES.mempoolRequest,
      respond: (req) => {
        const request = decoding(() => decodeMempoolRequest(req));
        if (request.kind === 'list') {
          const ids = (mempool?.all() ?? []).slice(0, LIMITS.maxMempoolIds).map((e) => e.txid);
          return [encodeHashes(ids)];
        }
        return request.txids.map((id) => {
          const e = mempool?.get(bytesToHex(id));
          return e ? encodeTx(e.tx) : NOT_HERE;
        });
      },
    },
  ];
}
