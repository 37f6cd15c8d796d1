import type { TxLocation } from '../../chain/address-index.js';
import { decodeAddress } from '../../crypto/address.js';
import { equalBytes, hashToHex } from '../../encoding/hex.js';
import { HttpError } from '../../web/http.js';
import type { NodeContext } from '../context.js';

/** MAX_WAITING_SCANS: lookups that may wait for the one running address-index scan; more get 503. */
const MAX_WAITING_SCANS = 4;

export type TxWhere = { kind: 'mempool' } | { kind: 'block'; blockhash: string };

/**
 * Where a transaction is, for the REST `tx/` path and the explorer: the mempool, a block named by
 * the caller, the transaction index (unless the node runs with --no-txindex), an address's
 * history, the UTXO set, or a bounded scan of the address index (see locateTransaction). Scans run one at a time: a public page must not let callers start many.
 */
export class TxLookup {
  private running: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(private readonly ctx: NodeContext) {}

  async find(txid: Uint8Array, hints: { blockhash?: string; address?: string } = {}): Promise<TxWhere> {
    const { queries, mempool, params } = this.ctx;
    if (mempool.get(txid)) return { kind: 'mempool' };
    if (hints.blockhash) return { kind: 'block', blockhash: hints.blockhash };
    // The transaction index, when the node keeps one (and it has caught up with the block).
    const indexed = this.ctx.txindex()?.locate(txid);
    if (indexed) return { kind: 'block', blockhash: hashToHex(indexed.entry.hash) };
    if (hints.address) {
      let pkh: Uint8Array;
      try {
        pkh = decodeAddress(hints.address, params.addressHrp);
      } catch (err) {
        throw new HttpError(400, `invalid address: ${(err as Error).message}`);
      }
      const item = (await queries.addressHistory(pkh)).find((h) => equalBytes(h.txid, txid));
      const entry = item ? queries.atHeight(item.height) : undefined;
      if (entry) return { kind: 'block', blockhash: hashToHex(entry.hash) };
    }
    const where = await this.scan(txid);
    if (where.found) {
      const entry = queries.atHeight(where.height);
      if (entry) return { kind: 'block', blockhash: hashToHex(entry.hash) };
    }
    const why =
      !where.found && !where.complete
        ? `, searched the first ${where.scanned} address-index records; add ?blockhash= or ?address= to look directly`
        : '';
    throw new HttpError(404, `No such mempool or blockchain transaction${why}`);
  }

  private scan(txid: Uint8Array): Promise<TxLocation> {
    if (this.waiting >= MAX_WAITING_SCANS)
      throw new HttpError(503, 'too many transaction lookups at once; try again shortly');
    this.waiting++;
    const run = this.running.then(() => {
      this.waiting--;
      return this.ctx.queries.locateTransaction(txid);
    });
    this.running = run.catch(() => undefined);
    return run;
  }
}
