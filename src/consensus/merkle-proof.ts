/**
 * Merkle proofs in Bitcoin Core's partial merkle tree format (CPartialMerkleTree, the payload of
 * `gettxoutproof` and of the `merkleblock` message): a block header, the block's transaction
 * count, the hashes of the pruned subtrees and one flag bit per visited node, depth first. Someone
 * holding only headers checks that a transaction is in a block by rebuilding the root from them.
 *
 *   header 80 | txCount u32 | varint nHashes | hash 32 * nHashes | varint nFlagBytes | flag bytes
 *
 * Flags are packed least significant bit first. A flag is 1 for a node that is an ancestor of a
 * matched transaction (or is one): the walk descends into it; 0 means its hash is given and the
 * walk does not descend. Verification rejects what Core's ExtractMatches rejects, including two
 * equal siblings (CVE-2012-2459: a duplicated last transaction would prove a block that does not
 * exist).
 */
import { sha256d } from '../crypto/hash.js';
import { ByteReader } from '../encoding/reader.js';
import { ByteWriter } from '../encoding/writer.js';
import { equalBytes } from '../encoding/hex.js';
import { HEADER_BYTES, encodeHeader, headerHash, readHeader, type BlockHeader } from './header.js';

export interface MerkleProof {
  header: BlockHeader;
  /** How many transactions the block has. */
  txCount: number;
  /** The hashes of the subtrees the walk does not descend into, and the matched txids, in walk order. */
  hashes: Uint8Array[];
  /** One flag per visited node, in walk order (a decoded proof also carries the byte padding). */
  flags: boolean[];
}

/** A matched transaction: its txid (internal byte order) and its position in the block. */
export interface MerkleProofMatch {
  txid: Uint8Array;
  index: number;
}

export type MerkleProofErrorCode =
  | 'no-transactions' // txCount is 0
  | 'too-many-transactions' // more than any block can hold
  | 'too-many-hashes' // more hashes than transactions
  | 'too-few-flags' // fewer flag bits than hashes
  | 'bad-structure' // the walk ran out of flags or hashes
  | 'mutated' // two equal sibling subtrees (CVE-2012-2459)
  | 'unused-data' // flags or hashes left over after the walk
  | 'root-mismatch'; // the rebuilt root is not the header's merkle root

export type MerkleProofResult =
  | { ok: true; blockHash: Uint8Array; root: Uint8Array; matches: MerkleProofMatch[] }
  | { ok: false; code: MerkleProofErrorCode; reason: string };

/**
 * Bitcoin Core's bound (MAX_BLOCK_BASE_SIZE / 60): 60 bytes is below the smallest transaction a
 * block can hold, so a proof claiming more transactions than a 1 MB block fits is refused before
 * any work is done. Every powchain network's maxBlockBytes is 1,000,000.
 */
export const MAX_PROOF_TRANSACTIONS = Math.floor(1_000_000 / 60);

/** Nodes at `height` (0 = the transactions) of a tree over `txCount` leaves. */
function widthAt(txCount: number, height: number): number {
  return Math.floor((txCount + 2 ** height - 1) / 2 ** height);
}

function treeHeight(txCount: number): number {
  let h = 0;
  while (widthAt(txCount, h) > 1) h++;
  return h;
}

function hashPair(left: Uint8Array, right: Uint8Array): Uint8Array {
  const pair = new Uint8Array(64);
  pair.set(left, 0);
  pair.set(right, 32);
  return sha256d(pair);
}

/**
 * A proof that the transactions `match` selects are in the block with `header` and these txids
 * (the block's complete list, in order). Throws RangeError for an empty list.
 */
export function buildMerkleProof(
  header: BlockHeader,
  txids: readonly Uint8Array[],
  match: (txid: Uint8Array, index: number) => boolean,
): MerkleProof {
  if (txids.length === 0) throw new RangeError('a block has at least one transaction');
  const matched = txids.map((t, i) => match(t, i));
  const n = txids.length;
  // Each level's hashes, computed once (levels[0] are the txids): a proof needs one per pruned subtree.
  const levels: Uint8Array[][] = [txids.slice()];
  for (let h = 1; h <= treeHeight(n); h++) {
    const below = levels[h - 1]!;
    const level: Uint8Array[] = [];
    for (let i = 0; i < below.length; i += 2) level.push(hashPair(below[i]!, below[i + 1] ?? below[i]!));
    levels.push(level);
  }
  const hashes: Uint8Array[] = [];
  const flags: boolean[] = [];
  const walk = (height: number, pos: number): void => {
    let parentOfMatch = false;
    for (let p = pos * 2 ** height; p < (pos + 1) * 2 ** height && p < n; p++) parentOfMatch ||= matched[p]!;
    flags.push(parentOfMatch);
    if (height === 0 || !parentOfMatch) {
      hashes.push(levels[height]![pos]!);
      return;
    }
    walk(height - 1, pos * 2);
    if (pos * 2 + 1 < widthAt(n, height - 1)) walk(height - 1, pos * 2 + 1);
  };
  walk(treeHeight(n), 0);
  return { header, txCount: n, hashes, flags };
}

/** The proof's bytes, as bitcoind's gettxoutproof prints them (in hex). */
export function encodeMerkleProof(proof: MerkleProof): Uint8Array {
  const flagBytes = new Uint8Array(Math.ceil(proof.flags.length / 8));
  proof.flags.forEach((f, i) => {
    if (f) flagBytes[i >> 3]! |= 1 << (i & 7);
  });
  const w = new ByteWriter(HEADER_BYTES + 4 + 9 + proof.hashes.length * 32 + 9 + flagBytes.length)
    .bytes(encodeHeader(proof.header))
    .u32(proof.txCount)
    .varint(proof.hashes.length);
  for (const h of proof.hashes) {
    if (h.length !== 32) throw new RangeError('a proof hash is 32 bytes');
    w.bytes(h);
  }
  return w.varint(flagBytes.length).bytes(flagBytes).finish();
}

/**
 * Parse a proof's bytes. Malformed or truncated input, or trailing bytes, is a DecodeError; the
 * counts are bounded by the input's length before anything is allocated. A decoded proof is not
 * checked yet: pass it to verifyMerkleProof.
 */
export function decodeMerkleProof(bytes: Uint8Array): MerkleProof {
  const r = new ByteReader(bytes);
  const header = readHeader(r);
  const txCount = r.u32();
  const nHashes = r.count(Math.floor(r.remaining / 32), 'proof hash count');
  const hashes: Uint8Array[] = new Array(nHashes);
  for (let i = 0; i < nHashes; i++) hashes[i] = r.take(32, 'proof hash');
  const flagBytes = r.varBytes(r.remaining, 'proof flags');
  r.end('merkle proof');
  const flags: boolean[] = new Array(flagBytes.length * 8);
  for (let i = 0; i < flags.length; i++) flags[i] = ((flagBytes[i >> 3]! >> (i & 7)) & 1) === 1;
  return { header, txCount, hashes, flags };
}

const fail = (code: MerkleProofErrorCode, reason: string): MerkleProofResult => ({ ok: false, code, reason });

/**
 * Check a proof (or its bytes: a DecodeError is thrown for malformed bytes) and return the
 * transactions it proves, with the block's hash. Every rule of Core's ExtractMatches holds, and
 * the rebuilt root must equal the header's merkle root. Whether the header belongs to a chain
 * with enough work is the caller's question: compare `blockHash` with headers it checked.
 */
export function verifyMerkleProof(
  proof: MerkleProof | Uint8Array,
  opts: { maxTransactions?: number } = {},
): MerkleProofResult {
  const p = proof instanceof Uint8Array ? decodeMerkleProof(proof) : proof;
  const max = opts.maxTransactions ?? MAX_PROOF_TRANSACTIONS;
  const n = p.txCount;
  if (n === 0) return fail('no-transactions', 'the proof claims a block without transactions');
  if (n > max) return fail('too-many-transactions', `the proof claims ${n} transactions, more than ${max}`);
  if (p.hashes.length > n) return fail('too-many-hashes', `${p.hashes.length} hashes for ${n} transactions`);
  if (p.flags.length < p.hashes.length)
    return fail('too-few-flags', `${p.flags.length} flag bits for ${p.hashes.length} hashes`);

  let flagsUsed = 0;
  let hashesUsed = 0;
  let problem: MerkleProofResult | undefined;
  const matches: MerkleProofMatch[] = [];
  // The recursion is as deep as the tree: at most 15 levels under MAX_PROOF_TRANSACTIONS.
  const walk = (height: number, pos: number): Uint8Array => {
    if (flagsUsed >= p.flags.length) {
      problem ??= fail('bad-structure', 'the walk needs more flag bits than the proof has');
      return new Uint8Array(32);
    }
    const parentOfMatch = p.flags[flagsUsed++]!;
    if (height === 0 || !parentOfMatch) {
      if (hashesUsed >= p.hashes.length) {
        problem ??= fail('bad-structure', 'the walk needs more hashes than the proof has');
        return new Uint8Array(32);
      }
      const hash = p.hashes[hashesUsed++]!;
      if (height === 0 && parentOfMatch) matches.push({ txid: hash, index: pos });
      return hash;
    }
    const left = walk(height - 1, pos * 2);
    let right = left;
    if (pos * 2 + 1 < widthAt(n, height - 1)) {
      right = walk(height - 1, pos * 2 + 1);
      if (equalBytes(left, right))
        problem ??= fail('mutated', `two equal sibling subtrees at height ${height - 1} (CVE-2012-2459)`);
    }
    return hashPair(left, right);
  };
  const root = walk(treeHeight(n), 0);
  if (problem) return problem;
  // Every flag must be used, except the padding of the last byte.
  if (Math.ceil(flagsUsed / 8) !== Math.ceil(p.flags.length / 8))
    return fail('unused-data', `${p.flags.length - flagsUsed} flag bits left unused`);
  if (hashesUsed !== p.hashes.length) return fail('unused-data', `${p.hashes.length - hashesUsed} hashes left unused`);
  if (!equalBytes(root, p.header.merkleRoot))
    return fail('root-mismatch', "the proof's transactions do not hash to the header's merkle root");
  return { ok: true, blockHash: headerHash(p.header), root, matches };
}

/**
 * The merkle branch of the transaction at `index`: the sibling hash at each level from the
 * leaves up (a duplicated last node is its own sibling). With the leaf, it rebuilds the root
 * (merkleRootFromBranch). Stratum hands a miner the branch of the coinbase (index 0), whose own
 * hash the miner changes with every extranonce.
 */
export function merkleBranch(txids: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= txids.length)
    throw new RangeError(`index ${index} is outside a list of ${txids.length} transactions`);
  const branch: Uint8Array[] = [];
  let level = txids.slice();
  let pos = index;
  while (level.length > 1) {
    branch.push(level[pos ^ 1] ?? level[pos]!);
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(hashPair(level[i]!, level[i + 1] ?? level[i]!));
    level = next;
    pos >>= 1;
  }
  return branch;
}

/** The root a leaf at `index` and its branch hash to. */
export function merkleRootFromBranch(leaf: Uint8Array, index: number, branch: readonly Uint8Array[]): Uint8Array {
  let hash = leaf;
  let pos = index;
  for (const sibling of branch) {
    hash = pos & 1 ? hashPair(sibling, hash) : hashPair(hash, sibling);
    pos >>= 1;
  }
  return hash;
}
