import type { TxOutput } from './tx.js';

/** An unspent output as the UTXO set keeps it: the output plus where it was created. */
export interface Coin extends TxOutput {
  height: number;
  coinbase: boolean;
}
