/** The cost account: charges go to the peer's score, and are tallied by kind per peer. */
import { COSTS, CostAccount } from '../../src/net/costs.js';
import { BAN_THRESHOLD, PeerScorer } from '../../src/net/scorer.js';

test('charges add up in the score and in the tally; a flood of cheap things ends in one ban', () => {
  const scorer = new PeerScorer(() => 0);
  const bans: string[] = [];
  scorer.on('ban', (b) => bans.push(b.peerId));
  const costs = new CostAccount(scorer);
  costs.charge('a', 'oversized-frame', '5 MB frame');
  expect(scorer.penalty('a')).toBe(COSTS['oversized-frame']);
  const perBan = Math.ceil((BAN_THRESHOLD - COSTS['oversized-frame']) / COSTS['unconnectable-tx']);
  for (let i = 0; i < perBan + 100; i++) costs.charge('a', 'unconnectable-tx', 'missing inputs');
  expect(bans).toEqual(['a']);
  expect(costs.tally('a')).toEqual({ 'oversized-frame': 1, 'unconnectable-tx': perBan + 100 });
  // Units: one charge for several.
  costs.charge('b', 'orphan-dropped', 'expired', 3);
  expect(scorer.penalty('b')).toBe(3 * COSTS['orphan-dropped']);
  costs.charge('b', 'orphan-dropped', 'nothing', 0);
  expect(costs.tally('b')).toEqual({ 'orphan-dropped': 3 });
  expect(costs.tally('nobody')).toEqual({});
});
