/**
 * Ancestry fetching is bounded by what is in flight, not by what has finished: orphans arriving
 * together make one fetch per missing ancestor, at most one per peer and a few in all, every
 * attempt counted as it starts; a fetch from a peer that claimed more work and brought nothing is
 * charged.
 */
import { ANCESTRY, AncestryFetcher } from '../../src/net/ancestry.js';

/** `claims`: whether each peer's status claims more work than ours (default: yes). */
function harness(claims: (peer: string) => boolean = () => true) {
  const started: string[] = [];
  const wasted: string[] = [];
  const finish: (() => void)[] = [];
  let work = 0n;
  const fetcher = new AncestryFetcher({
    fetch: (peer) => {
      started.push(peer);
      return new Promise<boolean>((resolve) => finish.push(() => resolve(claims(peer))));
    },
    connected: (peer) => peer !== 'gone',
    progress: () => work,
    wasted: (peer) => wasted.push(peer),
  });
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    fetcher,
    started,
    wasted,
    /** End every fetch in flight; `moved` says whether they brought blocks. */
    async finishAll(moved = false) {
      if (moved) work++;
      for (const f of finish.splice(0)) f();
      await settle();
    },
  };
}

test('2,000 orphans arriving together from one peer make one fetch, not 2,000', async () => {
  const h = harness();
  let started = 0;
  for (let i = 0; i < 2_000; i++) if (h.fetcher.request('flooder', `parent-${i}`)) started++;
  expect(started).toBe(1);
  expect(h.started).toEqual(['flooder']);
  await h.finishAll();
  expect(h.wasted).toEqual(['flooder']);
});

test('one fetch per missing ancestor, whoever sends its orphans; a few in flight in all', async () => {
  const h = harness();
  expect(h.fetcher.request('a', 'x')).toBe(true);
  expect(h.fetcher.request('b', 'x')).toBe(false); // x is being fetched already
  for (const p of ['b', 'c', 'd', 'e', 'f']) h.fetcher.request(p, `missing-of-${p}`);
  expect(h.fetcher.inFlight).toBe(ANCESTRY.inFlight);
  expect(h.started).toEqual(['a', 'b', 'c', 'd'].slice(0, ANCESTRY.inFlight));
  await h.finishAll(true);
  expect(h.wasted).toEqual([]);
  expect(h.fetcher.inFlight).toBe(0);
  expect(h.fetcher.request('e', 'x')).toBe(true); // x is no longer in flight
});

test('attempts are counted as they start: at most MAX_ANCESTRY_ATTEMPTS fetches that bring nothing, each charged', async () => {
  const h = harness();
  for (let round = 0; round < ANCESTRY.maxAttempts + 3; round++) {
    h.fetcher.request('flooder', `p${round}`);
    await h.finishAll();
  }
  expect(h.started).toHaveLength(ANCESTRY.maxAttempts);
  expect(h.wasted).toHaveLength(ANCESTRY.maxAttempts);
  // A disconnected peer is not asked.
  expect(h.fetcher.request('gone', 'q')).toBe(false);
});

test('a fetch that moves the tip clears the count: an honest peer is never cut off', async () => {
  const h = harness();
  for (let round = 0; round < ANCESTRY.maxAttempts * 3; round++) {
    expect(h.fetcher.request('honest', `p${round}`)).toBe(true);
    await h.finishAll(true);
  }
  expect(h.wasted).toEqual([]);
});

test('a peer whose status shows no more work is asked once per attempt and not charged (its orphan was a side block)', async () => {
  const h = harness((peer) => peer !== 'side-relay');
  for (let round = 0; round < ANCESTRY.maxAttempts + 2; round++) {
    h.fetcher.request('side-relay', `s${round}`);
    await h.finishAll();
  }
  expect(h.started).toHaveLength(ANCESTRY.maxAttempts);
  expect(h.wasted).toEqual([]);
});
