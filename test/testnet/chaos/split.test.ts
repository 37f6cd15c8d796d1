/**
 * Schedule 1 of 3 (CI): six peers, each in a network namespace of its own, cut 3 | 3 by nftables
 * drops with a miner on each side, while slow and stalled links come and go and the wallets pay
 * continuously, across the partition too. Seed 2 gives two split partitions (the first 20 s
 * long). Every property must hold; the figures go to the test log.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PartitionFault } from '../../../src/testnet/chaos/schedule.js';
import { ensureBuilt } from '../helpers.js';
import { scenario } from './cli.js';
import { netnsTest } from './gate.js';

beforeAll(() => ensureBuilt(), 360_000);

netnsTest(
  'chaos: a 3 | 3 partition with miners on both sides and payments across it (netns, seed 2)',
  () =>
    scenario(
      'split (netns, seed 2)',
      ['--netns', '--nodes', '6', '--miners', '2', '--duration', '40', '--seed', '2', '--faults', 'split,link'],
      (r) => {
        const splits = r.report.run.schedule.flatMap((f) => (f.fault.kind === 'partition' ? [f.fault] : []));
        expect(splits.length).toBeGreaterThan(0);
        for (const p of splits) {
          expect(p.shape).toBe('halves');
          expect(p.sides.map((x) => x.length)).toEqual([3, 3]);
          // A miner (peer 0 or 1) on each side.
          expect(p.sides.map((x) => x.some((q) => q < 2))).toEqual([true, true]);
        }
        // A payment crossed a partition while it was up: accepted on one side, paying the other.
        const up = (t: number) => {
          const applied = r.history.events.filter(
            (e) => e.type === 'fault' && e.fault.kind === 'partition' && e.t <= t,
          );
          const last = applied.at(-1);
          return last?.type === 'fault' && last.op === 'apply' ? (last.fault as PartitionFault) : undefined;
        };
        const accepted = new Set(
          r.history.events.flatMap((e) => (e.type === 'payment' && e.op === 'accepted' ? [e.id] : [])),
        );
        const across = r.history.events.filter((e) => {
          if (e.type !== 'payment' || e.op !== 'submitted' || !accepted.has(e.id)) return false;
          const p = up(e.t);
          return !!p && p.sides[0].includes(e.from) !== p.sides[0].includes(e.to);
        });
        expect(across.length).toBeGreaterThan(0);
        // The faults also went to the testnet's fault log, for the dashboard's timeline.
        const log = readFileSync(join(dirname(r.report.history), 'faults.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as { type: string; id: string; fault?: string; sides?: number[][] });
        expect(log.filter((e) => e.type === 'fault').map((e) => e.id)).toEqual(
          r.history.events.flatMap((e) => (e.type === 'fault' && e.op === 'apply' ? [`chaos-${e.id}`] : [])),
        );
        expect(log.filter((e) => e.type === 'heal').length).toBe(r.report.run.schedule.length);
        expect(log.find((e) => e.fault === 'partition')?.sides).toEqual(splits[0]!.sides);
      },
    ),
  900_000,
);
