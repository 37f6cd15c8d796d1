/**
 * Schedule 1 of 3 (CI): six peers, each in a network namespace of its own, cut 3 | 3 by nftables
 * drops with a miner on each side, while slow and stalled links come and go and the wallets pay
 * continuously, across the partition too. Seed 2 gives two split partitions (the first 20 s
 * long). Every property must hold; the figures go to the test log.
 */
import { ensureBuilt } from '../helpers.js';
import { chaosJson, expectHealthy, scratch } from './cli.js';
import { netnsTest } from './gate.js';
import type { PartitionFault } from '../../../src/testnet/chaos/schedule.js';

beforeAll(() => ensureBuilt(), 360_000);

netnsTest(
  'chaos: a 3 | 3 partition with miners on both sides and payments across it (netns, seed 2)',
  async () => {
    const s = scratch('split');
    try {
      const r = await chaosJson(
        [
          '--netns',
          '--nodes',
          '6',
          '--miners',
          '2',
          '--duration',
          '40',
          '--seed',
          '2',
          '--faults',
          'split,link',
          '--dir',
          `${s.dir}/run`,
        ],
        { timeoutMs: 600_000 },
      );
      const text = await expectHealthy(r, s.dir);
      const splits = r.report.run.schedule.filter((f) => f.fault.kind === 'partition');
      expect(splits.length).toBeGreaterThan(0);
      for (const f of splits) {
        const p = f.fault as PartitionFault;
        expect(p.shape).toBe('halves');
        expect(p.sides.map((x) => x.length)).toEqual([3, 3]);
        // A miner (peer 0 or 1) on each side.
        expect(p.sides.map((x) => x.some((q) => q < 2))).toEqual([true, true]);
      }
      // Payments crossed a partition while it was up: accepted on one side, paying the other.
      const windows = r.history.events.flatMap((e) => (e.type === 'fault' && e.fault.kind === 'partition' ? [e] : []));
      const across = r.history.events.filter((e) => {
        if (e.type !== 'payment' || e.op !== 'submitted') return false;
        const w = windows.find(
          (x) => x.op === 'apply' && x.t <= e.t && !windows.some((y) => y.op === 'heal' && y.id === x.id && y.t <= e.t),
        );
        const p = w?.fault as PartitionFault | undefined;
        return !!p && p.sides[0].includes(e.from) !== p.sides[0].includes(e.to);
      });
      const acceptedIds = new Set(
        r.history.events.flatMap((e) => (e.type === 'payment' && e.op === 'accepted' ? [e.id] : [])),
      );
      expect(across.some((e) => e.type === 'payment' && acceptedIds.has(e.id))).toBe(true);
      console.log(`split (netns, seed 2):\n${text}`);
    } finally {
      s.remove();
    }
  },
  900_000,
);
