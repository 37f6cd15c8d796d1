import type { Coin } from '../consensus/coin.js';
import { decodeCoin, decodeHistory, keys } from './layout.js';
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
}

/** Confirmed unspent outputs paying to `pkh`. */
export async function addressUtxos(store: ChainStore, pkh: Uint8Array, limit = 100_000): Promise<AddressUtxo[]> {
  const out: AddressUtxo[] = [];
  const prefixLen = 1 + 20;
  for await (const [k, v] of store.scan(keys.addrCoinPrefix(pkh))) {
    const txid = k.slice(prefixLen, prefixLen + 32);
    const index = new DataView(k.buffer, k.byteOffset + prefixLen + 32, 4).getUint32(0, false);
    out.push({ ...decodeCoin(v), txid, index });
    if (out.length >= limit) break;
  }
  return out;
}

/** Confirmed transactions touching `pkh`, oldest first. */
export async function addressHistory(store: ChainStore, pkh: Uint8Array, limit = 100_000): Promise<AddressHistoryItem[]> {
  const out: AddressHistoryItem[] = [];
  const prefixLen = 1 + 20;
  for await (const [k, v] of store.scan(keys.addrHistoryPrefix(pkh))) {
    const height = new DataView(k.buffer, k.byteOffset + prefixLen, 4).getUint32(0, false);
    const txid = k.slice(prefixLen + 4, prefixLen + 36);
    out.push({ txid, height, ...decodeHistory(v) });
    if (out.length >= limit) break;
  }
  return out;
}
