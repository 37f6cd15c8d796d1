import { bytesToHex, hashToHex } from '../../encoding/hex.js';
import { Coins } from '../../rpc/json.js';
import type { RpcMethod } from '../../rpc/server.js';
import { encodeAddress } from '../../crypto/address.js';
import type { NodeContext } from '../context.js';
import { p } from './params.js';

/**
 * Address index queries for wallets: confirmed coins and history from the chain, and the
 * unconfirmed side from the mempool, so a wallet needs no chain of its own.
 */
export function addressMethods(ctx: NodeContext): Record<string, RpcMethod> {
  const { chain, params, mempool } = ctx;
  const pkhOf = (a: unknown[]) => p.address(a, 0, 'address', params.addressHrp);
  // Like bitcoind's wallet, a coinbase counts as spendable one block later than consensus would
  // first allow (more than `coinbaseMaturity` confirmations), so a wallet's spend of it stays
  // valid if the tip block is reorganised away.
  const mature = (height: number) => chain.height - height >= params.coinbaseMaturity;
  return {
    getaddressutxos: async (a) => {
      const pkh = pkhOf(a);
      const address = encodeAddress(params.addressHrp, pkh);
      const includeMempool = p.bool(a, 1, 'include_mempool', false);
      const confirmed = (await chain.addressUtxos(pkh))
        .filter((u) => !includeMempool || !mempool.spender(u.txid, u.index))
        .map((u) => ({
          address,
          txid: hashToHex(u.txid),
          outputIndex: u.index,
          value: new Coins(u.value),
          satoshis: u.value,
          height: u.height,
          confirmations: chain.height - u.height + 1,
          coinbase: u.coinbase,
          spendable: !u.coinbase || mature(u.height),
        }));
      if (!includeMempool) return confirmed;
      const pkhHex = bytesToHex(pkh);
      const unconfirmed = mempool.all().flatMap((e) =>
        e.tx.outputs
          .map((o, index) => ({ o, index }))
          .filter(({ o, index }) => bytesToHex(o.pubKeyHash) === pkhHex && !mempool.spender(e.txid, index))
          .map(({ o, index }) => ({
            address,
            txid: hashToHex(e.txid),
            outputIndex: index,
            value: new Coins(o.value),
            satoshis: o.value,
            height: -1,
            confirmations: 0,
            coinbase: false,
            spendable: true,
          })),
      );
      return [...confirmed, ...unconfirmed];
    },
    getaddressbalance: async (a) => {
      const pkh = pkhOf(a);
      const pkhHex = bytesToHex(pkh);
      let confirmed = 0n;
      let immature = 0n;
      const coins = await chain.addressUtxos(pkh);
      for (const u of coins) {
        if (u.coinbase && !mature(u.height)) immature += u.value;
        else confirmed += u.value;
      }
      // Unconfirmed: what pool transactions pay to the address minus the confirmed coins they spend.
      let unconfirmed = 0n;
      for (const e of mempool.all()) {
        for (const o of e.tx.outputs) if (bytesToHex(o.pubKeyHash) === pkhHex) unconfirmed += o.value;
      }
      for (const u of coins) if (mempool.spender(u.txid, u.index)) unconfirmed -= u.value;
      for (const e of mempool.all()) {
        e.tx.outputs.forEach((o, index) => {
          if (bytesToHex(o.pubKeyHash) === pkhHex && mempool.spender(e.txid, index)) unconfirmed -= o.value;
        });
      }
      // Received: everything confirmed transactions ever paid to the address (bitcoind's addressindex).
      let received = 0n;
      for (const h of await chain.addressHistory(pkh)) received += h.received;
      return {
        balance: new Coins(confirmed + immature),
        spendable: new Coins(confirmed),
        immature: new Coins(immature),
        unconfirmed: new Coins(unconfirmed),
        received: new Coins(received),
      };
    },
    getaddresshistory: async (a) => {
      const pkh = pkhOf(a);
      const items = await chain.addressHistory(pkh);
      const confirmed = items.map((h) => ({
        txid: hashToHex(h.txid),
        height: h.height,
        blockhash: hashToHex(chain.atHeight(h.height)?.hash ?? new Uint8Array(32)),
        confirmations: chain.height - h.height + 1,
        received: new Coins(h.received),
        sent: new Coins(h.sent),
      }));
      const pkhHex = bytesToHex(pkh);
      const pending = [];
      for (const e of mempool.all()) {
        let received = 0n;
        let sent = 0n;
        for (const o of e.tx.outputs) if (bytesToHex(o.pubKeyHash) === pkhHex) received += o.value;
        for (const i of e.tx.inputs) {
          const coin =
            chain.getCoin(i.prevTxid, i.prevIndex) ?? mempool.get(bytesToHex(i.prevTxid))?.tx.outputs[i.prevIndex];
          if (coin && bytesToHex(coin.pubKeyHash) === pkhHex) sent += coin.value;
        }
        if (received || sent)
          pending.push({
            txid: hashToHex(e.txid),
            height: -1,
            confirmations: 0,
            received: new Coins(received),
            sent: new Coins(sent),
          });
      }
      return [...confirmed, ...pending];
    },
  };
}
