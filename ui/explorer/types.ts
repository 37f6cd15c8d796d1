/** The JSON the node's /api/ answers (src/node/http/explorer-api.ts); field names are the RPC's. */

export interface ChainInfo {
  chain: string;
  blocks: number;
  bestblockhash: string;
  difficulty: number;
  time: number;
  mediantime: number;
  chainwork: string;
  initialblockdownload: boolean;
  orphans: number;
}

export interface Summary {
  chain: ChainInfo;
  mempool: { size: number; bytes: number; usage: number; maxmempool: number; mempoolminfee: number };
  mining: { networkhashps: number; generate: boolean; hashespersec: number; difficulty: number };
  network: { connections: number; peerid: string; subversion: string };
}

export interface Header {
  hash: string;
  confirmations: number;
  height: number;
  version: number;
  merkleroot: string;
  time: number;
  mediantime: number;
  nonce: number;
  bits: string;
  difficulty: number;
  chainwork: string;
  nTx: number;
  previousblockhash?: string;
  nextblockhash?: string;
  size?: number;
}

export interface TxIn {
  coinbase?: string;
  txid?: string;
  vout?: number;
  pubkey?: string;
}

export interface TxOut {
  value: number;
  n: number;
  address: string;
}

export interface Tx {
  txid: string;
  size: number;
  locktime: number;
  vin: TxIn[];
  vout: TxOut[];
  blockhash?: string;
  confirmations?: number;
  blocktime?: number;
}

export interface Block extends Header {
  size: number;
  tx: Tx[];
  status: 'main' | 'side' | 'invalid';
}

export interface TxPage extends Tx {
  status: 'mempool' | 'confirmed';
  inputs: { coinbase?: boolean; address?: string; value?: number | null }[];
  fee: number | null;
}

export interface AddressPage {
  address: string;
  balance: { balance: number; spendable: number; immature: number; unconfirmed: number; received: number };
  transactions: number;
  history: {
    txid: string;
    height: number;
    blockhash?: string;
    confirmations: number;
    received: number;
    sent: number;
  }[];
  unspent: number;
  utxos: {
    txid: string;
    outputIndex: number;
    value: number;
    height: number;
    confirmations: number;
    coinbase: boolean;
  }[];
}

export interface MempoolPage {
  info: { size: number; bytes: number; usage: number; maxmempool: number; mempoolminfee: number };
  txs: {
    txid: string;
    size: number;
    fee: number;
    feerate: number;
    time: number;
    outputs: { address: string; value: number }[];
  }[];
}

export interface Peer {
  id: number;
  peerid: string;
  addr: string;
  inbound: boolean;
  conntime: number;
  startingheight: number;
  synced_blocks: number;
  banscore: number;
  pingtime?: number;
}

export type { BlockTree as Tree } from '../../src/node/http/tree-types.js';

export type SearchResult =
  | { kind: 'block'; hash: string; height: number }
  | { kind: 'tx'; txid: string; blockhash?: string }
  | { kind: 'address'; address: string };
