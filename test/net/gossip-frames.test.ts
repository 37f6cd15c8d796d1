/**
 * Gossip frames are read before gossipsub sees them: an oversized length or a frame that is not
 * a gossipsub RPC is reported (and costs the sender); good frames pass on byte for byte.
 */
import { RPC } from '@chainsafe/libp2p-gossipsub/message';
import type { Stream } from '@libp2p/interface';
import { checkedGossipStream, readFrames, type FrameFault } from '../../src/net/gossip-frames.js';
import { rng } from '../helpers/random.js';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  return [...out, n];
}

function framed(frames: Uint8Array[]): Uint8Array {
  return Uint8Array.from(frames.flatMap((f) => [...varint(f.length), ...f]));
}

/** `bytes` cut into chunks at the given lengths (the rest as one last chunk). */
async function* chunks(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (const n of cuts) {
    yield bytes.subarray(at, at + n);
    at += n;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of source) out.push(f.slice());
  return out;
}

test('frames come out whole however the stream is cut (random cuts, frames of 0 to 40,000 bytes)', async () => {
  const r = rng(42);
  for (let round = 0; round < 25; round++) {
    const frames = Array.from({ length: 1 + r.int(6) }, () => r.bytes(r.int(4) === 0 ? r.int(40_000) : r.int(300)));
    const bytes = framed(frames);
    const cuts = Array.from({ length: r.int(20) }, () => r.int(5_000));
    expect(await collect(readFrames(chunks(bytes, cuts), 50_000))).toEqual(frames);
  }
});

test('a length above the limit is refused as soon as the prefix is read, before the frame arrives', async () => {
  let pulled = 0;
  async function* source(): AsyncGenerator<Uint8Array> {
    pulled++;
    yield Uint8Array.from(varint(50 * 1024 * 1024)); // a 50 MB frame announced...
    pulled++;
    yield new Uint8Array(1024); // ...whose bytes would follow
  }
  await expect(collect(readFrames(source(), 1_000_000))).rejects.toMatchObject({ fault: 'oversized-frame' });
  expect(pulled).toBe(1);
  // A prefix of more than five bytes is not a length at all.
  const junk = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
  await expect(collect(readFrames(chunks(junk, [3]), 1_000_000))).rejects.toMatchObject({
    fault: 'undecodable-frame',
  });
});

test('a stream ending inside a frame just ends (a peer going away is not a fault)', async () => {
  const bytes = framed([new Uint8Array(10), new Uint8Array(100)]);
  expect(await collect(readFrames(chunks(bytes.subarray(0, 50), [7]), 1_000))).toEqual([new Uint8Array(10)]);
});

test('checkedGossipStream passes RPCs on unchanged, drops and reports frames that are not RPCs', async () => {
  const good = RPC.encode({
    subscriptions: [{ subscribe: true, topic: 't' }],
    messages: [{ topic: 't', data: Uint8Array.of(1, 2) }],
  });
  const junk = Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f); // field 1, a length far past the end
  const tooMany = RPC.encode({ subscriptions: [], messages: Array.from({ length: 5_001 }, () => ({ topic: 't' })) });
  const bytes = framed([good, junk, good, tooMany]);
  const faults: FrameFault[] = [];
  const stream = { source: chunks(bytes, [3, 10]), close: () => 'closed' } as unknown as Stream;
  const checked = checkedGossipStream(stream, 1_000_000, (f) => faults.push(f));
  expect(faults).toEqual([]);
  const passed = await collect(checked.source as AsyncIterable<Uint8Array>);
  // What gossipsub reads: prefix, frame, prefix, frame (the two good ones).
  expect(Uint8Array.from(passed.flatMap((p) => [...p]))).toEqual(framed([good, good]));
  expect(faults).toEqual(['undecodable-frame', 'undecodable-frame']);
  // Everything else about the stream is the stream's own.
  expect((checked as unknown as { close(): string }).close()).toBe('closed');
});

test('checkedGossipStream reports an oversized frame and ends the stream', async () => {
  const faults: FrameFault[] = [];
  const stream = { source: chunks(Uint8Array.from(varint(5_000_000)), []) } as unknown as Stream;
  const checked = checkedGossipStream(stream, 1_000_000, (f) => faults.push(f));
  await expect(collect(checked.source as AsyncIterable<Uint8Array>)).rejects.toThrow(/5000000 bytes/);
  expect(faults).toEqual(['oversized-frame']);
});
