/**
 * Inbound eviction: who is protected (recent blocks, recent transactions, low latency, distinct
 * address groups, age), who goes (the youngest of the largest group), and the slots that count
 * handshakes from their start.
 */
import type { Connection } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { PROTECT, selectEvictionVictim, type EvictionCandidate } from '../../src/net/eviction.js';
import { InboundSlots, type PendingConnection } from '../../src/net/slots.js';
import { rng } from '../helpers/random.js';

const KEY = new Uint8Array(32).fill(7);

function cand(id: string, o: Partial<EvictionCandidate> = {}): EvictionCandidate {
  return { id, peerId: id, group: 'ipv4:10.0', connectedAt: 1_000, lastBlockAt: 0, lastTxAt: 0, ...o };
}

test('the youngest connection of the largest address group is evicted', () => {
  const c = [
    ...Array.from({ length: 30 }, (_, i) => cand(`flood${i}`, { group: 'ipv4:10.0', connectedAt: 2_000 + i })),
    cand('loner', { group: 'ipv4:192.168', connectedAt: 2_100 }),
  ];
  expect(selectEvictionVictim(c, KEY)?.id).toBe('flood29');
});

test('peers that gave blocks, then transactions, then the fastest, are protected before age is considered', () => {
  // 40 peers in one group, all young; give some of them something.
  const c = Array.from({ length: 40 }, (_, i) => cand(`p${i}`, { connectedAt: 10_000 + i }));
  // The youngest ones gave blocks and transactions: they must survive anyway.
  for (let i = 39; i > 39 - PROTECT.blocks; i--) c[i]!.lastBlockAt = 50_000 + i;
  for (let i = 39 - PROTECT.blocks; i > 39 - PROTECT.blocks - PROTECT.txs; i--) c[i]!.lastTxAt = 50_000 + i;
  for (let i = 39 - PROTECT.blocks - PROTECT.txs; i > 39 - PROTECT.blocks - PROTECT.txs - PROTECT.latency; i--)
    c[i]!.rttMs = 1;
  // The rest are slow; 39 - 16 = 23 is the youngest left.
  for (let i = 0; i <= 23; i++) c[i]!.rttMs = 100 + i;
  const victim = selectEvictionVictim(c, KEY)!;
  expect(victim.id).toBe('p23');
  expect(victim.lastBlockAt + victim.lastTxAt).toBe(0);
});

test('an old peer that gave a block long ago is still protected over newer peers that gave nothing', () => {
  const c = [
    cand('old-giver', { connectedAt: 1, lastBlockAt: 2 }),
    ...Array.from({ length: 12 }, (_, i) => cand(`new${i}`, { connectedAt: 100 + i })),
  ];
  expect(selectEvictionVictim(c, KEY)?.id).toBe('new11');
});

test('the operator’s peers (addnode) are never evicted; with every candidate protected, nobody is', () => {
  expect(selectEvictionVictim([cand('a', { protected: true }), cand('b', { protected: true })], KEY)).toBeUndefined();
  // Two peers: one protected by latency... and the other by its group: nobody left to evict.
  expect(selectEvictionVictim([cand('a', { rttMs: 3 }), cand('b', { group: 'g2' })], KEY)).toBeUndefined();
  expect(selectEvictionVictim([], KEY)).toBeUndefined();
});

test('random sets of candidates: the victim is never protected by a rule that applies to it', () => {
  const r = rng(18);
  for (let round = 0; round < 300; round++) {
    const n = 1 + r.int(60);
    const c = Array.from({ length: n }, (_, i) =>
      cand(`p${i}`, {
        group: `g${r.int(6)}`,
        connectedAt: r.int(10_000),
        lastBlockAt: r.int(4) === 0 ? 1 + r.int(10_000) : 0,
        lastTxAt: r.int(4) === 0 ? 1 + r.int(10_000) : 0,
        rttMs: r.int(3) === 0 ? undefined : r.int(500),
        protected: r.int(20) === 0,
      }),
    );
    const victim = selectEvictionVictim(c, KEY);
    if (!victim) continue;
    expect(victim.protected).toBeFalsy();
    const others = c.filter((x) => x !== victim && !x.protected);
    // A victim that gave a block (a transaction) went because at least PROTECT.blocks (.txs)
    // others gave one as recently; a measured one because PROTECT.latency others are as fast.
    if (victim.lastBlockAt > 0)
      expect(others.filter((x) => x.lastBlockAt >= victim.lastBlockAt).length).toBeGreaterThanOrEqual(PROTECT.blocks);
    if (victim.lastTxAt > 0)
      expect(others.filter((x) => x.lastTxAt >= victim.lastTxAt).length).toBeGreaterThanOrEqual(PROTECT.txs);
    if (victim.rttMs !== undefined)
      expect(others.filter((x) => x.rttMs !== undefined && x.rttMs <= victim.rttMs!).length).toBeGreaterThanOrEqual(
        PROTECT.latency,
      );
  }
});

/** A stand-in for a libp2p connection: what InboundSlots reads and the abort it calls. */
function conn(id: string, direction: 'inbound' | 'outbound'): Connection & { aborted: boolean } {
  const c = {
    id,
    direction,
    status: 'open',
    aborted: false,
    remotePeer: { toString: () => id },
    abort() {
      c.aborted = true;
      c.status = 'closed';
    },
  };
  return c as unknown as Connection & { aborted: boolean };
}

function handshake(port: number, open = Date.now()): PendingConnection {
  return { remoteAddr: multiaddr(`/ip4/127.0.0.1/tcp/${port}`), timeline: { open } };
}

test('slots count handshakes from their start: concurrent handshakes cannot pass the inbound cap', () => {
  const open: Connection[] = [];
  const slots = new InboundSlots({ maxInbound: 3, connections: () => open, chooseVictim: () => undefined });
  const hs = [handshake(1), handshake(2), handshake(3), handshake(4)];
  expect(hs.map((h) => slots.admitInbound(h))).toEqual([true, true, true, false]);
  // One fails (its socket closes): its slot is free again.
  hs[1]!.timeline.close = Date.now();
  expect(slots.admitInbound(handshake(5))).toBe(true);
  // Two finish: libp2p marks them upgraded and the host lists them; still three counted.
  hs[0]!.timeline.upgraded = Date.now();
  hs[2]!.timeline.upgraded = Date.now();
  open.push(conn('a', 'inbound'), conn('b', 'inbound'));
  expect(slots.pendingCount).toBe(1);
  expect(slots.admitInbound(handshake(6))).toBe(false);
  // Outbound connections do not take inbound slots.
  open.push(conn('out1', 'outbound'), conn('out2', 'outbound'));
  expect(slots.inbound().map((c) => c.id)).toEqual(['a', 'b']);
  // A handshake older than the upgrade timeout has failed, whatever its socket says.
  const stale = new InboundSlots({
    maxInbound: 1,
    connections: () => [],
    chooseVictim: () => undefined,
    nowMs: () => 1_000_000,
  });
  expect(stale.admitInbound(handshake(7, 1_000_000 - 20_000))).toBe(true);
  expect(stale.admitInbound(handshake(8, 1_000_000))).toBe(true);
});

test('when full, the victim is closed at once and the newcomer takes its slot; outbound peers are never victims', () => {
  const open = [conn('in1', 'inbound'), conn('in2', 'inbound'), conn('out', 'outbound')];
  let offered: string[] = [];
  const slots = new InboundSlots({
    maxInbound: 2,
    connections: () => open,
    chooseVictim: (inbound) => {
      offered = inbound.map((c) => c.id);
      return inbound.find((c) => c.id === 'in2');
    },
  });
  expect(slots.admitInbound(handshake(1))).toBe(true);
  expect(offered).toEqual(['in1', 'in2']);
  expect((open[1] as Connection & { aborted: boolean }).aborted).toBe(true);
  // in2 is closing: it no longer counts, and the newcomer (pending) does: still two.
  expect(slots.inbound().map((c) => c.id)).toEqual(['in1']);
  expect(slots.pendingCount).toBe(1);
});
