import { MAX_MONEY } from '../consensus/amounts.js';
import type { NetworkParams } from '../consensus/params/types.js';
import { checkTransaction, SPEND_UNLOCK_BYTES } from '../consensus/rules/tx.js';
import { SighashContext } from '../consensus/sighash.js';
import { outpointKey, txSize, type Transaction, type TxOutput } from '../consensus/tx.js';
import { AddressError, decodeAddress, encodeAddress } from '../crypto/address.js';
import { hash160 } from '../crypto/hash.js';
import { isValidPrivateKey, publicKeyFromPrivate, sign } from '../crypto/keys.js';
import { bytesToHex, hexToHash } from '../encoding/hex.js';
import { WalletError } from './errors.js';

/**
 * Building and signing a spend, pure and synchronous (exported by the library as well):
 * buildTransaction turns coins and payments into an unsigned transaction and checks the money;
 * signTransaction signs every input with the digest of design §3 and returns the finished
 * transaction, checked by consensus' checkTransaction.
 */

/** A coin to spend: an output of an earlier transaction that `pubKeyHash` (or `address`) owns. */
export interface CoinToSpend {
  /** The funding transaction: display hex (as RPC prints it) or 32 bytes in internal order. */
  txid: string | Uint8Array;
  index: number;
  /** Base units. */
  value: bigint;
  pubKeyHash?: Uint8Array;
  address?: string;
}

/** A payment: `value` base units to an address (or a raw 20-byte pubKeyHash). */
export interface PaymentOutput {
  address?: string;
  pubKeyHash?: Uint8Array;
  value: bigint;
}

export interface BuildTransactionOptions {
  inputs: readonly CoinToSpend[];
  outputs: readonly PaymentOutput[];
  version?: number;
  lockTime?: number;
}

export interface UnsignedTransaction {
  /** The transaction with empty unlocks: sign it before anything else. */
  tx: Transaction;
  /** The outputs the inputs spend, in input order (what each signature commits to). */
  spent: TxOutput[];
  /** Inputs minus outputs, base units. */
  fee: bigint;
  /** Serialized size once signed (every unlock is exactly 97 bytes). */
  signedSize: number;
}

function bad(message: string): WalletError {
  return new WalletError('bad-transaction', message);
}

function ownerOf(x: { address?: string; pubKeyHash?: Uint8Array }, network: NetworkParams, what: string): Uint8Array {
  if (x.pubKeyHash !== undefined) {
    if (!(x.pubKeyHash instanceof Uint8Array) || x.pubKeyHash.length !== 20)
      throw bad(`${what}: pubKeyHash must be 20 bytes`);
    if (x.address !== undefined && bytesToHex(decodeFor(x.address, network, what)) !== bytesToHex(x.pubKeyHash)) {
      throw bad(`${what}: address and pubKeyHash disagree`);
    }
    return x.pubKeyHash;
  }
  if (x.address === undefined) throw bad(`${what}: needs an address or a pubKeyHash`);
  return decodeFor(x.address, network, what);
}

function decodeFor(address: string, network: NetworkParams, what: string): Uint8Array {
  try {
    return decodeAddress(address, network.addressHrp);
  } catch (err) {
    if (err instanceof AddressError) {
      throw new WalletError(
        err.code === 'wrong-network' ? 'wrong-network' : 'bad-address',
        `${what}: bad address ${address}: ${err.message}`,
      );
    }
    throw err;
  }
}

function checkValue(v: unknown, what: string): bigint {
  if (typeof v !== 'bigint') throw bad(`${what}: value must be a bigint number of base units`);
  if (v <= 0n || v > MAX_MONEY) throw bad(`${what}: value ${v} is outside 1..MAX_MONEY base units`);
  return v;
}

/** Serialized size of a signed spend with this many inputs and outputs. */
export function signedTxSize(inputs: number, outputs: number): number {
  const tx: Transaction = {
    version: 1,
    inputs: Array.from({ length: inputs }, () => ({
      prevTxid: new Uint8Array(32),
      prevIndex: 0,
      unlock: new Uint8Array(SPEND_UNLOCK_BYTES),
    })),
    outputs: Array.from({ length: outputs }, () => ({ value: 0n, pubKeyHash: new Uint8Array(20) })),
    lockTime: 0,
  };
  return txSize(tx);
}

/**
 * An unsigned transaction spending `inputs` (in order) to `outputs` (in order). Whatever the
 * inputs hold beyond the outputs is the fee: add your change output yourself. Throws
 * WalletError: 'bad-transaction' (no inputs or outputs, a duplicate input, a value out of range,
 * a malformed txid), 'bad-address' / 'wrong-network', or 'insufficient-funds'.
 */
export function buildTransaction(network: NetworkParams, o: BuildTransactionOptions): UnsignedTransaction {
  if (!o.inputs?.length) throw bad('a transaction needs at least one input');
  if (!o.outputs?.length) throw bad('a transaction needs at least one output');
  const version = o.version ?? 1;
  const lockTime = o.lockTime ?? 0;
  for (const [name, v] of [
    ['version', version],
    ['lockTime', lockTime],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw bad(`${name} must be an unsigned 32-bit integer`);
  }
  const seen = new Set<string>();
  let totalIn = 0n;
  const spent: TxOutput[] = [];
  const inputs = o.inputs.map((c, i) => {
    const what = `input ${i}`;
    let prevTxid: Uint8Array;
    if (typeof c.txid === 'string') {
      if (!/^[0-9a-fA-F]{64}$/.test(c.txid)) throw bad(`${what}: txid must be 64 hex characters`);
      prevTxid = hexToHash(c.txid);
    } else if (c.txid instanceof Uint8Array && c.txid.length === 32) prevTxid = Uint8Array.from(c.txid);
    else throw bad(`${what}: txid must be 32 bytes or 64 hex characters`);
    if (!Number.isInteger(c.index) || c.index < 0 || c.index >= 0xffffffff)
      throw bad(`${what}: output index ${c.index} out of range`);
    const key = outpointKey(prevTxid, c.index);
    if (seen.has(key)) throw bad(`${what}: spends the same coin as an earlier input`);
    seen.add(key);
    const value = checkValue(c.value, what);
    totalIn += value;
    spent.push({ value, pubKeyHash: ownerOf(c, network, what) });
    return { prevTxid, prevIndex: c.index, unlock: new Uint8Array(0) };
  });
  let totalOut = 0n;
  const outputs = o.outputs.map((p, i) => {
    const value = checkValue(p.value, `output ${i}`);
    totalOut += value;
    return { value, pubKeyHash: Uint8Array.from(ownerOf(p, network, `output ${i}`)) };
  });
  if (totalOut > MAX_MONEY) throw bad('outputs add up to more than MAX_MONEY');
  if (totalOut > totalIn) {
    throw new WalletError(
      'insufficient-funds',
      `outputs (${totalOut} base units) exceed inputs (${totalIn} base units)`,
    );
  }
  const tx: Transaction = { version, inputs, outputs, lockTime };
  return { tx, spent, fee: totalIn - totalOut, signedSize: signedTxSize(inputs.length, outputs.length) };
}

/** Private keys per input (in input order), or a lookup by the pubKeyHash a coin pays to. */
export type SigningKeys = readonly Uint8Array[] | ((pubKeyHash: Uint8Array) => Uint8Array | undefined);

/**
 * Sign every input of `unsigned` for `network` (the digest commits to its genesis hash) and
 * return the finished transaction; `unsigned` is left as it was. Throws WalletError('wrong-key')
 * when a key is missing or does not own the coin its input spends.
 */
export function signTransaction(unsigned: UnsignedTransaction, keys: SigningKeys, network: NetworkParams): Transaction {
  const { tx, spent } = unsigned;
  if (spent.length !== tx.inputs.length) throw bad('spent outputs and inputs differ in number');
  const ctx = new SighashContext(tx, network.genesisHash);
  const inputs = tx.inputs.map((input, i) => {
    const coin = spent[i]!;
    const priv = typeof keys === 'function' ? keys(coin.pubKeyHash) : keys[i];
    const owner = encodeAddress(network.addressHrp, coin.pubKeyHash);
    if (!(priv instanceof Uint8Array) || !isValidPrivateKey(priv))
      throw new WalletError('wrong-key', `no valid private key for input ${i} (coin of ${owner})`);
    const pub = publicKeyFromPrivate(priv);
    if (bytesToHex(hash160(pub)) !== bytesToHex(coin.pubKeyHash)) {
      throw new WalletError('wrong-key', `the key given for input ${i} does not own its coin (which pays ${owner})`);
    }
    const sig = sign(ctx.digest(i, coin), priv);
    const unlock = new Uint8Array(SPEND_UNLOCK_BYTES);
    unlock.set(pub, 0);
    unlock.set(sig, pub.length);
    return { prevTxid: input.prevTxid, prevIndex: input.prevIndex, unlock };
  });
  const signed: Transaction = {
    version: tx.version,
    inputs,
    outputs: tx.outputs.map((o) => ({ ...o })),
    lockTime: tx.lockTime,
  };
  const r = checkTransaction(signed, network.maxBlockBytes);
  if (!r.ok) throw bad(`the signed transaction breaks a consensus rule: ${r.code}: ${r.reason}`);
  return signed;
}
