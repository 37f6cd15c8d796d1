import { BoundedMap } from '../collections/bounded-map.js';
import { PENALTY, type PeerScorer } from './scorer.js';

/**
 * Everything a peer can make this node do that is charged to it, and what each costs the peer's
 * score. First invalid data (the sender could have checked it itself: PENALTY in scorer.ts), then
 * the floods made of well-formed things: each is bounded per peer where it is held (the orphan
 * pool's quota, the gossip intake queue, the frame limit), and what goes past the bound, or is
 * spent for nothing, is charged here. docs/architecture.md ("Hostile peers") lists every bound.
 */
export const COSTS = {
  /** A gossiped block or transaction that breaks a consensus rule or does not decode. */
  'invalid-gossip': PENALTY.invalidGossip,
  /** A request or response frame that is malformed, oversized or too slow (stream abuse). */
  'bad-frame': PENALTY.badFrame,
  /** Requests above the rate limit (stream abuse). */
  'rate-limited': PENALTY.rateLimited,
  /** Headers that do not link, or fail proof of work, difficulty or time rules. */
  'invalid-headers': PENALTY.invalidHeaders,
  /** A block in a response that is not the one asked for, or invalid. */
  'invalid-block': PENALTY.invalidBlock,
  /** A gossip message dropped unvalidated: the sender's intake queue was full. */
  'gossip-overflow': 0.1,
  /** A gossip frame above the frame limit (a 5 MB "block"). */
  'oversized-frame': 50,
  /** A gossip frame that is not a gossipsub RPC at all. */
  'undecodable-frame': 25,
  /** A transaction spending coins nobody has: one costs almost nothing, five thousand a ban. */
  'unconnectable-tx': 0.02,
  /** An orphan block that left the pool without connecting (expired, or pushed out over the sender's quota). */
  'orphan-dropped': 2,
  /** An ancestry fetch for the sender's orphans that brought no block. */
  'ancestry-wasted': 5,
} as const;

export type CostKind = keyof typeof COSTS;

/** MAX_ACCOUNTS: peers whose costs are remembered (oldest forgotten first; the scorer keeps the points). */
const MAX_ACCOUNTS = 10_000;

/**
 * The per-peer cost account, the one way the network layer charges a peer: charges the peer's
 * score for what it made the node spend, and keeps the tally by kind (getpeerinfo shows it).
 * Points go through the PeerScorer, so its ban threshold and hourly halving apply to all of them.
 */
export class CostAccount {
  private readonly tallies = new BoundedMap<string, Partial<Record<CostKind, number>>>(MAX_ACCOUNTS);

  constructor(private readonly scorer: PeerScorer) {}

  /** Charge `peerId` for `units` of `kind`. */
  charge(peerId: string, kind: CostKind, reason: string, units = 1): void {
    if (units <= 0) return;
    const tally = this.tallies.get(peerId) ?? {};
    tally[kind] = (tally[kind] ?? 0) + units;
    this.tallies.delete(peerId);
    this.tallies.set(peerId, tally);
    this.scorer.penalise(peerId, COSTS[kind] * units, `${kind}: ${reason}`);
  }

  /** Units charged to `peerId` so far, by kind. */
  tally(peerId: string): Partial<Record<CostKind, number>> {
    return { ...this.tallies.get(peerId) };
  }
}
