import { ByteWriter } from '../encoding/writer.js';
import { sha256d } from '../crypto/hash.js';
import type { Transaction, TxOutput } from './tx.js';

/**
 * The digest signed by input i:
 *   sha256d(genesisHash | version | sha256d(all prevouts) | sha256d(all outputs) | lockTime
 *           | i u32 | spent value u64 | spent pubKeyHash)
 * The two inner hashes are shared by every input, so signing or verifying a whole transaction is
 * linear in its size. The genesis hash makes a signature valid on one network only.
 */
export class SighashContext {
  private readonly prefix: Uint8Array;

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
  }

  digest(inputIndex: number, spent: TxOutput): Uint8Array {
    const w = new ByteWriter(this.prefix.length + 4 + 8 + 20);
    w.bytes(this.prefix).u32(inputIndex).u64(spent.value).bytes(spent.pubKeyHash);
    return sha256d(w.finish());
  }
}

export function signatureDigest(tx: Transaction, inputIndex: number, spent: TxOutput, genesisHash: Uint8Array): Uint8Array {
  return new SighashContext(tx, genesisHash).digest(inputIndex, spent);
}
