/** The checker's verdicts and figures (check.ts), shared by its parts, the report and the timeline. */
import type { Replay, ReorgedOut } from './replay.js';

export const PROPERTIES = ['convergence', 'agreement', 'conservation', 'durability', 'liveness'] as const;
export type PropertyName = (typeof PROPERTIES)[number];

export interface PropertyVerdict {
  name: PropertyName;
  held: boolean;
  summary: string;
  evidence: string[];
}

export type PaymentFate = 'final' | 'mempool' | 'conflicted' | 'orphaned' | 'gone';

export interface CheckReport {
  held: boolean;
  run: Replay['run'];
  properties: PropertyVerdict[];
  figures: {
    /** When the network was last made whole (ms into the run). */
    lastHealAt: number;
    /** Milliseconds from the last heal to the first sample with every peer on one tip. */
    convergenceMs: number | null;
    /** Per partition: when it healed, and how long until every answering peer was on one tip (null: not before the next partition). */
    partitions: { id: number; healedAt: number; oneTipAfterMs: number | null }[];
    finalHeight: number | null;
    blocksSeen: number;
    staleBlocks: number;
    reorgs: number;
    deepestReorg: { depth: number; peer: number; t: number } | null;
    payments: Record<PaymentFate | 'submitted' | 'accepted' | 'refused', number>;
    /** Payments reorganised out of a peer's chain after being confirmed there, deepest first. */
    reorgedOut: (ReorgedOut & { fate: PaymentFate })[];
    difficulty: { min: number; max: number } | null;
  };
  /** Every acknowledged payment and what became of it. */
  payments: { id: number; txid: string; fate: PaymentFate; why: string }[];
  problems: string[];
}
