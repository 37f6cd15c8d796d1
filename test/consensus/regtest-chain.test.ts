import { blockSubsidy } from '../../src/consensus/amounts.js';
import { decodeBlockWithTxids, encodeBlock, type Block } from '../../src/consensus/block.js';
import type { Coin } from '../../src/consensus/coin.js';
import { checkBlock } from '../../src/consensus/rules/block.js';
import {
  checkCoinbaseAmount,
  checkCoinbaseHeight,
  checkHeaderContext,
  checkTxInputs,
  signatureItems,
} from '../../src/consensus/rules/contextual.js';
import { networks } from '../../src/consensus/params/networks.js';
import { outpointKey, totalOutput, txid } from '../../src/consensus/tx.js';
import { verifySignature } from '../../src/crypto/verify.js';
import { equalBytes } from '../../src/encoding/hex.js';
import { RegtestChain } from '../helpers/chain.js';
import { testKey } from '../helpers/keys.js';
import { mineBlock } from '../helpers/mine.js';
import { payTo, signSpend } from '../helpers/tx.js';

/**
 * Every consensus check, composed the way a chain connects a block on its tip: the test that
 * the pieces fit together, and that the test helpers build blocks a real validator accepts.
 * Coins spent earlier in the same block are reported missing, as the spec requires.
 */
function validateChild(chain: RegtestChain, block: Block, now = chain.tipTime + 600): string {
  const params = chain.params;
  const height = chain.height + 1;
  if (!equalBytes(block.header.prevHash, chain.tipHash)) return 'not-a-child';
  const { txids } = decodeBlockWithTxids(encodeBlock(block), params.maxBlockBytes);
  for (const r of [
    checkBlock(block, params, { txids }),
    checkHeaderContext(block.header, chain.headerContext(now)),
    checkCoinbaseHeight(block, height),
  ]) {
    if (!r.ok) return r.code;
  }
  const created = new Map<string, Coin>();
  const spent = new Set<string>();
  let fees = 0n;
  for (const [n, tx] of block.txs.entries()) {
    if (n === 0) continue;
    const coins = tx.inputs.map((i) => {
      const k = outpointKey(i.prevTxid, i.prevIndex);
      return spent.has(k) ? undefined : (created.get(k) ?? chain.coinAt(i.prevTxid, i.prevIndex));
    });
    const r = checkTxInputs(tx, coins, height, params.coinbaseMaturity);
    if (!r.ok) return r.code;
    const items = signatureItems(tx, coins as Coin[], params.genesisHash);
    if (!items.every((it) => verifySignature(it.sig, it.digest, it.pubkey))) return 'bad-signature';
    fees += r.fee;
    for (const i of tx.inputs) spent.add(outpointKey(i.prevTxid, i.prevIndex));
    tx.outputs.forEach((o, index) => created.set(outpointKey(txids[n]!, index), { ...o, height, coinbase: false }));
  }
  const amount = checkCoinbaseAmount(block.txs[0]!, blockSubsidy(height, params.halvingInterval), fees);
  return amount.ok ? 'ok' : amount.code;
}

const alice = testKey('alice');
const bob = testKey('bob');
const carol = testKey('carol');

describe('a regtest chain built by the helpers, checked by every consensus rule', () => {
  const chain = new RegtestChain();
  const MATURITY = chain.params.coinbaseMaturity;

  test('coinbase-only blocks up to maturity are each valid children of the tip', () => {
    for (let i = 0; i < MATURITY; i++) {
      const block = chain.build({ minerKey: alice });
      expect(validateChild(chain, block)).toBe('ok');
      chain.connect(block);
    }
    expect(chain.height).toBe(MATURITY);
    // Nothing is mature yet: the first coinbase (height 1) is spendable from height 1 + MATURITY.
    expect(chain.spendable(alice)).toHaveLength(1);
    expect(chain.spendable(alice)[0]!.coin.height).toBe(1);
  });

  test('premature: spending the height-2 coinbase one block early', () => {
    const cb2 = chain.blocks[2]!.txs[0]!;
    const owned = { outpoint: { txid: txid(cb2), index: 0 }, coin: chain.coinAt(txid(cb2), 0)!, key: alice };
    const tx = signSpend({ inputs: [owned], outputs: [payTo(bob, 1n)], genesisHash: chain.params.genesisHash });
    const block = mineBlock({
      prevHash: chain.tipHash,
      height: chain.height + 1,
      time: chain.tipTime + 600,
      txs: [tx],
      fees: owned.coin.value - 1n,
    });
    expect(validateChild(chain, block)).toBe('bad-txns-premature-spend-of-coinbase');
  });

  test('a mature coinbase spend, and a child spending its output in the same block, with fees to the miner', () => {
    const pay = chain.spend({ from: alice, to: bob, value: 10n * 100_000_000n, fee: 1_000n });
    const bobOut = {
      outpoint: { txid: txid(pay), index: 0 },
      coin: { ...pay.outputs[0]!, height: chain.height + 1, coinbase: false },
      key: bob,
    };
    const child = signSpend({
      inputs: [bobOut],
      outputs: [payTo(carol, bobOut.coin.value - 500n)],
      genesisHash: chain.params.genesisHash,
    });
    const block = chain.build({ txs: [pay, child] });
    expect(totalOutput(block.txs[0]!)).toBe(blockSubsidy(chain.height + 1, chain.params.halvingInterval) + 1_500n);
    expect(validateChild(chain, block)).toBe('ok');
    // The same transactions in the wrong order: the child's input does not exist yet.
    const swapped = mineBlock({
      prevHash: chain.tipHash,
      height: chain.height + 1,
      time: chain.tipTime + 600,
      txs: [child, pay],
      fees: 1_500n,
    });
    expect(validateChild(chain, swapped)).toBe('bad-txns-inputs-missingorspent');
    chain.connect(block);
    expect(chain.spendable(carol).map((c) => c.coin.value)).toEqual([bobOut.coin.value - 500n]);
  });

  test('a coin spent twice in one block: the second spend finds it missing', () => {
    const [coin] = chain.spendable(alice);
    const a = signSpend({ inputs: [coin!], outputs: [payTo(bob, 1n)], genesisHash: chain.params.genesisHash });
    const b = signSpend({ inputs: [coin!], outputs: [payTo(carol, 1n)], genesisHash: chain.params.genesisHash });
    const fees = 2n * (coin!.coin.value - 1n);
    const block = mineBlock({
      prevHash: chain.tipHash,
      height: chain.height + 1,
      time: chain.tipTime + 600,
      txs: [a, b],
      fees,
    });
    expect(validateChild(chain, block)).toBe('bad-txns-inputs-missingorspent');
  });

  test('a coinbase claiming one unit more than subsidy + fees', () => {
    const pay = chain.spend({ from: alice, to: bob, value: 1n, fee: 10n });
    const height = chain.height + 1;
    const block = mineBlock({ prevHash: chain.tipHash, height, time: chain.tipTime + 600, txs: [pay], fees: 11n });
    expect(validateChild(chain, block)).toBe('bad-cb-amount');
    expect(validateChild(chain, chain.build({ txs: [pay] }))).toBe('ok');
  });

  test('a spend signed for another network is a bad signature here', () => {
    const [coin] = chain.spendable(alice);
    const tx = signSpend({
      inputs: [coin!],
      outputs: [payTo(bob, coin!.coin.value)],
      genesisHash: networks.main.genesisHash,
    });
    expect(validateChild(chain, chain.build({ txs: [tx] }))).toBe('bad-signature');
  });

  test('header context through the builder: too old, too new, and a block on the wrong parent', () => {
    expect(validateChild(chain, chain.build({ time: chain.medianTimePast() }))).toBe('time-too-old');
    const now = chain.tipTime;
    expect(validateChild(chain, chain.build({ time: now + 7201 }), now)).toBe('time-too-new');
    const elsewhere = mineBlock({ prevHash: chain.hashes[1]!, height: chain.height + 1, time: chain.tipTime + 600 });
    expect(validateChild(chain, elsewhere)).toBe('not-a-child');
    const wrongHeight = mineBlock({ prevHash: chain.tipHash, height: chain.height + 2, time: chain.tipTime + 600 });
    expect(validateChild(chain, wrongHeight)).toBe('bad-cb-height');
  });

  test('builder state: blocks link, hashes match, spent coins are gone', () => {
    for (let h = 1; h <= chain.height; h++) expect(chain.blocks[h]!.header.prevHash).toEqual(chain.hashes[h - 1]);
    const spentCb = chain.blocks[1]!.txs[0]!;
    expect(chain.coinAt(txid(spentCb), 0)).toBeUndefined();
    expect(chain.coinAt(txid(chain.blocks[3]!.txs[0]!), 0)).toMatchObject({ height: 3, coinbase: true });
  });
});
