/**
 * Tests that need network namespaces (root, iproute2, nftables) run where they can; elsewhere
 * each says why in its name and does nothing. CI runs as root with both installed (.ci/run).
 */
import { netnsUnavailable } from '../../../src/testnet/netns.js';

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

/** Whether this process can run a child as another user (for the no-root tests). */
export const IS_ROOT = process.getuid?.() === 0;
