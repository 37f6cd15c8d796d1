/**
 * A block gossiped without being asked for, on a branch with less work than the receiver's tip,
 * is neither stored nor relayed, and costs its sender nothing (it is valid, just not interesting).
 * Equal work is still stored (first seen keeps the tip), and once that branch overtakes, the new
 * tip arrives with more work and the receiver fetches and connects the whole branch.
 */
import { bytesToHex } from '../../src/encoding/hex.js';
import { blockBytes, extendLocal, give, link, meshed, publishRawBlock, TestNet, until } from './helpers.js';

test('less-work side blocks from gossip are not stored; equal work is; a heavier branch is fetched whole', async () => {
  const net = new TestNet();
  try {
    const a = await net.startPeer({ name: 'A' });
    const b = await net.startPeer({ name: 'B' });
    const history = await extendLocal(a, 'h', 5);
    await give(b, history);
    // A is two blocks ahead of what B has.
    const ahead = await extendLocal(a, 'a', 2);
    await link(a, b);
    await meshed(a, b);
    // Every other block is built by A's harness (it knows the names) and only given to B.
    const make = (name: string, parent: string) => a.h.block(name, parent).block;
    const tipOf = (p: typeof a) => bytesToHex(p.h.chain.tip.hash);
    const hashOf = (name: string) => bytesToHex(a.h.get(name).hash);

    // B's side branch from h4: s1 (height 5) and s2 (height 6), both less work than A's tip (7).
    const s1 = make('s1', 'h4');
    const s2 = make('s2', 's1');
    await publishRawBlock(b, blockBytes(s1));
    await publishRawBlock(b, blockBytes(s2));
    // A block A does want, from the same sender right after them: once A has it, it has judged s1 and s2.
    const a3 = make('a3', 'a2');
    // B has synced A's two blocks by now (status exchange on connecting), or gets them here.
    await until(() => b.h.chain.height === 7, 'B to sync a1 and a2');
    expect(tipOf(b)).toBe(hashOf(`a${ahead.length}`));
    await give(b, [a3]);
    await publishRawBlock(b, blockBytes(a3));
    await until(() => a.h.chain.height === 8, 'A to connect a3');
    expect(a.h.chain.entry(a.h.get('s1').hash)).toBeUndefined();
    expect(a.h.chain.entry(a.h.get('s2').hash)).toBeUndefined();
    expect(a.svc.scorer.penalty(b.id)).toBe(0);

    // Equal work (a sibling of A's tip): stored, the first seen tip kept.
    const x3 = make('x3', 'a2');
    await publishRawBlock(b, blockBytes(x3));
    await until(() => a.h.chain.entry(a.h.get('x3').hash) !== undefined, 'A to store the equal-work sibling');
    expect(tipOf(a)).toBe(hashOf('a3'));

    // B's side branch grows past A's tip; B gossips only the newest block and A fetches the rest.
    const branch = [s1, s2];
    let prev = 's2';
    for (const name of ['s3', 's4', 's5', 's6', 's7']) {
      branch.push(make(name, prev));
      prev = name;
    }
    await b.h.chain.processBlocks(branch.map((block) => ({ block })));
    expect(tipOf(b)).toBe(hashOf('s7'));
    await publishRawBlock(b, blockBytes(a.h.get('s7').block));
    await until(() => tipOf(a) === hashOf('s7'), 'A to reorganise to the heavier branch');
    expect(a.svc.scorer.penalty(b.id)).toBe(0);
  } finally {
    await net.close();
  }
});
