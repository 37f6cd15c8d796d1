import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { Host } from './host.js';

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;

/**
 * Keeps dialling configured peers: at start, and again with exponential backoff whenever the
 * connection is missing. Timers are unref'd and all stop with `stop()`.
 */
export class Reconnector {
  private readonly targets = new Map<
    string,
    { ma: Multiaddr; backoff: number; peerId?: string | null; timer?: NodeJS.Timeout }
  >();
  private running = false;

  constructor(
    private readonly host: Host,
    initial: string[],
  ) {
    for (const a of initial) this.targets.set(a, { ma: multiaddr(a), backoff: MIN_BACKOFF_MS });
  }

  start(): void {
    this.running = true;
    for (const key of this.targets.keys()) this.schedule(key, 0);
  }

  stop(): void {
    this.running = false;
    for (const t of this.targets.values()) clearTimeout(t.timer);
  }

  add(addr: string): void {
    if (this.targets.has(addr)) return;
    this.targets.set(addr, { ma: multiaddr(addr), backoff: MIN_BACKOFF_MS });
    if (this.running) this.schedule(addr, 0);
  }

  /** Is `peerId` one of the peers this node keeps dialling (addnode, --peer)? */
  isPersistent(peerId: string): boolean {
    for (const t of this.targets.values()) if ((t.peerId ?? t.ma.getPeerId()) === peerId) return true;
    return false;
  }

  remove(addr: string): boolean {
    const t = this.targets.get(addr);
    if (t) clearTimeout(t.timer);
    return this.targets.delete(addr);
  }

  private schedule(key: string, delay: number): void {
    const t = this.targets.get(key);
    if (!t || !this.running) return;
    clearTimeout(t.timer);
    t.timer = setTimeout(() => void this.attempt(key), delay);
    t.timer.unref();
  }

  private async attempt(key: string): Promise<void> {
    const t = this.targets.get(key);
    if (!t || !this.running) return;
    const peerId = t.peerId ?? t.ma.getPeerId();
    const connected = peerId != null && this.host.getConnections().some((c) => c.remotePeer.toString() === peerId);
    if (!connected) {
      try {
        const conn = await this.host.dial(t.ma, { signal: AbortSignal.timeout(10_000) });
        // An address without /p2p/<id> learns its peer id from the first connection.
        t.peerId = conn.remotePeer.toString();
        t.backoff = MIN_BACKOFF_MS;
      } catch {
        t.backoff = Math.min(MAX_BACKOFF_MS, t.backoff * 2);
      }
    }
    this.schedule(key, connected ? MAX_BACKOFF_MS / 6 : t.backoff);
  }
}
