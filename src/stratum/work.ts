/**
 * Stratum work: how a powchain block template becomes `mining.notify`'s coinb1, coinb2 and merkle
 * branch, and how a submitted share becomes a header and a block again.
 *
 * powchain's coinbase is not Bitcoin's: its single input's unlock is
 * `height u32 || extraNonce u64 || up to 88 free bytes` (no script). The extranonces go where
 * the extraNonce is:
 *
 *   coinb1 = version | 01 | 32 zero bytes | ffffffff | unlock length | height
 *   then     extranonce1 (4 bytes, per connection) | extranonce2 (4-8 bytes, the miner's)
 *   coinb2 = tag | output count | outputs | lockTime
 *
 * extranonce1 and the first 4 bytes of extranonce2 are the u64 extraNonce; the rest of
 * extranonce2 and the tag are free bytes. The unlock stays within its 100 bytes (at most
 * 4 + 4 + 8 + 18). The merkle branch is the coinbase's (position 0): the sibling hashes from
 * the leaves up, in internal byte order, which the miner folds in after hashing its coinbase.
 */
import type { Block } from '../consensus/block.js';
import { COINBASE_MAX_UNLOCK } from '../consensus/coinbase.js';
import { headerHash, type BlockHeader } from '../consensus/header.js';
import { merkleBranch, merkleRootFromBranch } from '../consensus/merkle-proof.js';
import { COINBASE_PREV_INDEX, decodeTx, type Transaction } from '../consensus/tx.js';
import { sha256d } from '../crypto/hash.js';
import { bytesToHex, concatBytes } from '../encoding/hex.js';
import { ByteWriter } from '../encoding/writer.js';

/** What the node hands the Stratum server: a block template on the current tip, without a coinbase. */
export interface WorkTemplate {
  prevHash: Uint8Array;
  height: number;
  version: number;
  bits: number;
  /** The block target the bits encode. */
  target: bigint;
  /** The template's time (the share's ntime may be later, never earlier than minTime). */
  time: number;
  /** Median time past + 1: the earliest time a block on this tip may carry. */
  minTime: number;
  /** Every transaction after the coinbase, parents first, with their txids. */
  txs: Transaction[];
  txids: Uint8Array[];
  /** Subsidy plus fees: what the coinbase pays. */
  reward: bigint;
}

export const EXTRANONCE1_BYTES = 4;
/** Marks blocks mined through this server; part of the coinbase's free bytes. */
const TAG = new TextEncoder().encode('/powchain stratum/');

/** A template made ready for Stratum: its coinbase merkle branch, computed once. */
export interface PreparedTemplate extends WorkTemplate {
  branch: Uint8Array[];
  /** Set once a newer tip's template replaces it: shares on its jobs are stale. */
  stale: boolean;
}

export function prepareTemplate(t: WorkTemplate): PreparedTemplate {
  // The branch of position 0 never reads position 0: any placeholder stands for the coinbase.
  return { ...t, branch: merkleBranch([new Uint8Array(32), ...t.txids], 0), stale: false };
}

/** A template's coinbase for one payout address, split around the extranonces. */
export interface CoinbaseParts {
  coinb1: Uint8Array;
  coinb2: Uint8Array;
}

export function coinbaseParts(t: WorkTemplate, payTo: Uint8Array, extranonce2Size: number): CoinbaseParts {
  const unlockLength = 4 + EXTRANONCE1_BYTES + extranonce2Size + TAG.length;
  if (unlockLength > COINBASE_MAX_UNLOCK) throw new RangeError('the coinbase unlock would exceed 100 bytes');
  const coinb1 = new ByteWriter(4 + 1 + 32 + 4 + 1 + 4)
    .u32(1)
    .varint(1)
    .bytes(new Uint8Array(32))
    .u32(COINBASE_PREV_INDEX)
    .varint(unlockLength)
    .u32(t.height)
    .finish();
  const coinb2 = new ByteWriter(TAG.length + 1 + 28 + 4)
    .bytes(TAG)
    .varint(1)
    .u64(t.reward)
    .bytes(payTo)
    .u32(0)
    .finish();
  return { coinb1, coinb2 };
}

/** The header a share describes, its hash, and the coinbase it commits to. */
export interface Share {
  header: BlockHeader;
  hash: Uint8Array;
  coinbase: Uint8Array;
}

export function assembleShare(
  t: PreparedTemplate,
  parts: CoinbaseParts,
  extranonce1: Uint8Array,
  extranonce2: Uint8Array,
  time: number,
  nonce: number,
): Share {
  const coinbase = concatBytes(parts.coinb1, extranonce1, extranonce2, parts.coinb2);
  const header: BlockHeader = {
    version: t.version,
    prevHash: t.prevHash,
    merkleRoot: merkleRootFromBranch(sha256d(coinbase), 0, t.branch),
    time,
    bits: t.bits,
    nonce,
  };
  return { header, hash: headerHash(header), coinbase };
}

/** The block a share that met the block target stands for. */
export function shareBlock(t: WorkTemplate, share: Share): Block {
  return { header: share.header, txs: [decodeTx(share.coinbase), ...t.txs] };
}

/**
 * Stratum's prevhash: the previous block's hash in internal byte order with each 4-byte word
 * reversed. Miners (cpuminer's le32dec per word, then big-endian hashing) undo exactly that.
 */
export function stratumPrevHash(prevHash: Uint8Array): string {
  const out = new Uint8Array(32);
  for (let w = 0; w < 32; w += 4) for (let i = 0; i < 4; i++) out[w + i] = prevHash[w + 3 - i]!;
  return bytesToHex(out);
}

/** A u32 header field as Stratum sends it (version, nbits, ntime, nonce): 8 big-endian hex digits. */
export function u32Hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
