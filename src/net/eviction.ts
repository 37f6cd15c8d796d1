import { createHash } from 'node:crypto';

/** An inbound connection that might make room for a newcomer, and what it has given this node. */
export interface EvictionCandidate {
  /** The connection's id. */
  id: string;
  peerId: string;
  /** Its address group (address-group.ts). */
  group: string;
  /** When it connected, ms on any clock the other times share. */
  connectedAt: number;
  /** When it last sent a valid block this node did not have (0: never). */
  lastBlockAt: number;
  /** When it last sent a transaction this node accepted (0: never). */
  lastTxAt: number;
  /** Round-trip time, ms, when measured. */
  rttMs?: number;
  /** A peer the operator asked for (addnode): never evicted. */
  protected?: boolean;
}

/** How many inbound peers each quality protects from eviction, in the order they are applied. */
export const PROTECT = {
  /** The most recent senders of new valid blocks. */
  blocks: 4,
  /** The most recent senders of accepted transactions. */
  txs: 4,
  /** The lowest round-trip times. */
  latency: 8,
  /** One peer from each of this many address groups (chosen by a key only this node knows). */
  groups: 4,
  /** Then the older half of those left. */
} as const;

function takeBest(
  list: EvictionCandidate[],
  n: number,
  better: (a: EvictionCandidate, b: EvictionCandidate) => number,
  eligible: (c: EvictionCandidate) => boolean = () => true,
): EvictionCandidate[] {
  const chosen = new Set(list.filter(eligible).sort(better).slice(0, n));
  return list.filter((c) => !chosen.has(c));
}

/**
 * Which inbound connection to close so a new one can come in, in the spirit of bitcoind's
 * AttemptToEvictConnection: protect peers by what they have given this node (recent new blocks,
 * then recent transactions), then by low latency, then one from each of a few address groups
 * chosen with `groupKey` (so an attacker cannot tell which groups are safe), then the older
 * half by connection age. Of the rest, the youngest connection of the largest address group
 * goes. Undefined when every candidate is protected: the newcomer is refused instead.
 */
export function selectEvictionVictim(
  candidates: readonly EvictionCandidate[],
  groupKey: Uint8Array,
): EvictionCandidate | undefined {
  let left = candidates.filter((c) => !c.protected);
  left = takeBest(
    left,
    PROTECT.blocks,
    (a, b) => b.lastBlockAt - a.lastBlockAt,
    (c) => c.lastBlockAt > 0,
  );
  left = takeBest(
    left,
    PROTECT.txs,
    (a, b) => b.lastTxAt - a.lastTxAt,
    (c) => c.lastTxAt > 0,
  );
  left = takeBest(
    left,
    PROTECT.latency,
    (a, b) => a.rttMs! - b.rttMs!,
    (c) => c.rttMs !== undefined,
  );
  // One from each of a few groups, ranked by a keyed hash of the group name.
  const rank = (g: string) => createHash('sha256').update(groupKey).update(g).digest('hex');
  const groups = [...new Set(left.map((c) => c.group))].sort((a, b) => (rank(a) < rank(b) ? -1 : 1));
  const keep = new Set<EvictionCandidate>();
  for (const g of groups.slice(0, PROTECT.groups)) {
    const oldest = left.filter((c) => c.group === g).sort((a, b) => a.connectedAt - b.connectedAt)[0]!;
    keep.add(oldest);
  }
  left = left.filter((c) => !keep.has(c));
  // The older half of the rest.
  left = takeBest(left, Math.floor(left.length / 2), (a, b) => a.connectedAt - b.connectedAt);
  if (left.length === 0) return undefined;
  const byGroup = new Map<string, EvictionCandidate[]>();
  for (const c of left) byGroup.set(c.group, [...(byGroup.get(c.group) ?? []), c]);
  let worst: EvictionCandidate[] = [];
  for (const members of byGroup.values()) {
    const youngest = (m: EvictionCandidate[]) => Math.max(...m.map((c) => c.connectedAt));
    if (members.length > worst.length || (members.length === worst.length && youngest(members) > youngest(worst)))
      worst = members;
  }
  return worst.reduce((a, b) => (b.connectedAt > a.connectedAt ? b : a));
}
