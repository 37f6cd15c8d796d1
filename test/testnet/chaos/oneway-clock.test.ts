/**
 * Schedule 2 of 3 (CI): four peers in namespaces; a one-way partition (packets from [0,3] never
 * reach [1,2]; the other way they do, which TCP cannot use either) while clocks are skewed by
 * hours: peer 2 two hours ahead during the partition (the future-time limit's edge), then miner 1
 * two hours behind (its blocks stamped at the median time past + 1, and every block of the others
 * too far in its future). A clock fault restarts the peer with `--clock-offset`; its heal restarts
 * it on the true clock. Every property must hold.
 */
import { ensureBuilt } from '../helpers.js';
import { scenario } from './cli.js';
import { netnsTest } from './gate.js';

beforeAll(() => ensureBuilt(), 360_000);

netnsTest(
  'chaos: a one-way partition plus clock skew (netns, seed 5)',
  () =>
    scenario(
      'one-way + clock (netns, seed 5)',
      ['--netns', '--nodes', '4', '--miners', '2', '--duration', '40', '--seed', '5', '--faults', 'oneway,clock'],
      (r) => {
        const kinds = r.report.run.schedule.map((f) => (f.fault.kind === 'partition' ? f.fault.shape : f.fault.kind));
        expect(kinds).toContain('oneway');
        const skews = r.report.run.schedule.flatMap((f) => (f.fault.kind === 'clock' ? [f.fault] : []));
        expect(skews.length).toBeGreaterThanOrEqual(2);
        // Each skewed peer really ran with its offset, then on the true clock again.
        for (const k of skews) {
          const starts = r.history.events.flatMap((e) =>
            e.type === 'peer' && e.op === 'started' && e.peer === k.peer ? [e.clockOffset] : [],
          );
          expect(starts).toEqual(expect.arrayContaining([k.offset, 0]));
          expect(starts.at(-1)).toBe(0);
        }
      },
    ),
  900_000,
);
