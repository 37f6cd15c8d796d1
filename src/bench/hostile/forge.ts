/**
 * What a hostile peer sends: blocks that pass every context-free rule (proof of work included)
 * but whose parents nobody has, and well-formed transactions that spend coins that do not exist.
 * Built with powchain's library only (as any outside client could), hashed with node:crypto for
 * speed: a flood of thousands of blocks is made in a second or two.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  checkProofOfWork,
  encodeBlock,
  encodeHeader,
  encodeTx,
  makeCoinbase,
  merkleRoot,
  type Block,
  type BlockHeader,
  type NetworkParams,
  type Transaction,
} from '../../index.js';

function sha256d(data: Uint8Array): Uint8Array {
  const first = createHash('sha256').update(data).digest();
  return new Uint8Array(createHash('sha256').update(first).digest());
}

/** Size of a one-input, one-output spend: 4 + 1 + (32 + 4 + 1 + 97) + 1 + (8 + 20) + 4. */
export const JUNK_TX_BYTES = 172;
/** Random bytes one junk transaction takes: its outpoint's txid, its unlock and its output's key hash. */
const JUNK_RANDOM_BYTES = 32 + 97 + 20;

/**
 * A well-formed spend of a coin that does not exist: a random outpoint, and an unlock shaped like
 * a compressed key and a canonical low-S signature (so every context-free check passes; only
 * the missing coin, or the curve, would tell). `random` supplies JUNK_RANDOM_BYTES bytes.
 */
export function junkTx(random: Uint8Array = randomBytes(JUNK_RANDOM_BYTES)): Transaction {
  const unlock = random.slice(32, 129);
  unlock[0] = 0x02; // compressed key prefix
  unlock[33] = (unlock[33]! & 0x7f) | 0x01; // r in [1, n-1]
  unlock[65] = (unlock[65]! & 0x3f) | 0x01; // s in [1, n/2]
  return {
    version: 1,
    inputs: [{ prevTxid: random.slice(0, 32), prevIndex: 0, unlock }],
    outputs: [{ value: 1_000n, pubKeyHash: random.slice(129, 149) }],
    lockTime: 0,
  };
}

/** Grind the nonce until the header meets its own bits (about every second try at regtest's target). */
function grind(header: BlockHeader, params: NetworkParams): BlockHeader {
  for (let nonce = 0; nonce < 0x1_0000_0000; nonce++) {
    header.nonce = nonce;
    if (checkProofOfWork(sha256d(encodeHeader(header)), header.bits, params.powLimit)) return header;
  }
  throw new Error('no nonce meets the target');
}

export interface ForgedBlock {
  block: Block;
  bytes: Uint8Array;
  hash: Uint8Array;
}

/**
 * A block with valid proof of work at `params`' easiest bits on top of `prevHash`, padded with
 * junk spends to about `bytes` bytes. With a random `prevHash` it is an orphan nobody can
 * connect; its context-free checks all pass, so only its missing parent gives it away.
 */
export function forgeBlock(
  params: NetworkParams,
  o: { prevHash?: Uint8Array; height?: number; bytes?: number; time?: number } = {},
): ForgedBlock {
  const coinbase = makeCoinbase({
    height: o.height ?? 1_000,
    extraNonce: BigInt(`0x${randomBytes(8).toString('hex')}`),
    outputs: [{ value: 1n, pubKeyHash: randomBytes(20) }],
  });
  const txs = [coinbase];
  const fill = Math.max(0, Math.floor(((o.bytes ?? 0) - 200) / JUNK_TX_BYTES));
  const random = randomBytes(fill * JUNK_RANDOM_BYTES);
  for (let i = 0; i < fill; i++) txs.push(junkTx(random.subarray(i * JUNK_RANDOM_BYTES)));
  const header = grind(
    {
      version: 1,
      prevHash: o.prevHash ?? randomBytes(32),
      merkleRoot: merkleRoot(txs.map((tx) => sha256d(encodeTx(tx)))).root,
      time: o.time ?? Math.floor(Date.now() / 1000),
      bits: params.genesis.header.bits,
      nonce: 0,
    },
    params,
  );
  const block = { header, txs };
  return { block, bytes: encodeBlock(block), hash: sha256d(encodeHeader(header)) };
}

/**
 * `count` orphans of about `bytes` each. With `chained`, each one's parent is the one before it
 * (the first's parent is unknown): one long branch hanging from nowhere.
 */
export function forgeOrphans(params: NetworkParams, count: number, bytes = 0, chained = false): ForgedBlock[] {
  const out: ForgedBlock[] = [];
  for (let i = 0; i < count; i++) {
    const prevHash = chained && i > 0 ? out[i - 1]!.hash : undefined;
    out.push(forgeBlock(params, { prevHash, height: 1_000 + i, bytes }));
  }
  return out;
}
