// Run by test/e2e/library.test.ts inside a scratch project that installed powchain by path:
// imports the library by its package name, exactly as an outside tool would, uses every export
// the issue names on real data (the vectors in test/fixtures) and prints one JSON line with
// what it found. Any mismatch throws, so the process exits non-zero.
//
//   node check-exports.mjs <path of test/fixtures>
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import {
  sha256d,
  decodeHeader,
  encodeHeader,
  headerHash,
  hashToHex,
  hexToHash,
  merkleRoot,
  bitsToTarget,
  targetToBits,
  blockWork,
  checkProofOfWork,
  asertNextBits,
  retargetNextBits,
  encodeTx,
  decodeTx,
  txid,
  encodeBlock,
  decodeBlock,
  networks,
  // the helpers the example below needs to build and sign a transaction
  bytesToHex,
  hexToBytes,
  GENESIS_HASHES,
  makeCoinbase,
  publicKeyFromPrivate,
  hash160,
  sign,
  verifySignature,
  SighashContext,
  checkBlock,
  checkTransaction,
  COIN,
} from 'powchain';

const fixtures = process.argv[2];
if (!fixtures) throw new Error('usage: node check-exports.mjs <fixtures dir>');
const load = (name) => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));
const BITCOIN_POW_LIMIT = (1n << 224n) - 1n;
const out = { node: process.version };

// sha256d: the double-SHA-256 vectors.
const sha = load('sha256.json');
for (const v of sha.sha256d) assert.equal(bytesToHex(sha256d(hexToBytes(v.inputHex))), v.sha256d, v.inputAscii);
out.sha256d = sha.sha256d.length;

// Headers: decode, hash, re-encode and proof of work of every real header in the fixture.
const headers = load('headers.json');
for (const h of headers.headers) {
  const bytes = hexToBytes(h.header);
  const header = decodeHeader(bytes);
  assert.equal(hashToHex(headerHash(header)), h.hash, `header ${h.height}`);
  assert.equal(hashToHex(header.prevHash), h.prevHash);
  assert.equal(hashToHex(header.merkleRoot), h.merkleRoot);
  assert.deepEqual([header.version, header.time, header.bits, header.nonce], [h.version, h.time, h.bits, h.nonce]);
  assert.equal(bytesToHex(encodeHeader(header)), h.header);
  assert.equal(checkProofOfWork(headerHash(header), header.bits, BITCOIN_POW_LIMIT), h.meetsTarget);
  assert.equal(bitsToTarget(header.bits).target, BigInt(`0x${h.target}`));
}
for (const h of headers.invalidHeaders) {
  const header = decodeHeader(hexToBytes(h.header));
  assert.equal(hashToHex(headerHash(header)), h.hash);
  assert.equal(checkProofOfWork(headerHash(header), header.bits, BITCOIN_POW_LIMIT), false);
}
// The contiguous mainnet chain 0..255: each header's prevHash is the previous header's hash.
let prev = new Uint8Array(32);
for (const hex of headers.mainnetChain0to255.headers) {
  const header = decodeHeader(hexToBytes(hex));
  assert.deepEqual(header.prevHash, prev);
  prev = headerHash(header);
  assert.ok(checkProofOfWork(prev, header.bits, BITCOIN_POW_LIMIT));
}
const genesis = decodeHeader(hexToBytes(headers.headers[0].header));
out.bitcoinGenesisHash = hashToHex(headerHash(genesis));
out.bitcoinGenesisTime = genesis.time;
out.headers = headers.headers.length + headers.invalidHeaders.length + headers.mainnetChain0to255.headers.length;
out.chainTip = hashToHex(prev);

// merkleRoot: every real block in the fixture, and the CVE-2012-2459 shape on one of them.
const merkle = load('merkle.json');
for (const c of merkle.cases) {
  const r = merkleRoot(c.txids.map(hexToHash));
  assert.equal(hashToHex(r.root), c.merkleRoot, c.name);
  assert.equal(r.mutated, false);
}
const block100000 = merkle.cases.find((c) => c.height === 100000).txids.map(hexToHash);
const three = merkleRoot(block100000.slice(0, 3));
const mutated = merkleRoot([...block100000.slice(0, 3), block100000[2]]);
assert.deepEqual(mutated.root, three.root);
assert.equal(mutated.mutated, true);
out.merkleCases = merkle.cases.length;
out.merkle100000 = hashToHex(merkleRoot(block100000).root);
out.mutatedDetected = mutated.mutated;

// bitsToTarget / targetToBits: Core's SetCompact/GetCompact vectors and a round trip.
const compact = load('compact-bits.json');
for (const c of compact.setCompactCases) {
  const d = bitsToTarget(parseInt(c.compact, 16));
  assert.equal(d.negative, c.negative, c.compact);
  assert.equal(d.overflow, c.overflow, c.compact);
  if (c.target !== undefined) {
    assert.equal(d.target, BigInt(`0x${c.target}`), c.compact);
    assert.equal(targetToBits(d.target, c.getCompactCalledWithNegative), parseInt(c.getCompact, 16), c.compact);
  }
}
const t1 = bitsToTarget(0x1d00ffff);
assert.deepEqual(t1, { target: 0xffffn << 208n, negative: false, overflow: false });
assert.equal(targetToBits(t1.target), 0x1d00ffff);
out.target1d00ffff = t1.target.toString(16);
out.roundTrip1d00ffff = targetToBits(t1.target);

// blockWork and checkProofOfWork.
out.blockWork1d00ffff = `0x${blockWork(0x1d00ffff).toString(16)}`;
for (const c of compact.checkProofOfWork.cases) {
  assert.equal(checkProofOfWork(hexToHash(c.hash), parseInt(c.bits, 16), BITCOIN_POW_LIMIT), c.expectValid, c.name);
}
out.powCases = compact.checkProofOfWork.cases.length;

// asertNextBits: every row of the official aserti3-2d runs in the fixture.
const asert = load('asert.json');
let asertRows = 0;
for (const run of asert.runs) {
  const params = {
    anchorHeight: BigInt(run.anchorHeight),
    anchorBits: parseInt(run.anchorBits, 16),
    anchorParentTime: BigInt(run.anchorParentTime),
    spacing: BigInt(asert.params.idealBlockTime),
    halfLife: BigInt(asert.params.halfLife),
    maxTarget: BigInt(`0x${asert.params.maxTarget}`),
  };
  for (const [, height, , time, bits] of run.rows) {
    assert.equal(
      asertNextBits(params, BigInt(height), BigInt(time)),
      parseInt(bits, 16),
      `${run.run} height ${height}`,
    );
    asertRows++;
  }
}
out.asertRows = asertRows;
const run06 = asert.runs.find((r) => r.run === 'run06');
out.asertRun06Row2 = asertNextBits(
  {
    anchorHeight: 1n,
    anchorBits: parseInt(run06.anchorBits, 16),
    anchorParentTime: 0n,
    spacing: 600n,
    halfLife: 172800n,
    maxTarget: 0xffffn << 208n,
  },
  3n,
  1310n,
);

// retargetNextBits: Bitcoin Core's pow_tests.
const rp = compact.retarget.params;
for (const c of compact.retarget.cases) {
  const next = retargetNextBits(
    { targetTimespan: rp.powTargetTimespan, powLimit: BigInt(`0x${rp.powLimit}`) },
    c.lastRetargetTime,
    c.pindexLastTime,
    parseInt(c.pindexLastBits, 16),
  );
  assert.equal(next, parseInt(c.expectedBits, 16), c.name);
}
out.retargetCases = compact.retarget.cases.length;

// networks: each genesis block and its hash.
out.networks = {};
for (const name of ['main', 'testnet', 'regtest']) {
  const net = networks[name];
  assert.equal(net.name, name);
  assert.deepEqual(headerHash(net.genesis.header), net.genesisHash);
  assert.deepEqual(net.genesisHash, hexToHash(GENESIS_HASHES[name]));
  assert.ok(checkProofOfWork(net.genesisHash, net.genesis.header.bits, net.powLimit));
  assert.deepEqual(decodeBlock(encodeBlock(net.genesis)), net.genesis);
  assert.deepEqual(checkBlock(net.genesis, net), { ok: true });
  out.networks[name] = {
    genesisHash: hashToHex(net.genesisHash),
    powLimitBits: targetToBits(net.powLimit),
    algorithm: net.difficulty.algorithm,
  };
}
out.regtestGenesisMatches = bytesToHex(networks.regtest.genesisHash) === bytesToHex(hexToHash(GENESIS_HASHES.regtest));

// encodeTx / decodeTx / txid and encodeBlock / decodeBlock: a signed regtest spend in a block.
const regtest = networks.regtest;
const priv = sha256d(hexToBytes('6c69627261727920653265')); // sha256d('library e2e'): a test key
const pub = publicKeyFromPrivate(priv);
const funding = makeCoinbase({ height: 1, extraNonce: 0n, outputs: [{ value: 50n * COIN, pubKeyHash: hash160(pub) }] });
const spent = funding.outputs[0];
const spend = {
  version: 1,
  inputs: [{ prevTxid: txid(funding), prevIndex: 0, unlock: new Uint8Array(97) }],
  outputs: [{ value: 50n * COIN - 1000n, pubKeyHash: new Uint8Array(20).fill(0x11) }],
  lockTime: 0,
};
const digest = new SighashContext(spend, regtest.genesisHash).digest(0, spent);
spend.inputs[0].unlock = new Uint8Array([...pub, ...sign(digest, priv)]);
const txBytes = encodeTx(spend);
const decodedTx = decodeTx(txBytes);
assert.deepEqual(decodedTx, spend);
assert.deepEqual(txid(decodedTx), sha256d(txBytes));
assert.deepEqual(checkTransaction(decodedTx, regtest.maxBlockBytes), { ok: true });
assert.ok(verifySignature(decodedTx.inputs[0].unlock.subarray(33), digest, pub));
out.txBytes = txBytes.length;
out.txid = hashToHex(txid(decodedTx));

const coinbase = makeCoinbase({
  height: 101,
  extraNonce: 0n,
  outputs: [{ value: 50n * COIN + 1000n, pubKeyHash: hash160(pub) }],
});
const block = {
  header: {
    version: 1,
    prevHash: regtest.genesisHash,
    merkleRoot: merkleRoot([txid(coinbase), txid(spend)]).root,
    time: regtest.genesis.header.time + 600,
    bits: regtest.genesis.header.bits,
    nonce: 0,
  },
  txs: [coinbase, spend],
};
while (!checkProofOfWork(headerHash(block.header), block.header.bits, regtest.powLimit)) block.header.nonce++;
const blockBytes = encodeBlock(block);
const decodedBlock = decodeBlock(blockBytes);
assert.deepEqual(decodedBlock, block);
assert.deepEqual(encodeBlock(decodedBlock), blockBytes);
assert.deepEqual(checkBlock(decodedBlock, regtest), { ok: true });
out.blockBytes = blockBytes.length;
out.blockTxs = decodedBlock.txs.length;

out.ok = true;
process.stdout.write(`${JSON.stringify(out)}\n`);
