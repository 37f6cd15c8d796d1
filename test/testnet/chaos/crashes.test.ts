/**
 * Schedule 3 of 3 (CI): crash-heavy, in loopback mode, run as an unprivileged user (uid 65534
 * through setpriv when the tests run as root): no namespaces there, so the command says why in
 * one line and falls back to loopback by itself. Two lanes of SIGKILLs hit four peers, both miners
 * included, several times each; every killed peer is restarted on its data directory when its
 * fault ends. Every property must hold, and every crashed peer came back. `--netns` without root
 * is refused in one line that offers `--loopback`.
 */
import { ensureBuilt } from '../helpers.js';
import { powchain, scenario, scratch } from './cli.js';
import { UNPRIVILEGED, unprivilegedTest } from './gate.js';

beforeAll(() => ensureBuilt(), 360_000);

// Without root where the checkout allows it (the command then picks loopback mode by itself);
// else as root with --loopback, and the test's name says why.
const asUser = UNPRIVILEGED.why ? undefined : UNPRIVILEGED.uid;
const unprivileged = !UNPRIVILEGED.why;

test(
  `chaos: a crash-heavy run in loopback mode (seed 2), ${unprivileged ? 'without root' : `as root [without root not run: ${UNPRIVILEGED.why}]`}`,
  () =>
    scenario(
      `crash-heavy (loopback, uid ${asUser ?? process.getuid?.()}, seed 2)`,
      [
        ...(unprivileged ? [] : ['--loopback']),
        '--nodes',
        '4',
        '--miners',
        '2',
        '--duration',
        '40',
        '--seed',
        '2',
        '--faults',
        'crash',
      ],
      (r) => {
        if (unprivileged)
          expect(r.run.stderr.split('\n')[0]).toBe(
            'powchain: network namespaces need root (CAP_NET_ADMIN): running in loopback mode (peers on 127.0.0.1, partitions in the relays)',
          );
        expect(r.report.run.mode).toBe('loopback');
        const crashes = r.report.run.schedule.flatMap((f) => (f.fault.kind === 'crash' ? [f] : []));
        expect(crashes.length).toBeGreaterThanOrEqual(6);
        expect(new Set(crashes.map((f) => (f.fault as { peer: number }).peer))).toEqual(new Set([0, 1, 2, 3]));
        // Every kill and restart happened, none failed, and each crashed peer answered again.
        const faults = r.history.events.flatMap((e) => (e.type === 'fault' ? [e] : []));
        expect(faults.filter((e) => e.op === 'apply').length).toBe(crashes.length);
        expect(faults.filter((e) => e.op === 'heal').length).toBe(crashes.length);
        expect(faults.filter((e) => e.error)).toEqual([]);
        const liveness = r.report.properties.find((p) => p.name === 'liveness')!;
        expect(liveness.evidence.filter((e) => / killed at .*, answering again at /.test(e)).length).toBe(
          crashes.length,
        );
      },
      asUser,
    ),
  900_000,
);

unprivilegedTest(
  '--netns without root is refused in one line that offers --loopback',
  async (uid) => {
    const s = scratch('refused');
    try {
      const r = await powchain(['testnet', 'chaos', '--netns', '--duration', '10'], {
        timeoutMs: 60_000,
        asUser: uid,
        home: s.dir,
      });
      expect({ code: r.code, err: r.stderr.trim(), out: r.stdout }).toEqual({
        code: 1,
        err: 'powchain: network namespaces need root (CAP_NET_ADMIN); run with --loopback to relay the links on 127.0.0.1 instead',
        out: '',
      });
    } finally {
      s.remove();
    }
  },
  120_000,
);
