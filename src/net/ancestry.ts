import { BoundedMap } from '../collections/bounded-map.js';

/** Bounds on asking peers for the ancestry of the orphans they send. */
export const ANCESTRY = {
  /** MAX_ANCESTRY_ATTEMPTS: fetches from one peer, counted when they start, until one moves our tip. */
  maxAttempts: 5,
  /** Fetches in flight from one peer. */
  inFlightPerPeer: 1,
  /** MAX_ANCESTRY_IN_FLIGHT: fetches in flight from all peers. */
  inFlight: 4,
  /** Peers whose attempts are counted at once (oldest forgotten first). */
  maxPeers: 1_000,
} as const;

export interface AncestryHooks {
  /**
   * Ask `peer` for its status and sync from it if it has more work (what a fetch is). True when
   * it claimed more work, so a sync was asked of it; false when its status showed it has none.
   */
  fetch(peer: string): Promise<boolean>;
  /** Is `peer` connected now? */
  connected(peer: string): boolean;
  /** A measure of our chain that grows when a fetch brought something (the tip's chain work). */
  progress(): bigint;
  /** `peer` claimed more work and the sync brought no block (or it did not answer): charge it. */
  wasted(peer: string, reason: string): void;
}

/**
 * Fetching the ancestry of orphan blocks from the peers that sent them, bounded by what is in
 * flight rather than by what has finished: an orphan whose missing ancestor is already being
 * fetched (from anyone) starts nothing, a peer has at most one fetch in flight and a few in all,
 * and every peer's attempts are counted the moment they start. So a flood of orphans arriving
 * together makes the node call its sender back once, not once per orphan. A fetch from a peer that
 * claimed more work and brought no block is charged to it; one that moves the tip clears its count.
 */
export class AncestryFetcher {
  private readonly attempts = new BoundedMap<string, number>(ANCESTRY.maxPeers);
  private readonly busy = new Map<string, number>();
  /** Missing ancestors being fetched now. */
  private readonly fetching = new Set<string>();
  private running = 0;

  constructor(private readonly hooks: AncestryHooks) {}

  /** Fetches in flight now. */
  get inFlight(): number {
    return this.running;
  }

  /**
   * `peer` sent an orphan whose missing ancestor is `missing`: fetch it from that peer, unless a
   * bound says no (then the orphan waits; the next orphan or status round asks again). True when
   * a fetch started.
   */
  request(peer: string, missing: string): boolean {
    if (this.fetching.has(missing)) return false;
    if ((this.busy.get(peer) ?? 0) >= ANCESTRY.inFlightPerPeer || this.running >= ANCESTRY.inFlight) return false;
    const attempts = this.attempts.get(peer) ?? 0;
    if (attempts >= ANCESTRY.maxAttempts || !this.hooks.connected(peer)) return false;
    this.attempts.delete(peer);
    this.attempts.set(peer, attempts + 1);
    this.busy.set(peer, (this.busy.get(peer) ?? 0) + 1);
    this.fetching.add(missing);
    this.running++;
    void this.run(peer, missing);
    return true;
  }

  private async run(peer: string, missing: string): Promise<void> {
    const before = this.hooks.progress();
    // A peer whose status shows no more work than ours was asked one status request: its orphan
    // is on a branch with less work (an honest relay of a side block does this), and costs it
    // when it leaves the pool unconnected. One that claims more work and brings nothing pays.
    let claimedMore = true;
    try {
      claimedMore = await this.hooks.fetch(peer);
    } catch {
      // judged below, like a fetch that brought nothing
    } finally {
      this.running--;
      this.fetching.delete(missing);
      const left = (this.busy.get(peer) ?? 1) - 1;
      if (left > 0) this.busy.set(peer, left);
      else this.busy.delete(peer);
    }
    if (this.hooks.progress() > before) this.attempts.delete(peer);
    else if (claimedMore) this.hooks.wasted(peer, `asked for the ancestry of ${missing}, got nothing`);
  }
}
