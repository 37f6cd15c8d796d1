import {
  buildMerkleProof,
  decodeMerkleProof,
  encodeMerkleProof,
  verifyMerkleProof,
} from '../../consensus/merkle-proof.js';
import { DecodeError } from '../../encoding/errors.js';
import { bytesToHex, hashToHex } from '../../encoding/hex.js';
import { RpcError, RpcErrorCode } from '../../rpc/errors.js';
import type { RpcMethod } from '../../rpc/server.js';
import type { NodeContext } from '../context.js';
import { p } from './params.js';

/** MAX_PROOF_TXIDS: txids one gettxoutproof call may name (a block holds fewer than this many). */
export const MAX_PROOF_TXIDS = 20_000;

/**
 * gettxoutproof / verifytxoutproof: merkle proofs in bitcoind's format (CMerkleBlock), so anyone
 * holding only headers can check that a transaction is in a block.
 */
export function proofMethods(ctx: NodeContext): Record<string, RpcMethod> {
  const { queries } = ctx;
  return {
    gettxoutproof: (a) => {
      const list = p.required(a, 0, 'txids');
      if (!Array.isArray(list) || list.length === 0)
        throw new RpcError(RpcErrorCode.InvalidParameter, 'txids must be a non-empty array of txids');
      if (list.length > MAX_PROOF_TXIDS)
        throw new RpcError(RpcErrorCode.InvalidParameter, `at most ${MAX_PROOF_TXIDS} txids`);
      const wanted = new Set<string>();
      const ids = list.map((_, i) => {
        const id = p.hash(list, i, 'txid');
        const key = bytesToHex(id);
        if (wanted.has(key))
          throw new RpcError(RpcErrorCode.InvalidParameter, `Invalid parameter, duplicated txid: ${hashToHex(id)}`);
        wanted.add(key);
        return id;
      });
      let entry;
      if (a[1] !== undefined && a[1] !== null) {
        entry = queries.entry(p.hash(a, 1, 'blockhash'));
        if (!entry) throw new RpcError(RpcErrorCode.InvalidAddressOrKey, 'Block not found');
      } else {
        for (const id of ids) {
          entry = ctx.txindex()?.locate(id)?.entry;
          if (entry) break;
        }
        if (!entry)
          throw new RpcError(RpcErrorCode.InvalidAddressOrKey, notFoundReason(ctx, 'Transaction not yet in block'));
      }
      const block = queries.block(entry);
      const found = block.txids.filter((t) => wanted.has(bytesToHex(t))).length;
      if (found !== wanted.size)
        throw new RpcError(
          RpcErrorCode.InvalidAddressOrKey,
          'Not all transactions found in specified or retrieved block',
        );
      const proof = buildMerkleProof(block.header, block.txids, (t) => wanted.has(bytesToHex(t)));
      return bytesToHex(encodeMerkleProof(proof));
    },
    verifytxoutproof: (a) => {
      let proof;
      try {
        proof = decodeMerkleProof(p.hex(a, 0, 'proof'));
      } catch (err) {
        if (err instanceof DecodeError)
          throw new RpcError(RpcErrorCode.Deserialization, `Proof decode failed: ${err.message}`);
        throw err;
      }
      const r = verifyMerkleProof(proof, { maxTransactions: Math.floor(ctx.params.maxBlockBytes / 60) });
      // Like bitcoind: a proof whose transactions do not hash to its header's root proves nothing.
      if (!r.ok) return [];
      const entry = queries.entry(r.blockHash);
      if (!entry || !queries.isOnMainChain(entry))
        throw new RpcError(RpcErrorCode.InvalidAddressOrKey, 'Block not found in chain');
      // The count is not covered by the root; this node knows the real one.
      if (entry.txCount !== proof.txCount) return [];
      return r.matches.map((m) => hashToHex(m.txid));
    },
  };
}

/** Why a confirmed transaction could not be found: say so when the index is still catching up or off. */
export function notFoundReason(ctx: NodeContext, message: string): string {
  const index = ctx.txindex();
  if (!index) return `${message} (the node runs without its transaction index: give the block hash)`;
  if (!index.synced)
    return `${message} (the transaction index is still catching up: height ${index.height} of ${ctx.queries.tip().height})`;
  return message;
}
