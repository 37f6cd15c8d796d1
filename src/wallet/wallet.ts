import type { NetworkParams } from '../consensus/params/types.js';
import { encodeTx, txid as computeTxid } from '../consensus/tx.js';
import { AddressError, decodeAddress } from '../crypto/address.js';
import { bytesToHex, hashToHex } from '../encoding/hex.js';
import type { RpcClient } from '../rpc/client.js';
import { RpcError } from '../rpc/errors.js';
import { parseCoins, RawNumber } from '../rpc/json.js';
import { formatCoins, MAX_FEE_RATE } from './amount.js';
import { buildTransaction, signTransaction } from './builder.js';
import { selectCoins, type Candidate } from './coin-select.js';
import { WalletError } from './errors.js';
import { lockFile } from './file.js';
import { CHANGE, RECEIVE, WalletKeys, type Branch, type DerivedKey } from './keys.js';
import { Keystore, type SentRecord } from './keystore.js';
import type { Balance, HistoryEntry, SendResult } from './results.js';

/** Unused addresses scanned past the last used one (BIP44's gap limit). */
export const GAP_LIMIT = 20;
/** Outpoints a sent transaction spends stay locked this long, whatever the node says. */
export const LOCK_SECONDS = 24 * 3600;
/** estimatesmartfee's confirmation target. */
export const FEE_TARGET_BLOCKS = 6;

export type { Balance, HistoryEntry, SendResult } from './results.js';

interface AddressUtxo {
  txid: string;
  outputIndex: number;
  value: RawNumber | number | string;
  height: number;
  coinbase: boolean;
  spendable: boolean;
}

interface WalletCoin extends Candidate {
  key: DerivedKey;
}

/** The pubKeyHash an address pays to on `params`' network, or WalletError('bad-address' | 'wrong-network'). */
export function checkAddress(address: string, params: NetworkParams): Uint8Array {
  try {
    return decodeAddress(address, params.addressHrp);
  } catch (err) {
    if (err instanceof AddressError) {
      throw new WalletError(
        err.code === 'wrong-network' ? 'wrong-network' : 'bad-address',
        `bad address ${address}: ${err.message}`,
      );
    }
    throw err;
  }
}

function amountOf(v: unknown, what: string): bigint {
  if (v instanceof RawNumber || typeof v === 'number' || typeof v === 'string') {
    try {
      return parseCoins(v, true);
    } catch {
      // fall through
    }
  }
  throw new WalletError('node-error', `the node sent a malformed amount for ${what}`);
}

/**
 * A wallet: an open keystore, its keys, and (for everything but `address` and `info`) a node
 * reached over JSON-RPC. Open it with Wallet.open, always close() it (releases the file lock).
 */
export class Wallet {
  readonly keys: WalletKeys;
  private checkedNode = false;

  private constructor(
    readonly keystore: Keystore,
    readonly params: NetworkParams,
    private readonly rpc: RpcClient | undefined,
    private readonly release: () => void,
    private readonly now: () => number,
  ) {
    this.keys = new WalletKeys(keystore.seed, params);
  }

  /** Lock and decrypt the wallet file. WalletError on a wrong passphrase, a tampered file, another network. */
  static open(
    path: string,
    passphrase: string,
    params: NetworkParams,
    rpc?: RpcClient,
    now = () => Math.floor(Date.now() / 1000),
  ): Wallet {
    const release = lockFile(path);
    try {
      const ks = Keystore.open(path, passphrase);
      if (ks.network !== params.name)
        throw new WalletError('wrong-network', `wallet ${path} is for ${ks.network}, not ${params.name}`);
      return new Wallet(ks, params, rpc, release, now);
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Write a new wallet file from a seed (lock held while writing). */
  static create(
    path: string,
    passphrase: string,
    params: NetworkParams,
    seed: Uint8Array,
    rpc?: RpcClient,
    scrypt?: { n: number; r: number; p: number },
  ): Wallet {
    const release = lockFile(path);
    try {
      const ks = Keystore.create(path, params.name, seed, passphrase, scrypt);
      return new Wallet(ks, params, rpc, release, () => Math.floor(Date.now() / 1000));
    } catch (err) {
      release();
      throw err;
    }
  }

  close(): void {
    this.release();
  }

  private node(): RpcClient {
    if (!this.rpc)
      throw new WalletError('node-error', 'this command needs a node: pass --rpc-url or --datadir/--rpc-port');
    return this.rpc;
  }

  private async call<T>(method: string, params: unknown[]): Promise<T> {
    try {
      return await this.node().call<T>(method, params);
    } catch (err) {
      if (err instanceof RpcError) throw new WalletError('node-error', `the node refused ${method}: ${err.message}`);
      throw err;
    }
  }

  /** Refuse a node of another network before asking it anything else. */
  private async checkNode(): Promise<void> {
    if (this.checkedNode) return;
    const genesis = await this.call<string>('getblockhash', [0]);
    const ours = hashToHex(this.params.genesisHash);
    if (genesis !== ours)
      throw new WalletError(
        'wrong-network',
        `the node is not a ${this.params.name} node (its genesis block is ${genesis}, ${this.params.name}'s is ${ours})`,
      );
    this.checkedNode = true;
  }

  /** Every address handed out so far (receive, then change). */
  knownKeys(): DerivedKey[] {
    const out: DerivedKey[] = [];
    for (let i = 0; i < this.keystore.state.receive; i++) out.push(this.keys.key(RECEIVE, i));
    for (let i = 0; i < this.keystore.state.change; i++) out.push(this.keys.key(CHANGE, i));
    return out;
  }

  private nextIndex(branch: Branch): number {
    return branch === RECEIVE ? this.keystore.state.receive : this.keystore.state.change;
  }

  private setNextIndex(branch: Branch, n: number): void {
    if (branch === RECEIVE) this.keystore.state.receive = n;
    else this.keystore.state.change = n;
  }

  /**
   * Discover addresses used beyond the ones handed out (after a restore, or by another copy of
   * the wallet): scan GAP_LIMIT addresses past the last used one on each branch, repeat until a
   * whole window is unused. Saves the file when an index moved. Returns true when one did.
   */
  async sync(): Promise<boolean> {
    await this.checkNode();
    let moved = false;
    for (const branch of [RECEIVE, CHANGE] as const) {
      for (;;) {
        const start = this.nextIndex(branch);
        const window = Array.from({ length: GAP_LIMIT }, (_, k) => this.keys.key(branch, start + k));
        const used = await Promise.all(
          window.map(async (k) => (await this.call<unknown[]>('getaddresshistory', [k.address])).length > 0),
        );
        const last = used.lastIndexOf(true);
        if (last < 0) break;
        this.setNextIndex(branch, start + last + 1);
        moved = true;
      }
    }
    if (moved) this.keystore.save();
    return moved;
  }

  /** The next receive address never handed out before; the index is saved at once. */
  nextReceiveAddress(): DerivedKey {
    const k = this.keys.key(RECEIVE, this.keystore.state.receive);
    this.keystore.state.receive += 1;
    this.keystore.save();
    return k;
  }

  async balance(): Promise<Balance> {
    await this.sync();
    const parts = await Promise.all(
      this.knownKeys().map((k) => this.call<Record<string, unknown>>('getaddressbalance', [k.address])),
    );
    const b: Balance = { spendable: 0n, immature: 0n, confirmed: 0n, unconfirmed: 0n, total: 0n };
    for (const p of parts) {
      b.spendable += amountOf(p.spendable, 'spendable');
      b.immature += amountOf(p.immature, 'immature');
      b.confirmed += amountOf(p.balance, 'balance');
      b.unconfirmed += amountOf(p.unconfirmed, 'unconfirmed');
    }
    b.total = b.confirmed + b.unconfirmed;
    return b;
  }

  async history(): Promise<HistoryEntry[]> {
    await this.sync();
    const lists = await Promise.all(
      this.knownKeys().map((k) =>
        this.call<{ txid: string; height: number; confirmations: number; received: unknown; sent: unknown }[]>(
          'getaddresshistory',
          [k.address],
        ),
      ),
    );
    const byTxid = new Map<string, HistoryEntry>();
    for (const list of lists) {
      for (const h of list) {
        const e = byTxid.get(h.txid) ?? {
          txid: h.txid,
          height: h.height,
          confirmations: h.confirmations,
          received: 0n,
          sent: 0n,
          net: 0n,
        };
        e.received += amountOf(h.received, 'received');
        e.sent += amountOf(h.sent, 'sent');
        e.net = e.received - e.sent;
        byTxid.set(h.txid, e);
      }
    }
    for (const s of this.keystore.state.sent) {
      const e = byTxid.get(s.txid);
      if (e) Object.assign(e, { to: s.to, amount: BigInt(s.amount), fee: BigInt(s.fee) });
    }
    const height = (e: HistoryEntry) => (e.height < 0 ? Number.MAX_SAFE_INTEGER : e.height);
    return [...byTxid.values()].sort(
      (a, b) => height(a) - height(b) || (a.txid < b.txid ? -1 : a.txid > b.txid ? 1 : 0),
    );
  }

  /** Outpoints ("txid:index") spent by this wallet's own recent transactions. */
  lockedOutpoints(): Set<string> {
    const since = this.now() - LOCK_SECONDS;
    return new Set(this.keystore.state.sent.filter((s) => s.time >= since).flatMap((s) => s.spends));
  }

  /** Spendable coins of every known address, minus those the wallet just spent itself. */
  async spendableCoins(): Promise<WalletCoin[]> {
    const locked = this.lockedOutpoints();
    const own = new Set(this.keystore.state.sent.map((s) => s.txid));
    const keys = this.knownKeys();
    const lists = await Promise.all(keys.map((k) => this.call<AddressUtxo[]>('getaddressutxos', [k.address, true])));
    const coins: WalletCoin[] = [];
    lists.forEach((list, i) => {
      for (const u of list) {
        if (!u.spendable || locked.has(`${u.txid}:${u.outputIndex}`)) continue;
        // Unconfirmed coins are spent only when they are this wallet's own change.
        if (u.height < 0 && !own.has(u.txid)) continue;
        coins.push({
          txid: u.txid,
          index: u.outputIndex,
          value: amountOf(u.value, `${u.txid}:${u.outputIndex}`),
          height: u.height,
          key: keys[i]!,
        });
      }
    });
    return coins;
  }

  async estimateFeeRate(): Promise<bigint> {
    const r = await this.call<{ feerate?: unknown }>('estimatesmartfee', [FEE_TARGET_BLOCKS]);
    const rate = amountOf(r.feerate, 'feerate');
    if (rate <= 0n) throw new WalletError('node-error', 'the node has no fee estimate: pass --fee-rate');
    if (rate > MAX_FEE_RATE)
      throw new WalletError(
        'bad-fee-rate',
        `the node's fee estimate ${formatCoins(rate)} coins/kB is above the safety limit; pass --fee-rate`,
      );
    return rate;
  }

  /**
   * Pay `amount` base units to `to`: select coins, add change to a fresh change address, sign
   * locally, record the spent outpoints, hand the transaction to the node. Nothing reaches the
   * node unless every check passed; a refused transaction leaves the wallet file as it was.
   */
  async send(to: string, amount: bigint, feeRatePerKb?: bigint): Promise<SendResult> {
    const payee = checkAddress(to, this.params);
    await this.sync();
    const rate = feeRatePerKb ?? (await this.estimateFeeRate());
    const coins = await this.spendableCoins();
    let sel;
    try {
      sel = selectCoins(coins, amount, rate);
    } catch (err) {
      if (err instanceof WalletError && err.code === 'insufficient-funds') {
        const b = await this.balance();
        const notYet = b.immature > 0n ? `; ${formatCoins(b.immature)} more is immature coinbase` : '';
        throw new WalletError('insufficient-funds', `${err.message}${notYet}`);
      }
      throw err;
    }
    const state = this.keystore.state;
    const changeKey = sel.change > 0n ? this.keys.key(CHANGE, state.change) : undefined;
    const unsigned = buildTransaction(this.params, {
      inputs: sel.coins.map((c) => ({ txid: c.txid, index: c.index, value: c.value, pubKeyHash: c.key.pubKeyHash })),
      outputs: [
        { pubKeyHash: payee, value: amount },
        ...(changeKey ? [{ pubKeyHash: changeKey.pubKeyHash, value: sel.change }] : []),
      ],
    });
    const signed = signTransaction(
      unsigned,
      sel.coins.map((c) => c.key.privateKey),
      this.params,
    );
    const bytes = encodeTx(signed);
    // The fee was computed for this exact size; check it against the real bytes anyway.
    if (bytes.length !== sel.size || unsigned.fee !== sel.fee)
      throw new WalletError('bad-transaction', `internal error: signed size ${bytes.length} != ${sel.size}`);
    const id = hashToHex(computeTxid(signed));
    const record: SentRecord = {
      txid: id,
      time: this.now(),
      to,
      amount: amount.toString(),
      fee: sel.fee.toString(),
      spends: sel.coins.map((c) => `${c.txid}:${c.index}`),
    };
    const before = { change: state.change, sent: state.sent };
    // Record first: a crash after the node took it still never spends these coins again.
    state.sent = [...this.pruneSent(state.sent), record];
    if (changeKey) state.change += 1;
    this.keystore.save();
    try {
      const accepted = await this.node().call<string>('sendrawtransaction', [bytesToHex(bytes)]);
      if (accepted !== id) throw new WalletError('node-error', `the node answered txid ${String(accepted)} for ${id}`);
    } catch (err) {
      state.change = before.change;
      state.sent = before.sent;
      this.keystore.save();
      if (err instanceof RpcError)
        throw new WalletError('node-error', `the node rejected the transaction: ${err.message}`);
      throw err;
    }
    return {
      txid: id,
      to,
      amount,
      fee: sel.fee,
      feeRate: rate,
      size: bytes.length,
      inputs: sel.coins.map((c) => ({ txid: c.txid, index: c.index, value: c.value })),
      ...(changeKey ? { change: { address: changeKey.address, value: sel.change } } : {}),
    };
  }

  /** Old records keep their history fields but drop the outpoints once the lock expired. */
  private pruneSent(sent: SentRecord[]): SentRecord[] {
    const since = this.now() - LOCK_SECONDS;
    return sent.slice(-10_000).map((s) => (s.time >= since || s.spends.length === 0 ? s : { ...s, spends: [] }));
  }
}
