import type { Coin } from '../consensus/coin.js';
import { decodeCoin, decodeHistory, keys, readU32be } from './layout.js';
import type { ChainStore } from './store.js';

export interface AddressUtxo extends Coin {
  txid: Uint8Array;
  index: number;
}

export interface AddressHistoryItem {
  txid: Uint8Array;
  height: number;
  /** Base units paid to the address by this transaction. */
  received: bigint;
  /** Base units of the address's coins this transaction spent. */
  sent: bigint;
  /** Indexes of this transaction's outputs that pay the address. */
  outputs: number[];
}

/** The address's history records, oldest first, read one at a time. */
async function* historyOf(store: ChainStore, pkh: Uint8Array): AsyncGenerator<AddressHistoryItem> {
  const prefixLen = 1 + 20;
  for await (const [k, v] of store.scan(keys.addrHistoryPrefix(pkh))) {
    const height = readU32be(k, prefixLen);
    const txid = k.slice(prefixLen + 4, prefixLen + 36);
    yield { txid, height, ...decodeHistory(v) };
  }
}

/**
 * Confirmed unspent outputs paying to `pkh`, oldest first: the outputs the address's history
 * records point at that are still in the UTXO set. The history is streamed, never held whole.
 */
export async function addressUtxos(store: ChainStore, pkh: Uint8Array, limit = 100_000): Promise<AddressUtxo[]> {
  const out: AddressUtxo[] = [];
  for await (const h of historyOf(store, pkh)) {
    for (const index of h.outputs) {
      const raw = store.get(keys.coin(h.txid, index));
      if (!raw) continue;
      out.push({ ...decodeCoin(raw), txid: h.txid, index });
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** Confirmed transactions touching `pkh`, oldest first. */
export async function addressHistory(
  store: ChainStore,
  pkh: Uint8Array,
  limit = 100_000,
): Promise<AddressHistoryItem[]> {
  const out: AddressHistoryItem[] = [];
  for await (const h of historyOf(store, pkh)) {
    out.push(h);
    if (out.length >= limit) break;
  }
  return out;
}
