/**
 * Gossip floods against a real `powchain node` process, from hostile peers built of libp2p parts
 * in this process (src/bench/hostile): gossip frames of 5 and 50 MB and frames that are not
 * gossipsub at all, and 5,000 well-formed transactions spending coins that do not exist. Each
 * costs the sender until it is banned; the node's memory, tip and RPC are unmoved, and an honest
 * peer's blocks and transactions still arrive.
 */
import { randomBytes } from 'node:crypto';
import { COIN } from '../../src/consensus/amounts.js';
import { encodeTx } from '../../src/consensus/tx.js';
import { bytesToHex, hexToHash } from '../../src/encoding/hex.js';
import { junkTx } from '../../src/bench/hostile/forge.js';
import { connectHostile } from '../../src/bench/hostile/floods.js';
import { signSpend } from '../helpers/tx.js';
import { cleanupAll, ensureBuilt, NodeProcess, regtestKey, waitFor } from './node-helpers.js';
import { banned, honestBeside, hostile, p2p, peerRows, rssMb } from './hostile-helpers.js';

beforeAll(() => ensureBuilt(), 360_000);
afterAll(() => cleanupAll());

const MB = 1024 * 1024;

test('5 MB and 50 MB gossip frames and junk frames cost their senders a ban; memory, tip and gossip are unmoved', async () => {
  const target = await NodeProcess.start();
  let honest: NodeProcess | undefined;
  const attackers: { stop(): Promise<void> }[] = [];
  try {
    const h = await honestBeside(target, 5);
    honest = h.node;
    const addr = await p2p(target);
    const tip = await target.call<string>('getbestblockhash');
    const rssBefore = rssMb(target.pid);

    const { peer, conn } = await connectHostile(addr, hostile);
    attackers.push(peer);
    const costOf = async (id: string) => (await peerRows(target)).find((r) => r.peerid === id);
    await peer.gossip(conn, peer.wire.blockTopic, [randomBytes(5 * MB)]).catch(() => undefined);
    await waitFor(
      'the 5 MB frame to cost its sender',
      async () => (await costOf(peer.peerId))?.costs['oversized-frame'] === 1,
    );
    expect((await costOf(peer.peerId))!.banscore).toBeGreaterThanOrEqual(50);
    // The node dropped the stream; the attacker opens another and sends 50 MB.
    await peer
      .gossip(conn, peer.wire.blockTopic, [randomBytes(50 * MB)], 1, { newStream: true })
      .catch(() => undefined);
    await waitFor('the 50 MB sender to be banned', async () => (await banned(target)).includes(peer.peerId));
    await waitFor('the banned sender to be disconnected', () => peer.connectionsTo(conn.remotePeer).length === 0);

    // A frame that is not a gossipsub RPC at all, from another identity.
    const junk = await connectHostile(addr, hostile);
    attackers.push(junk.peer);
    await junk.peer.gossipFrame(junk.conn, Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3));
    await waitFor(
      'the junk frame to cost its sender',
      async () => (await costOf(junk.peer.peerId))?.costs['undecodable-frame'] === 1,
    );
    // The stream goes on: a well-formed message after it is judged (and, spending nothing real, charged).
    await junk.peer.gossip(junk.conn, junk.peer.wire.txTopic, [encodeTx(junkTx())]);
    await waitFor(
      'the message after the junk frame to be judged',
      async () => (await costOf(junk.peer.peerId))?.costs['unconnectable-tx'] === 1,
    );

    // Nothing of 55 MB was ever held: the frames were refused at their length prefix.
    expect(rssMb(target.pid) - rssBefore).toBeLessThan(100);
    expect(await target.call('getbestblockhash')).toBe(tip);
    expect((await peerRows(target)).find((r) => r.peerid === h.peerId)!.banscore).toBe(0);
    const [next] = await honest.call<string[]>('generatetoaddress', 1, h.address);
    await waitFor('the honest block on the target', async () => (await target.call('getbestblockhash')) === next);
  } finally {
    await Promise.all(attackers.map((a) => a.stop()));
    await honest?.kill();
    await target.kill();
  }
}, 240_000);

test('5,000 transactions spending unknown coins get their sender banned; RPC answers throughout, an honest transaction still arrives', async () => {
  const target = await NodeProcess.start();
  let honest: NodeProcess | undefined;
  try {
    const h = await honestBeside(target, 101, 'honest-tx');
    honest = h.node;
    const addr = await p2p(target);
    const height = await target.call<number>('getblockcount');
    // RPC keeps answering while the flood is worked through (its latency is the benchmark's business).
    let answered = 0;
    let flooding = true;
    const rpc = (async () => {
      while (flooding) {
        expect(await target.call('getblockcount')).toBe(height);
        answered++;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const { peer, conn } = await connectHostile(addr, hostile);
    const txs = Array.from({ length: 5_000 }, () => encodeTx(junkTx()));
    let sent = 0;
    try {
      for (let i = 0; i < txs.length && conn.status === 'open'; i += 50) {
        await peer.gossip(conn, peer.wire.txTopic, txs.slice(i, i + 50), 50);
        sent += 50;
      }
    } catch {
      // the node hung up on a banned peer
    }
    await waitFor('the spammer to be banned', async () => (await banned(target)).includes(peer.peerId));
    flooding = false;
    await rpc;
    await peer.stop();
    expect(answered).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(0);
    const ban = (await target.call<{ address: string; ban_reason: string }[]>('listbanned'))[0]!;
    expect(ban.ban_reason).toMatch(/^(unconnectable-tx|gossip-overflow): /);
    // None of it is held.
    expect((await target.call<{ size: number }>('getmempoolinfo')).size).toBe(0);
    expect(await target.call('getblockcount')).toBe(height);

    // An honest payment still reaches the target by gossip.
    const key = regtestKey('e2e-honest-tx');
    const block1 = await honest.call<{ tx: string[] }>('getblock', await honest.call('getblockhash', 1), 1);
    const tx = signSpend({
      inputs: [
        {
          outpoint: { txid: hexToHash(block1.tx[0]!), index: 0 },
          coin: { value: 50n * COIN, pubKeyHash: key.pkh, height: 1, coinbase: true },
          key,
        },
      ],
      outputs: [{ value: 49n * COIN, pubKeyHash: key.pkh }],
      genesisHash: hexToHash(await honest.call<string>('getblockhash', 0)),
    });
    const txid = await honest.call<string>('sendrawtransaction', bytesToHex(encodeTx(tx)));
    await waitFor('the honest transaction in the target’s mempool', async () =>
      (await target.call<string[]>('getrawmempool')).includes(txid),
    );
  } finally {
    await honest?.kill();
    await target.kill();
  }
}, 240_000);
