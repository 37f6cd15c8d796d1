import { ByteWriter } from '../encoding/writer.js';
import { sha256d } from '../crypto/hash.js';
import type { Transaction, TxOutput } from './tx.js';

const U64_MAX = (1n << 64n) - 1n;

/**
 * The digest signed by input i:
 *   sha256d(genesisHash | version | sha256d(all prevouts) | sha256d(all outputs) | lockTime
 *           | i u32 | spent value u64 | spent pubKeyHash)
 * The two inner hashes are shared by every input, so signing or verifying a whole transaction is
 * linear in its size. The genesis hash makes a signature valid on one network only.
 */
export class SighashContext {
  private readonly prefix: Uint8Array;
  /** prefix | index | value | pubKeyHash, rewritten in place per input (digest is synchronous). */
  private readonly preimage: Uint8Array;
  private readonly view: DataView;

  constructor(tx: Transaction, genesisHash: Uint8Array) {
    const prevouts = new ByteWriter(tx.inputs.length * 36);
    for (const i of tx.inputs) prevouts.bytes(i.prevTxid).u32(i.prevIndex);
    const outputs = new ByteWriter(tx.outputs.length * 28);
    for (const o of tx.outputs) outputs.u64(o.value).bytes(o.pubKeyHash);
    this.prefix = new ByteWriter(32 + 4 + 32 + 32 + 4)
      .bytes(genesisHash)
      .u32(tx.version)
      .bytes(sha256d(prevouts.finish()))
      .bytes(sha256d(outputs.finish()))
      .u32(tx.lockTime)
      .finish();
    this.preimage = new Uint8Array(this.prefix.length + 4 + 8 + 20);
    this.preimage.set(this.prefix, 0);
    this.view = new DataView(this.preimage.buffer);
  }

  digest(inputIndex: number, spent: TxOutput): Uint8Array {
    const at = this.prefix.length;
    // The fast path writes exactly what the ByteWriter below writes, into one buffer per
    // transaction; anything unusual (a value outside u64, a hash of another length) takes the
    // ByteWriter, which throws or encodes exactly as before.
    if (spent.pubKeyHash.length === 20 && spent.value >= 0n && spent.value <= U64_MAX) {
      this.view.setUint32(at, inputIndex >>> 0, true);
      this.view.setBigUint64(at + 4, spent.value, true);
      this.preimage.set(spent.pubKeyHash, at + 12);
      return sha256d(this.preimage);
    }
    const w = new ByteWriter(this.prefix.length + 4 + 8 + 20);
    w.bytes(this.prefix).u32(inputIndex).u64(spent.value).bytes(spent.pubKeyHash);
    return sha256d(w.finish());
  }
}

export function signatureDigest(tx: Transaction, inputIndex: number, spent: TxOutput, genesisHash: Uint8Array): Uint8Array {
  return new SighashContext(tx, genesisHash).digest(inputIndex, spent);
}
