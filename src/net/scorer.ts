import { EventEmitter } from 'node:events';
import { BoundedMap } from '../collections/bounded-map.js';

/** Penalty points per offence. A peer reaching BAN_THRESHOLD is disconnected and banned. */
export const PENALTY = {
  /** Gossiped data that breaks a consensus rule or does not decode. */
  invalidGossip: 25,
  /** A malformed, oversized or undecodable request/response frame. */
  badFrame: 25,
  /** Headers that do not link or fail proof of work / difficulty / time rules. */
  invalidHeaders: 50,
  /** A block in a response that is not the one asked for, or invalid. */
  invalidBlock: 50,
  /** Too many requests. */
  rateLimited: 5,
} as const;

export const BAN_THRESHOLD = 100;
/**
 * Penalties halve for every full hour a peer stays clean, so rare slips of a long-lived honest
 * peer never add up to a ban, while a burst of offences within the hour counts in full.
 */
export const PENALTY_HALF_LIFE_MS = 60 * 60 * 1000;
/** MAX_SCORED_PEERS: peers whose penalties are remembered (oldest forgotten first). */
const MAX_SCORED_PEERS = 10_000;

export interface ScorerEvents {
  penalty: [info: { peerId: string; points: number; total: number; reason: string }];
  ban: [info: { peerId: string; reason: string }];
}

/**
 * Application-level peer scores: every invalid thing a peer sends costs it points; at the
 * threshold it is banned. Gossipsub's own score sees the same numbers through its
 * app-specific score, so a penalised peer also loses its mesh place.
 */
export class PeerScorer extends EventEmitter<ScorerEvents> {
  private readonly penalties = new BoundedMap<string, { points: number; at: number }>(MAX_SCORED_PEERS);

  constructor(private readonly nowMs: () => number = () => performance.now()) {
    super();
  }

  private current(peerId: string): number {
    const p = this.penalties.get(peerId);
    if (!p) return 0;
    return p.points * 0.5 ** Math.floor((this.nowMs() - p.at) / PENALTY_HALF_LIFE_MS);
  }

  penalise(peerId: string, points: number, reason: string): void {
    const before = this.current(peerId);
    const total = before + points;
    this.penalties.delete(peerId);
    this.penalties.set(peerId, { points: total, at: this.nowMs() });
    this.emit('penalty', { peerId, points, total, reason });
    if (total >= BAN_THRESHOLD && before < BAN_THRESHOLD) this.emit('ban', { peerId, reason });
  }

  penalty(peerId: string): number {
    return this.current(peerId);
  }

  /** For gossipsub's appSpecificScore: the negated penalty. */
  appScore(peerId: string): number {
    return -this.penalty(peerId);
  }
}
