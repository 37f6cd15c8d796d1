import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { BlockHeader } from '../../src/consensus/header.js';
import { merkleRoot } from '../../src/consensus/merkle.js';
import {
  buildMerkleProof,
  decodeMerkleProof,
  encodeMerkleProof,
  MAX_PROOF_TRANSACTIONS,
  merkleBranch,
  merkleRootFromBranch,
  verifyMerkleProof,
  type MerkleProof,
} from '../../src/consensus/merkle-proof.js';
import { sha256d } from '../../src/crypto/hash.js';
import { DecodeError } from '../../src/encoding/errors.js';
import { bytesToHex, hashToHex, hexToBytes, hexToHash } from '../../src/encoding/hex.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8'));
const proofFile = fixture('merkle-proof.json') as {
  cases: {
    name: string;
    proof: string;
    blockHash: string;
    merkleRoot: string;
    txCount: number;
    matches: { index: number; txid: string }[];
  }[];
};
const merkleFile = fixture('merkle.json') as {
  cases: { name: string; merkleRoot: string; txids: string[] }[];
};

/** n distinct 32-byte ids. */
const ids = (n: number, tag = 0): Uint8Array[] =>
  Array.from({ length: n }, (_, i) => sha256d(Uint8Array.of(tag, i >> 8, i & 0xff)));

/** A header committing to `txids` (only the merkle root matters to a proof). */
const headerFor = (txids: Uint8Array[]): BlockHeader => ({
  version: 1,
  prevHash: new Uint8Array(32),
  merkleRoot: merkleRoot(txids).root,
  time: 1,
  bits: 0x207fffff,
  nonce: 0,
});

const prove = (txids: Uint8Array[], indexes: number[]): MerkleProof =>
  buildMerkleProof(headerFor(txids), txids, (_t, i) => indexes.includes(i));

const failure = (p: MerkleProof | Uint8Array) => {
  const r = verifyMerkleProof(p);
  if (r.ok) throw new Error('the proof verified');
  return r.code;
};

describe("bitcoind's format: a real proof", () => {
  test.each(proofFile.cases.map((c) => [c.name, c] as const))('%s decodes, verifies and re-encodes', (_n, c) => {
    const bytes = hexToBytes(c.proof);
    const proof = decodeMerkleProof(bytes);
    expect(proof.txCount).toBe(c.txCount);
    const r = verifyMerkleProof(bytes);
    if (!r.ok) throw new Error(`${r.code}: ${r.reason}`);
    expect(hashToHex(r.blockHash)).toBe(c.blockHash);
    expect(hashToHex(r.root)).toBe(c.merkleRoot);
    expect(r.matches.map((m) => ({ index: m.index, txid: hashToHex(m.txid) }))).toEqual(c.matches);
    // Decoding keeps every bit of the flag bytes, so the bytes come back exactly.
    expect(bytesToHex(encodeMerkleProof(proof))).toBe(c.proof);
  });
});

describe('real blocks (merkle.json): every single transaction and a few sets', () => {
  test.each(merkleFile.cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const txids = c.txids.map(hexToHash);
    const header = headerFor(txids);
    expect(hashToHex(header.merkleRoot)).toBe(c.merkleRoot);
    const sets = [
      ...txids.slice(0, 40).map((_, i) => [i]),
      [txids.length - 1],
      [0, txids.length - 1],
      txids.map((_, i) => i).filter((i) => i % 3 === 1),
      txids.map((_, i) => i),
    ];
    for (const set of sets) {
      const bytes = encodeMerkleProof(buildMerkleProof(header, txids, (_t, i) => set.includes(i)));
      const r = verifyMerkleProof(bytes);
      if (!r.ok) throw new Error(`${c.name} ${JSON.stringify(set)}: ${r.code}`);
      expect(hashToHex(r.root)).toBe(c.merkleRoot);
      expect(r.matches.map((m) => m.index)).toEqual([...new Set(set)].sort((a, b) => a - b));
      expect(r.matches.map((m) => hashToHex(m.txid))).toEqual(r.matches.map((m) => c.txids[m.index]));
    }
  });
});

test('random trees: build, encode, decode and verify agree (fast-check)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.array(fc.nat(299), { maxLength: 12 }), (n, picks) => {
      const txids = ids(n);
      const set = [...new Set(picks.filter((i) => i < n))].sort((a, b) => a - b);
      const proof = prove(txids, set);
      // No more hashes than transactions, and a proof of nothing is one hash (the root).
      expect(proof.hashes.length).toBeLessThanOrEqual(n);
      if (set.length === 0) expect(proof.hashes).toEqual([merkleRoot(txids).root]);
      const r = verifyMerkleProof(decodeMerkleProof(encodeMerkleProof(proof)));
      if (!r.ok) throw new Error(`${n} ${JSON.stringify(set)}: ${r.code} ${r.reason}`);
      expect(r.matches.map((m) => m.index)).toEqual(set);
      expect(r.matches.every((m) => bytesToHex(m.txid) === bytesToHex(txids[m.index]!))).toBe(true);
    }),
    { numRuns: 300 },
  );
});

describe('tampered or malformed proofs fail', () => {
  const txids = ids(11);
  const good = prove(txids, [6]);
  const goodBytes = encodeMerkleProof(good);

  test('the untampered proof verifies', () => {
    expect(verifyMerkleProof(goodBytes).ok).toBe(true);
  });

  test('any flipped bit in a hash or the header root: root-mismatch', () => {
    for (let h = 0; h < good.hashes.length; h++) {
      const hashes = good.hashes.map((x) => x.slice());
      hashes[h]![h % 32]! ^= 0x10;
      expect(failure({ ...good, hashes })).toBe('root-mismatch');
    }
    const root = good.header.merkleRoot.slice();
    root[0]! ^= 1;
    expect(failure({ ...good, header: { ...good.header, merkleRoot: root } })).toBe('root-mismatch');
  });

  test('no flipped bit of the encoding proves anything false', () => {
    // Bytes 0..79 are the header: only its merkle root (36..67) is covered by the proof itself;
    // the rest (version, time, nonce...) changes the block hash, which the caller compares.
    let refused = 0;
    for (let i = 36; i < goodBytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = goodBytes.slice();
        bad[i]! ^= 1 << bit;
        let r;
        try {
          r = verifyMerkleProof(bad);
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          refused++;
          continue;
        }
        if (!r.ok) {
          refused++;
          continue;
        }
        // Still accepted (a flag byte's padding, or a transaction count the walk cannot tell
        // from the real one): then it proves only what is true, of the same block.
        expect(bytesToHex(r.root)).toBe(bytesToHex(good.header.merkleRoot));
        for (const m of r.matches) expect(bytesToHex(m.txid)).toBe(bytesToHex(txids[m.index]!));
      }
    }
    expect(refused).toBeGreaterThan((goodBytes.length - 36) * 8 * 0.9);
    // A changed header field outside the root still verifies, but names another block.
    const header = goodBytes.slice();
    header[0]! ^= 1;
    const before = verifyMerkleProof(goodBytes);
    const after = verifyMerkleProof(header);
    if (!before.ok || !after.ok) throw new Error('expected both to verify');
    expect(bytesToHex(after.blockHash)).not.toBe(bytesToHex(before.blockHash));
  });

  test('structural limits', () => {
    expect(failure({ ...good, txCount: 0 })).toBe('no-transactions');
    expect(failure({ ...good, txCount: MAX_PROOF_TRANSACTIONS + 1 })).toBe('too-many-transactions');
    expect(failure({ ...good, hashes: [...good.hashes, ...ids(11, 9)] })).toBe('too-many-hashes');
    expect(failure({ ...good, flags: good.flags.slice(0, good.hashes.length - 1) })).toBe('too-few-flags');
    expect(failure({ ...good, hashes: good.hashes.slice(0, -1) })).toBe('bad-structure');
    expect(failure({ ...good, hashes: [...good.hashes, good.hashes[0]!] })).toBe('unused-data');
    expect(failure({ ...good, flags: [...good.flags, ...Array<boolean>(9).fill(false)] })).toBe('unused-data');
    // Claiming a transaction count that changes the tree's shape breaks the walk.
    for (const txCount of [3, 40]) expect(verifyMerkleProof({ ...good, txCount }).ok).toBe(false);
  });

  test('truncated or extended bytes are DecodeErrors', () => {
    expect(() => decodeMerkleProof(goodBytes.subarray(0, goodBytes.length - 1))).toThrow(DecodeError);
    expect(() => decodeMerkleProof(goodBytes.subarray(0, 79))).toThrow(DecodeError);
    expect(() => decodeMerkleProof(Uint8Array.of(...goodBytes, 0))).toThrow(DecodeError);
    // A hash count larger than the bytes that follow is refused before allocating.
    const huge = Uint8Array.of(...goodBytes.subarray(0, 84), 0xfe, 0xff, 0xff, 0xff, 0x0f);
    expect(() => decodeMerkleProof(huge)).toThrow(DecodeError);
  });

  test('CVE-2012-2459: a proof over a duplicated last transaction is refused as mutated', () => {
    // Any odd count n: the first n and the first n plus a copy of the last share a root.
    for (const n of [3, 5, 11, 13]) {
      const honest = ids(n, 7);
      const mutated = [...honest, honest[n - 1]!];
      expect(bytesToHex(merkleRoot(mutated).root)).toBe(bytesToHex(merkleRoot(honest).root));
      expect(failure(buildMerkleProof(headerFor(honest), mutated, (_t, i) => i === n))).toBe('mutated');
      expect(verifyMerkleProof(buildMerkleProof(headerFor(honest), honest, (_t, i) => i === n - 1)).ok).toBe(true);
    }
  });

  test('buildMerkleProof refuses an empty block', () => {
    expect(() => buildMerkleProof(headerFor(ids(1)), [], () => true)).toThrow(RangeError);
  });
});

test('merkleBranch and merkleRootFromBranch rebuild the root for every position', () => {
  for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33]) {
    const txids = ids(n, 3);
    const root = bytesToHex(merkleRoot(txids).root);
    for (let i = 0; i < n; i++) {
      const branch = merkleBranch(txids, i);
      expect(branch).toHaveLength(n === 1 ? 0 : Math.ceil(Math.log2(n)));
      expect(bytesToHex(merkleRootFromBranch(txids[i]!, i, branch))).toBe(root);
    }
  }
  // The coinbase's branch does not depend on the coinbase: Stratum sends it before the miner picks one.
  const txids = ids(6, 4);
  const other = [sha256d(Uint8Array.of(42)), ...txids.slice(1)];
  expect(merkleBranch(other, 0).map(bytesToHex)).toEqual(merkleBranch(txids, 0).map(bytesToHex));
  expect(() => merkleBranch(txids, 6)).toThrow(RangeError);
  // A real header's root from a real block's list.
  const c = merkleFile.cases[0]!;
  const list = c.txids.map(hexToHash);
  expect(hashToHex(merkleRootFromBranch(list[0]!, 0, merkleBranch(list, 0)))).toBe(c.merkleRoot);
});
