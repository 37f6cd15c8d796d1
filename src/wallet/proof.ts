/**
 * Payment proofs for someone who trusts no node: `prove` asks a node for a merkle proof that a
 * transaction is in a block (bitcoind's format), and `verifyProof` checks one against a header
 * chain the wallet fetched and checked itself, the way a light client does: every header links to
 * the one before, starts at this network's genesis, meets its own target, carries the bits the
 * difficulty rule demands and a time after the median of the 11 before it. The node is asked only
 * for headers by height; nothing it says about the proof is believed.
 */
import type { BlockHeader } from '../consensus/header.js';
import { decodeHeader, headerHash } from '../consensus/header.js';
import { decodeMerkleProof, verifyMerkleProof } from '../consensus/merkle-proof.js';
import type { NetworkParams } from '../consensus/params/types.js';
import { blockWork } from '../consensus/pow.js';
import { checkHeaderPow } from '../consensus/rules/block.js';
import { checkHeaderContext, headerContextAfter, type ChainBlock } from '../consensus/rules/contextual.js';
import { DecodeError } from '../encoding/errors.js';
import { bytesToHex, equalBytes, hashToHex, hexToBytes, hexToHash } from '../encoding/hex.js';
import type { RpcClient } from '../rpc/client.js';
import { RpcError } from '../rpc/errors.js';
import { WalletError } from './errors.js';

/** Heights fetched per JSON-RPC batch (two batches each: hashes, then headers). */
const HEADERS_PER_BATCH = 500;

/** The header chain a wallet checked: by height, with the hashes it computed itself. */
export interface CheckedHeaders {
  headers: BlockHeader[];
  hashes: Uint8Array[];
  chainWork: bigint;
}

async function batch<T>(rpc: RpcClient, calls: { method: string; params: unknown[] }[]): Promise<T[]> {
  try {
    return await rpc.callBatch<T>(calls);
  } catch (err) {
    if (err instanceof RpcError)
      throw new WalletError('node-error', `the node refused a header request: ${err.message}`);
    throw err;
  }
}

/**
 * Fetch headers 0..tip from the node and check them (see the top of this file). `now` is the
 * wallet's clock (seconds), for the rule that a header may not be more than 2 hours ahead.
 * WalletError('bad-proof') names the first header that fails.
 */
export async function fetchCheckedHeaders(
  rpc: RpcClient,
  params: NetworkParams,
  now: number,
  onProgress?: (height: number, tip: number) => void,
): Promise<CheckedHeaders> {
  const [tip] = await batch<number>(rpc, [{ method: 'getblockcount', params: [] }]);
  if (!Number.isInteger(tip) || tip! < 0) throw new WalletError('node-error', 'the node sent a bad block count');
  const headers: BlockHeader[] = [];
  const hashes: Uint8Array[] = [];
  let chainWork = 0n;
  const bad = (height: number, why: string) =>
    new WalletError('bad-proof', `the node's header chain fails at height ${height}: ${why}`);
  const ancestor = (h: number): ChainBlock | undefined => (headers[h] ? { height: h, header: headers[h]! } : undefined);
  for (let from = 0; from <= tip!; from += HEADERS_PER_BATCH) {
    const heights = Array.from({ length: Math.min(HEADERS_PER_BATCH, tip! - from + 1) }, (_, i) => from + i);
    const ids = await batch<string>(
      rpc,
      heights.map((h) => ({ method: 'getblockhash', params: [h] })),
    );
    const raw = await batch<string>(
      rpc,
      ids.map((id) => ({ method: 'getblockheader', params: [id, false] })),
    );
    for (let i = 0; i < heights.length; i++) {
      const h = heights[i]!;
      let header: BlockHeader;
      try {
        header = decodeHeader(hexToBytes(String(raw[i])));
      } catch (err) {
        if (err instanceof DecodeError) throw bad(h, `not an 80-byte header (${err.message})`);
        throw err;
      }
      const hash = headerHash(header);
      if (typeof ids[i] !== 'string' || !/^[0-9a-f]{64}$/.test(ids[i]!) || !equalBytes(hash, hexToHash(ids[i]!)))
        throw bad(h, 'the header does not hash to the block hash the node named');
      if (h === 0) {
        if (!equalBytes(hash, params.genesisHash)) throw bad(0, `not ${params.name}'s genesis block`);
      } else {
        if (!equalBytes(header.prevHash, hashes[h - 1]!)) throw bad(h, 'it does not link to the header before it');
        const pow = checkHeaderPow(hash, header.bits, params);
        if (!pow.ok) throw bad(h, 'its hash does not meet its own target');
        const ctx = headerContextAfter(params, ancestor(h - 1)!, ancestor, now);
        const rules = checkHeaderContext(header, ctx);
        if (!rules.ok) throw bad(h, `${rules.code}: ${rules.reason}`);
      }
      headers.push(header);
      hashes.push(hash);
      chainWork += blockWork(header.bits);
    }
    onProgress?.(heights.at(-1)!, tip!);
  }
  return { headers, hashes, chainWork };
}

export interface ProofCheck {
  /** The transactions the proof proves, display hex. */
  txids: string[];
  blockhash: string;
  height: number;
  /** Headers on top of the block, counting itself, in the checked chain. */
  confirmations: number;
  /** Height and work of the checked header chain. */
  headers: number;
  chainwork: string;
}

/** Decode and check a proof on its own: WalletError('bad-proof') for malformed or inconsistent ones. */
export function checkProofBytes(proofHex: string, params: NetworkParams) {
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(proofHex.trim());
  } catch {
    throw new WalletError('bad-proof', 'the proof is not hex');
  }
  let proof;
  try {
    proof = decodeMerkleProof(bytes);
  } catch (err) {
    if (err instanceof DecodeError) throw new WalletError('bad-proof', `the proof does not decode: ${err.message}`);
    throw err;
  }
  const r = verifyMerkleProof(proof, { maxTransactions: Math.floor(params.maxBlockBytes / 60) });
  if (!r.ok) throw new WalletError('bad-proof', `the proof does not hold: ${r.code}: ${r.reason}`);
  if (r.matches.length === 0) throw new WalletError('bad-proof', 'the proof proves no transaction');
  return { proof, result: r };
}

/**
 * Check a proof against headers this wallet fetched and checked: the proof's tree must rebuild
 * its header's merkle root, and that header must be in the checked chain.
 */
export async function verifyProof(
  rpc: RpcClient,
  params: NetworkParams,
  proofHex: string,
  now: number,
  onProgress?: (height: number, tip: number) => void,
): Promise<ProofCheck> {
  const { result } = checkProofBytes(proofHex, params);
  const chain = await fetchCheckedHeaders(rpc, params, now, onProgress);
  const height = chain.hashes.findIndex((h) => equalBytes(h, result.blockHash));
  if (height < 0)
    throw new WalletError(
      'bad-proof',
      `the proof's block ${hashToHex(result.blockHash)} is not in the checked header chain (${chain.hashes.length} headers)`,
    );
  return {
    txids: result.matches.map((m) => hashToHex(m.txid)),
    blockhash: hashToHex(result.blockHash),
    height,
    confirmations: chain.hashes.length - height,
    headers: chain.hashes.length - 1,
    chainwork: chain.chainWork.toString(16).padStart(64, '0'),
  };
}

/** Ask the node for a proof of `txid` and check it proves that transaction before handing it out. */
export async function prove(
  rpc: RpcClient,
  params: NetworkParams,
  txid: string,
  blockhash?: string,
): Promise<{ proof: string; blockhash: string }> {
  if (!/^[0-9a-fA-F]{64}$/.test(txid)) throw new WalletError('bad-proof', `txid must be 64 hex digits, got '${txid}'`);
  if (blockhash !== undefined && !/^[0-9a-fA-F]{64}$/.test(blockhash))
    throw new WalletError('bad-proof', `block hash must be 64 hex digits, got '${blockhash}'`);
  let proof: string;
  try {
    proof = await rpc.call<string>('gettxoutproof', blockhash ? [[txid], blockhash] : [[txid]]);
  } catch (err) {
    if (err instanceof RpcError)
      throw new WalletError('node-error', `the node has no proof of ${txid}: ${err.message}`);
    throw err;
  }
  const { result } = checkProofBytes(String(proof), params);
  const want = bytesToHex(hexToHash(txid));
  if (!result.matches.some((m) => bytesToHex(m.txid) === want))
    throw new WalletError('bad-proof', `the node's proof does not prove ${txid}`);
  return { proof: String(proof), blockhash: hashToHex(result.blockHash) };
}
