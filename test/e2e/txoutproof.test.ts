/**
 * Merkle proofs across real processes: node A makes proofs (gettxoutproof, and the wallet's
 * `prove`), node B, which synced from A, verifies them (verifytxoutproof), and so do a light
 * client holding only headers it checked itself (the library, in this test) and the wallet's
 * `verify-proof`. Tampered proofs fail everywhere.
 */
import { COIN } from '../../src/consensus/amounts.js';
import { decodeHeader, headerHash, type BlockHeader } from '../../src/consensus/header.js';
import { decodeMerkleProof, encodeMerkleProof, verifyMerkleProof } from '../../src/consensus/merkle-proof.js';
import { networks } from '../../src/consensus/params/networks.js';
import { checkHeaderPow } from '../../src/consensus/rules/block.js';
import { checkHeaderContext, headerContextAfter } from '../../src/consensus/rules/contextual.js';
import { encodeTx } from '../../src/consensus/tx.js';
import { bytesToHex, equalBytes, hashToHex, hexToBytes } from '../../src/encoding/hex.js';
import { cleanupAll, coinbaseSpend, ensureBuilt, NodeProcess, regtestKey, runCli, waitFor } from './node-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

const regtest = networks.regtest;
const alice = regtestKey('e2e-proof-alice');
const bob = regtestKey('e2e-proof-bob');

/** `powchain wallet ARGS` against a node (no wallet file is needed for proofs). */
const wallet = (node: NodeProcess, ...args: string[]) =>
  runCli(['wallet', '--network', 'regtest', '--datadir', node.datadir, '--rpc-port', String(node.rpcPort), ...args]);

/** Pay the coinbase of `blockHash` (alice's 50 coins) to bob, fee 10,000; returns the txid. */
async function payBob(node: NodeProcess, blockHash: string): Promise<string> {
  const tx = await coinbaseSpend(node, blockHash, alice, [{ value: 50n * COIN - 10_000n, pubKeyHash: bob.pkh }]);
  return node.call<string>('sendrawtransaction', bytesToHex(encodeTx(tx)));
}

/** What a light client does with headers only: fetch them all, check each, keep their hashes. */
async function checkedHeaderHashes(node: NodeProcess): Promise<string[]> {
  const tip = await node.call<number>('getblockcount');
  const headers: BlockHeader[] = [];
  const hashes: string[] = [];
  for (let h = 0; h <= tip; h++) {
    const header = decodeHeader(
      hexToBytes(await node.call<string>('getblockheader', await node.call('getblockhash', h), false)),
    );
    const hash = headerHash(header);
    if (h === 0) expect(equalBytes(hash, regtest.genesisHash)).toBe(true);
    else {
      expect(equalBytes(header.prevHash, headerHash(headers[h - 1]!))).toBe(true);
      expect(checkHeaderPow(hash, header.bits, regtest).ok).toBe(true);
      const ctx = headerContextAfter(
        regtest,
        { height: h - 1, header: headers[h - 1]! },
        (x) => ({ height: x, header: headers[x]! }),
        Math.floor(Date.now() / 1000),
      );
      expect(checkHeaderContext(header, ctx)).toEqual({ ok: true });
    }
    headers.push(header);
    hashes.push(hashToHex(hash));
  }
  return hashes;
}

test('a proof made on one node verifies on another, against headers only, and in the wallet; tampered ones fail', async () => {
  const nodes: NodeProcess[] = [];
  try {
    const a = await NodeProcess.start();
    nodes.push(a);
    // Coinbases 1-4 are mature for a block at height 105.
    const hashes = await a.call<string[]>('generatetoaddress', 104, alice.address);
    // Three payments from three coinbases in block 105 (four transactions with its coinbase).
    const txids: string[] = [];
    for (let i = 0; i < 3; i++) txids.push(await payBob(a, hashes[i]!));
    const third = txids[2]!;
    const [h105] = await a.call<string[]>('generatetoaddress', 1, alice.address);
    // One more in the mempool only.
    const pending = await payBob(a, hashes[3]!);

    const b = await NodeProcess.start();
    nodes.push(b);
    await b.call('addnode', (await a.p2pAddress()).hostPort, 'onetry');
    await waitFor('B to sync block 105', async () => (await b.call('getbestblockhash')) === h105, 60_000);

    // A proves one transaction without being told the block (its transaction index finds it); B verifies.
    const proof = await a.call<string>('gettxoutproof', [txids[1]]);
    expect(await b.call('verifytxoutproof', proof)).toEqual([txids[1]]);
    // Told the block, B makes the very same bytes.
    expect(await b.call('gettxoutproof', [txids[1]], h105)).toBe(proof);
    // Several at once; the coinbase too.
    const block105 = await a.call<{ tx: string[] }>('getblock', h105, 1);
    expect(block105.tx).toHaveLength(4);
    const multi = await a.call<string>('gettxoutproof', [txids[0], third, block105.tx[0]]);
    // The txids come back in block order.
    expect(await b.call('verifytxoutproof', multi)).toEqual(
      block105.tx.filter((t) => [txids[0], third, block105.tx[0]].includes(t)),
    );
    // B's transaction index, built while syncing, finds them too; getrawtransaction verbose as well.
    expect(await b.call('gettxoutproof', [third])).toBe(await a.call('gettxoutproof', [third]));
    expect(await b.call('getrawtransaction', txids[1], true)).toMatchObject({
      txid: txids[1],
      blockhash: h105,
      confirmations: 1,
      in_active_chain: true,
    });

    // Errors, with bitcoind's codes and messages.
    await expect(a.call('gettxoutproof', [txids[0], txids[0]])).rejects.toMatchObject({
      code: -8,
      message: expect.stringContaining('duplicated txid'),
    });
    await expect(a.call('gettxoutproof', [pending])).rejects.toMatchObject({
      code: -5,
      message: 'Transaction not yet in block',
    });
    await expect(a.call('gettxoutproof', ['11'.repeat(32)])).rejects.toMatchObject({ code: -5 });
    await expect(a.call('gettxoutproof', [txids[0]], hashes[5])).rejects.toMatchObject({
      code: -5,
      message: 'Not all transactions found in specified or retrieved block',
    });
    await expect(a.call('gettxoutproof', [txids[0]], '22'.repeat(32))).rejects.toMatchObject({
      code: -5,
      message: 'Block not found',
    });
    await expect(a.call('gettxoutproof', [])).rejects.toMatchObject({ code: -8 });
    await expect(b.call('verifytxoutproof', 'deadbeef')).rejects.toMatchObject({ code: -22 });

    // A light client with headers only: it checks the header chain itself, then the proof.
    const headerHashes = await checkedHeaderHashes(b);
    const r = verifyMerkleProof(hexToBytes(proof));
    if (!r.ok) throw new Error(r.reason);
    expect(headerHashes.indexOf(hashToHex(r.blockHash))).toBe(105);
    expect(r.matches.map((m) => hashToHex(m.txid))).toEqual([txids[1]]);

    // The wallet: prove on A, verify-proof against B's headers, which it checks itself.
    const proved = await wallet(a, '--json', 'prove', txids[1]!);
    expect(proved.code).toBe(0);
    expect(JSON.parse(proved.stdout)).toEqual({ txid: txids[1], blockhash: h105, proof });
    const plain = await wallet(a, 'prove', txids[1]!);
    expect(plain.stdout).toBe(`${proof}\n`);
    const verified = await wallet(b, '--json', 'verify-proof', proof);
    expect(verified.stderr).toBe('');
    expect(JSON.parse(verified.stdout)).toMatchObject({
      valid: true,
      txids: [txids[1]],
      blockhash: h105,
      height: 105,
      confirmations: 1,
      headers: 105,
    });
    const readable = await wallet(b, 'verify-proof', multi);
    expect(readable.code).toBe(0);
    expect(readable.stdout).toMatch(/^valid: /);
    expect(readable.stdout).toMatch(/at height 105 \(1 confirmation\)/);

    // Tampered: a hash of the tree changed. The node says it proves nothing; the wallet refuses.
    const p = decodeMerkleProof(hexToBytes(proof));
    const flipped = p.hashes.map((h) => h.slice());
    flipped[0]![5]! ^= 1;
    const tampered = bytesToHex(encodeMerkleProof({ ...p, hashes: flipped }));
    expect(await b.call('verifytxoutproof', tampered)).toEqual([]);
    const w1 = await wallet(b, 'verify-proof', tampered);
    expect(w1.code).toBe(1);
    expect(w1.stderr).toMatch(/the proof does not hold: root-mismatch/);
    expect(verifyMerkleProof(hexToBytes(tampered)).ok).toBe(false);
    // Tampered: the header's nonce changed, so its tree still holds but names a block nobody has.
    const header = { ...p.header, nonce: p.header.nonce ^ 1 };
    const otherBlock = bytesToHex(encodeMerkleProof({ ...p, header }));
    await expect(b.call('verifytxoutproof', otherBlock)).rejects.toMatchObject({
      code: -5,
      message: 'Block not found in chain',
    });
    const w2 = await wallet(b, 'verify-proof', otherBlock);
    expect(w2.code).toBe(1);
    expect(w2.stderr).toMatch(/is not in the checked header chain/);
    // Truncated, and not hex at all.
    expect((await wallet(b, 'verify-proof', proof.slice(0, -2))).stderr).toMatch(/does not decode/);
    expect((await wallet(b, 'verify-proof', 'xyz')).stderr).toMatch(/not hex/);
    // The wallet refuses to hand out a proof of what the node cannot prove.
    const bad = await wallet(a, 'prove', pending);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Transaction not yet in block/);

    for (const n of nodes) expect(await n.signal('SIGTERM')).toEqual({ code: 0, signal: null });
  } finally {
    await Promise.all(nodes.map((n) => n.kill()));
  }
}, 240_000);
