import { putU32le, putU64le } from '../encoding/le.js';
import { ByteWriter } from '../encoding/writer.js';
import { sha256d, sha256dResume, sha256Midstate } from '../crypto/sha256.js';
import type { Transaction, TxOutput } from './tx.js';

const U64_MAX = (1n << 64n) - 1n;

/** genesisHash | version | sha256d(prevouts) | sha256d(outputs) | lockTime */
const PREFIX_BYTES = 32 + 4 + 32 + 32 + 4;
/** index u32 | spent value u64 | spent pubKeyHash */
const INPUT_BYTES = 4 + 8 + 20;

// Scratch space, shared because every use below is synchronous: no two calls ever interleave.
let scratch = new Uint8Array(1024);
const PREFIX = new Uint8Array(PREFIX_BYTES);
/** The part of a preimage after its first 64 bytes: the prefix's last 40 bytes, then the input's 32. */
const REST = new Uint8Array(PREFIX_BYTES - 64 + INPUT_BYTES);

function room(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/**
 * The digest signed by input i:
 *   sha256d(genesisHash | version | sha256d(all prevouts) | sha256d(all outputs) | lockTime
 *           | i u32 | spent value u64 | spent pubKeyHash)
 * The two inner hashes are shared by every input, so signing or verifying a whole transaction is
 * linear in its size. The genesis hash makes a signature valid on one network only.
 *
 * A context keeps the SHA-256 state after the preimage's first 64 bytes, which every input
 * shares, and the 40 prefix bytes after them: a digest then compresses three blocks, not four,
 * and allocates nothing but its result.
 */
export class SighashContext {
  private readonly midstate: Int32Array;
  private readonly prefixTail: Uint8Array;

  constructor(
    private readonly tx: Transaction,
    private readonly genesisHash: Uint8Array,
  ) {
    if (genesisHash.length !== 32) throw new RangeError('genesis hash must be 32 bytes');
    PREFIX.set(genesisHash, 0);
    putU32le(PREFIX, 32, tx.version >>> 0);
    PREFIX.set(prevoutsHash(tx), 36);
    PREFIX.set(outputsHash(tx), 68);
    putU32le(PREFIX, 100, tx.lockTime >>> 0);
    this.midstate = sha256Midstate(PREFIX.subarray(0, 64));
    this.prefixTail = PREFIX.slice(64);
  }

  digest(inputIndex: number, spent: TxOutput): Uint8Array {
    // The fast path writes exactly what the ByteWriter below writes; anything unusual (a value
    // outside u64, a hash of another length) takes the ByteWriter, which throws or encodes
    // exactly as the specification says.
    if (spent.pubKeyHash.length === 20 && spent.value >= 0n && spent.value <= U64_MAX) {
      REST.set(this.prefixTail, 0);
      putU32le(REST, 40, inputIndex >>> 0);
      putU64le(REST, 44, spent.value);
      REST.set(spent.pubKeyHash, 52);
      return sha256dResume(this.midstate, REST);
    }
    const w = new ByteWriter(PREFIX_BYTES + INPUT_BYTES);
    w.bytes(this.genesisHash)
      .u32(this.tx.version)
      .bytes(prevoutsHash(this.tx))
      .bytes(outputsHash(this.tx))
      .u32(this.tx.lockTime);
    w.u32(inputIndex).u64(spent.value).bytes(spent.pubKeyHash);
    return sha256d(w.finish());
  }
}

/** sha256d of every input's prevTxid | prevIndex u32. */
function prevoutsHash(tx: Transaction): Uint8Array {
  const n = tx.inputs.length * 36;
  const out = room(n);
  for (let k = 0, off = 0; k < tx.inputs.length; k++, off += 36) {
    const i = tx.inputs[k]!;
    if (i.prevTxid.length !== 32) return sha256d(slowPrevouts(tx));
    out.set(i.prevTxid, off);
    putU32le(out, off + 32, i.prevIndex >>> 0);
  }
  return sha256d(out.subarray(0, n));
}

/** sha256d of every output's value u64 | pubKeyHash. */
function outputsHash(tx: Transaction): Uint8Array {
  const n = tx.outputs.length * 28;
  const out = room(n);
  for (let k = 0, off = 0; k < tx.outputs.length; k++, off += 28) {
    const o = tx.outputs[k]!;
    if (o.pubKeyHash.length !== 20 || o.value < 0n || o.value > U64_MAX) return sha256d(slowOutputs(tx));
    putU64le(out, off, o.value);
    out.set(o.pubKeyHash, off + 8);
  }
  return sha256d(out.subarray(0, n));
}

// The ByteWriter encodings of the two lists, for fields of unusual size (it throws or writes them as they are).
function slowPrevouts(tx: Transaction): Uint8Array {
  const w = new ByteWriter(tx.inputs.length * 36);
  for (const i of tx.inputs) w.bytes(i.prevTxid).u32(i.prevIndex);
  return w.finish();
}

function slowOutputs(tx: Transaction): Uint8Array {
  const w = new ByteWriter(tx.outputs.length * 28);
  for (const o of tx.outputs) w.u64(o.value).bytes(o.pubKeyHash);
  return w.finish();
}

export function signatureDigest(
  tx: Transaction,
  inputIndex: number,
  spent: TxOutput,
  genesisHash: Uint8Array,
): Uint8Array {
  return new SighashContext(tx, genesisHash).digest(inputIndex, spent);
}
