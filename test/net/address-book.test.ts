import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { ADDRESS_BOOK_FILE, AddressBook, BOOK_LIMITS } from '../../src/net/discovery/address-book.js';

/** A fresh, valid peer id. */
async function newId(): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString();
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'powchain-book-'));
}

describe('AddressBook', () => {
  let dir: string;
  let now: number;
  const clock = () => now;
  beforeEach(() => {
    dir = tempDir();
    now = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('keeps what it heard with its history across a save and a load', async () => {
    const id = await newId();
    const { book } = AddressBook.load(dir, clock);
    expect(book.heard(id, ['/ip4/198.51.100.7/tcp/18444', `/ip4/198.51.100.8/tcp/18444/p2p/${id}`], 'exchange')).toBe(
      true,
    );
    book.attempted(id);
    book.succeeded(id);
    book.save();
    const again = AddressBook.load(dir, clock);
    expect(again.error).toBeUndefined();
    const e = again.book.get(id)!;
    // /p2p is dropped, the newest address comes first, the success is remembered.
    expect(e.addrs).toEqual(['/ip4/198.51.100.7/tcp/18444', '/ip4/198.51.100.8/tcp/18444']);
    expect(e).toMatchObject({ source: 'exchange', successes: 1, failures: 0, lastSuccess: now });
    expect(again.book.good(10).map((x) => x.id)).toEqual([id]);
  });

  test('keeps only dialable TCP addresses and at most four per peer', async () => {
    const book = AddressBook.inMemory(clock);
    const id = await newId();
    expect(book.heard(id, ['/ip4/1.2.3.4/udp/5/quic', '/unix/tmp/x', 'garbage'], 'identify')).toBe(false);
    expect(book.heard('not-a-peer-id', ['/ip4/1.2.3.4/tcp/5'], 'identify')).toBe(false);
    const many = Array.from({ length: 7 }, (_, i) => `/ip4/10.0.0.${i}/tcp/1`);
    expect(book.heard(id, many, 'identify')).toBe(true);
    expect(book.get(id)!.addrs).toHaveLength(BOOK_LIMITS.maxAddrsPerPeer);
  });

  test('failures back off, and a peer never reached is forgotten after three', async () => {
    const book = AddressBook.inMemory(clock);
    const id = await newId();
    book.heard(id, ['/ip4/203.0.113.9/tcp/1'], 'dht');
    book.failed(id);
    expect(book.candidates()).toHaveLength(0); // waiting out its backoff
    now += 31;
    expect(book.candidates().map((e) => e.id)).toEqual([id]);
    book.failed(id);
    book.failed(id);
    expect(book.get(id)).toBeUndefined();
  });

  test('prefers peers reached before, most recent first', async () => {
    const book = AddressBook.inMemory(clock);
    const [heard, old, recent] = [await newId(), await newId(), await newId()];
    for (const id of [heard, old, recent]) book.heard(id, ['/ip4/203.0.113.1/tcp/1'], 'dht');
    book.succeeded(old);
    now += 10;
    book.succeeded(recent);
    expect(book.candidates().map((e) => e.id)).toEqual([recent, old, heard]);
  });

  test('is bounded: past the cap the least useful peer is forgotten', async () => {
    const book = AddressBook.inMemory(clock);
    const keep = await newId();
    book.heard(keep, ['/ip4/203.0.113.1/tcp/1'], 'dht');
    book.succeeded(keep);
    // Peer ids for the rest are cheap to fake as the book sees them: any valid id string.
    const ids = await Promise.all(Array.from({ length: BOOK_LIMITS.maxPeers + 5 }, () => newId()));
    for (const id of ids) {
      now++;
      book.heard(id, ['/ip4/203.0.113.2/tcp/1'], 'exchange');
    }
    expect(book.size).toBe(BOOK_LIMITS.maxPeers);
    expect(book.get(keep)).toBeDefined();
    // The oldest heard-of peers went first.
    expect(book.get(ids[0]!)).toBeUndefined();
    expect(book.get(ids.at(-1)!)).toBeDefined();
  }, 60_000);

  test.each([
    ['not JSON', '{"version":1,', 'bad-format'],
    ['another shape', '[1,2,3]', 'bad-format'],
    ['a wrong version', '{"version":9,"peers":[]}', 'bad-format'],
    ['too many peers', JSON.stringify({ version: 1, peers: Array(BOOK_LIMITS.maxPeers + 1).fill({}) }), 'too-large'],
  ])('a file with %s gives a typed error, an empty book, and is set aside', (_what, content, code) => {
    const path = join(dir, ADDRESS_BOOK_FILE);
    writeFileSync(path, content);
    const { book, error } = AddressBook.load(dir, clock);
    expect(error?.code).toBe(code);
    expect(book.size).toBe(0);
    expect(existsSync(`${path}.bad`)).toBe(true);
    expect(readFileSync(`${path}.bad`, 'utf8')).toBe(content);
  });

  test('a file larger than any book is refused before it is read', () => {
    writeFileSync(join(dir, ADDRESS_BOOK_FILE), Buffer.alloc(BOOK_LIMITS.maxFileBytes + 1, 0x20));
    expect(AddressBook.load(dir, clock).error?.code).toBe('too-large');
  });

  test('bad entries are left out one by one, the good ones kept, the first fault reported', async () => {
    const good = await newId();
    const entry = (over: object) => ({
      id: good,
      addrs: ['/ip4/203.0.113.1/tcp/1'],
      source: 'dht',
      firstSeen: 1,
      lastSeen: 1,
      lastTry: 0,
      lastSuccess: 0,
      successes: 0,
      failures: 0,
      ...over,
    });
    const peers = [
      entry({}),
      entry({ id: 'x' }),
      entry({ addrs: ['/ip4/1.2.3.4/udp/1'] }),
      entry({ failures: -1 }),
      entry({ source: 'rumour' }),
      'nonsense',
    ];
    writeFileSync(join(dir, ADDRESS_BOOK_FILE), JSON.stringify({ version: 1, peers }));
    const { book, error } = AddressBook.load(dir, clock);
    expect(error?.code).toBe('bad-format');
    expect(error?.message).toMatch(/5 entries left out; .*entry 1: no valid peer id/);
    expect(book.all().map((e) => e.id)).toEqual([good]);
  });
});
