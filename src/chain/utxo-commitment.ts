import type { Block } from '../consensus/block.js';
import { sha256Into } from '../crypto/sha256.js';
import { getU32le, putU32le, putU64le } from '../encoding/le.js';
import { COIN_BYTES, keys, writeCoin } from './layout.js';

/**
 * A running commitment to the UTXO set: the sum, modulo 2^256, of sha256(key | record) over every
 * coin's database record (37-byte key, 33-byte value), with the coin count and total value. A sum
 * is a multiset hash: it moves by one addition per coin created and one subtraction per coin
 * spent, in any order, so each block's commitment follows from its parent's, its own outputs and
 * its undo record, without reading the set. Recorded per main-chain block (layout `c`) in the
 * block's own batch, it lets start-up and `verifychain` compare the stored set with the chain:
 * a missing, extra or altered coin changes the sum.
 *
 * It guards against damage, not against an adversary (a sum of hashes can be steered by someone
 * choosing many coins; MuHash's multiplication modulo a 3072-bit prime cannot, at a cost per coin
 * this node's connect path cannot pay). The set never leaves the node: nobody chooses its
 * coins to match a damaged disk.
 */
export class UtxoCommitment {
  /** The sum as eight 32-bit words, least significant first. */
  private readonly words = new Uint32Array(8);
  count = 0;
  totalValue = 0n;

  static decode(record: Uint8Array): UtxoCommitment | undefined {
    if (record.length !== RECORD_BYTES) return undefined;
    const c = new UtxoCommitment();
    for (let i = 0; i < 8; i++) c.words[i] = getU32le(record, i * 4);
    c.count = getU32le(record, 32) + getU32le(record, 36) * 0x100000000;
    c.totalValue = BigInt(getU32le(record, 40)) + (BigInt(getU32le(record, 44)) << 32n);
    return c;
  }

  encode(): Uint8Array {
    const out = new Uint8Array(RECORD_BYTES);
    for (let i = 0; i < 8; i++) putU32le(out, i * 4, this.words[i]!);
    putU64le(out, 32, BigInt(this.count));
    putU64le(out, 40, this.totalValue);
    return out;
  }

  clone(): UtxoCommitment {
    const c = new UtxoCommitment();
    c.words.set(this.words);
    c.count = this.count;
    c.totalValue = this.totalValue;
    return c;
  }

  equals(o: UtxoCommitment): boolean {
    for (let i = 0; i < 8; i++) if (this.words[i] !== o.words[i]) return false;
    return this.count === o.count && this.totalValue === o.totalValue;
  }

  /** Hex of the sum, most significant byte first (for messages and gettxoutsetinfo). */
  get hex(): string {
    let s = '';
    for (let i = 7; i >= 0; i--) s += this.words[i]!.toString(16).padStart(8, '0');
    return s;
  }

  /** A coin record (its 70 bytes `key | value` at ELEMENT) joins (+1) or leaves (-1) the set. */
  private apply(sign: 1 | -1, value: number): void {
    sha256Into(ELEMENT, DIGEST);
    const w = this.words;
    let carry = 0;
    for (let i = 0; i < 8; i++) {
      const d = getU32le(DIGEST, i * 4);
      const r = sign === 1 ? w[i]! + d + carry : w[i]! - d - carry;
      // Uint32Array wraps; the carry (or borrow) is whether it had to.
      carry = sign === 1 ? (r > 0xffffffff ? 1 : 0) : r < 0 ? 1 : 0;
      w[i] = r;
    }
    this.count += sign;
    this.totalValue += BigInt(sign * value);
  }

  /** A coin by its key parts and its 33-byte record `rec[off..off+33)`. */
  private coin(sign: 1 | -1, txid: Uint8Array, index: number, rec: Uint8Array, off: number): void {
    ELEMENT.set(txid, 1);
    ELEMENT[33] = index >>> 24;
    ELEMENT[34] = (index >>> 16) & 0xff;
    ELEMENT[35] = (index >>> 8) & 0xff;
    ELEMENT[36] = index & 0xff;
    if (rec !== ELEMENT) ELEMENT.set(rec.subarray(off, off + COIN_BYTES), 37);
    this.apply(sign, getU32le(ELEMENT, 37) + getU32le(ELEMENT, 41) * 0x100000000);
  }

  /** A record as stored (key and value as read from the database): for a scan of the whole set. */
  addRecord(key: Uint8Array, value: Uint8Array): void {
    if (key.length !== 37 || value.length !== COIN_BYTES) {
      // A record of another shape in the coin space is damage: it must change the sum.
      ELEMENT.fill(0);
      ELEMENT.set(key.subarray(0, 37), 0);
      this.apply(1, 0);
      return;
    }
    ELEMENT.set(key, 0);
    ELEMENT.set(value, 37);
    this.apply(1, getU32le(value, 0) + getU32le(value, 4) * 0x100000000);
  }

  /**
   * Connect (`sign` 1) or disconnect (-1) `block`: its outputs join the set, the coins its undo
   * record holds (in input order, coinbase excluded) leave it. A coin created and spent inside the
   * block is added and taken away again, which is the same as never counting it.
   */
  applyBlock(sign: 1 | -1, block: Block, txids: readonly Uint8Array[], height: number, undo: Uint8Array): void {
    for (let t = 0; t < block.txs.length; t++) {
      const outputs = block.txs[t]!.outputs;
      for (let i = 0; i < outputs.length; i++) {
        writeCoin({ ...outputs[i]!, height, coinbase: t === 0 }, ELEMENT, 37);
        this.coin(sign, txids[t]!, i, ELEMENT, 37);
      }
    }
    let off = undoStart(undo);
    const neg = sign === 1 ? -1 : 1;
    for (let t = 1; t < block.txs.length; t++) {
      for (const input of block.txs[t]!.inputs) {
        // disconnectBlock has checked the record's length against the inputs before this runs.
        this.coin(neg, input.prevTxid, input.prevIndex, undo, off);
        off += COIN_BYTES;
      }
    }
  }
}

const RECORD_BYTES = 48;
const ELEMENT = new Uint8Array(37 + COIN_BYTES);
ELEMENT[0] = keys.coinPrefix()[0]!;
const DIGEST = new Uint8Array(32);

/** Where an undo record's coins start: after its CompactSize count. */
function undoStart(undo: Uint8Array): number {
  const first = undo[0] ?? 0;
  return first < 0xfd ? 1 : first === 0xfd ? 3 : first === 0xfe ? 5 : 9;
}
