/**
 * Tests that need network namespaces (root, iproute2, nftables), or a process without root, run
 * where they can; elsewhere each says why in its name and does nothing. CI runs as root with
 * iproute2 and nftables installed (.ci/run).
 */
import { spawnSync } from 'node:child_process';
import { netnsUnavailable } from '../../../src/testnet/netns.js';
import { BIN } from '../helpers.js';
import { NOBODY } from './cli.js';

export const NETNS_UNAVAILABLE = await netnsUnavailable();

export function netnsTest(name: string, fn: () => Promise<void>, timeoutMs: number): void {
  test(
    NETNS_UNAVAILABLE ? `${name} [not run: ${NETNS_UNAVAILABLE}]` : name,
    async () => {
      if (!NETNS_UNAVAILABLE) await fn();
    },
    timeoutMs,
  );
}

/**
 * How the no-root tests run a child without root: as this process when it is not root; as uid
 * 65534 (through setpriv) when it is, if that user can read the checkout; otherwise `why` says
 * what stops them.
 */
export const UNPRIVILEGED: { uid?: number; why?: string } = (() => {
  if (process.getuid?.() !== 0) return {};
  const probe = spawnSync(
    'setpriv',
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      '--clear-groups',
      '--',
      process.execPath,
      '-e',
      `require('fs').accessSync(${JSON.stringify(BIN)}, 4)`,
    ],
    { stdio: 'ignore' },
  );
  return probe.status === 0 ? { uid: NOBODY } : { why: `uid ${NOBODY} cannot read ${BIN} (or setpriv is missing)` };
})();

/** A test that needs a process without root: named with why it did not run where it cannot. */
export function unprivilegedTest(
  name: string,
  fn: (uid: number | undefined) => Promise<void>,
  timeoutMs: number,
): void {
  test(
    UNPRIVILEGED.why ? `${name} [not run: ${UNPRIVILEGED.why}]` : name,
    async () => {
      if (!UNPRIVILEGED.why) await fn(UNPRIVILEGED.uid);
    },
    timeoutMs,
  );
}
