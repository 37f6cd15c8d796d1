import { sign } from '../../src/crypto/keys.js';
import type { Coin } from '../../src/consensus/coin.js';
import { makeCoinbase } from '../../src/consensus/coinbase.js';
import { SighashContext } from '../../src/consensus/sighash.js';
import { isCoinbase, txid, type OutPoint, type Transaction, type TxOutput } from '../../src/consensus/tx.js';
import type { TestKey } from './keys.js';

/** An unspent output together with where it is and the key that may spend it. */
export interface OwnedCoin {
  outpoint: OutPoint;
  coin: Coin;
  key: TestKey;
}

/** An output paying `value` base units to a key (or a raw pubKeyHash). */
export function payTo(to: TestKey | Uint8Array, value: bigint): TxOutput {
  return { value, pubKeyHash: to instanceof Uint8Array ? to : to.pkh };
}

/** A coinbase for `height` with the given outputs (extraNonce varies the txid at equal height). */
export function coinbaseTx(height: number, outputs: TxOutput[], extraNonce = 0n): Transaction {
  return makeCoinbase({ height, extraNonce, outputs });
}

/** The coins a transaction creates, as the UTXO set would record them at `height`. */
export function coinsOf(tx: Transaction, height: number, key: TestKey): OwnedCoin[] {
  const id = txid(tx);
  const coinbase = isCoinbase(tx);
  return tx.outputs.map((o, index) => ({ outpoint: { txid: id, index }, coin: { ...o, height, coinbase }, key }));
}

export interface SpendSpec {
  /** Coins to spend, in input order, each signed with its own key. */
  inputs: readonly OwnedCoin[];
  outputs: TxOutput[];
  /** The network's genesis hash: the signature digest commits to it. */
  genesisHash: Uint8Array;
  version?: number;
  lockTime?: number;
}

/**
 * A fully signed spend: unlock = compressed pubkey || low-S compact signature over the
 * network's signature digest for each input. The digest does not cover unlocks, so the
 * transaction is built first and signed input by input in place.
 */
export function signSpend(spec: SpendSpec): Transaction {
  const tx: Transaction = {
    version: spec.version ?? 1,
    inputs: spec.inputs.map((c) => ({
      prevTxid: c.outpoint.txid,
      prevIndex: c.outpoint.index,
      unlock: new Uint8Array(97),
    })),
    outputs: spec.outputs,
    lockTime: spec.lockTime ?? 0,
  };
  const ctx = new SighashContext(tx, spec.genesisHash);
  spec.inputs.forEach((c, i) => {
    const unlock = new Uint8Array(97);
    unlock.set(c.key.pub, 0);
    unlock.set(sign(ctx.digest(i, c.coin), c.key.priv), 33);
    tx.inputs[i]!.unlock = unlock;
  });
  return tx;
}

/** The Coin records `signSpend` inputs refer to, in input order (what checkTxInputs takes). */
export function spentCoins(inputs: readonly OwnedCoin[]): Coin[] {
  return inputs.map((c) => c.coin);
}

/** A deep copy, so a test can damage one field without touching the original. */
export function cloneTx(tx: Transaction): Transaction {
  return {
    version: tx.version,
    inputs: tx.inputs.map((i) => ({ prevTxid: i.prevTxid.slice(), prevIndex: i.prevIndex, unlock: i.unlock.slice() })),
    outputs: tx.outputs.map((o) => ({ value: o.value, pubKeyHash: o.pubKeyHash.slice() })),
    lockTime: tx.lockTime,
  };
}
