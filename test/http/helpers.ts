/**
 * For the tests of the node's public pages (REST, metrics, explorer API): a real `powchain node`
 * child (test/e2e/node-helpers.ts) with the pages switched on, plain HTTP GETs against it, and a
 * signed payment from a mined coinbase, so the pages have a mempool transaction and a confirmed
 * spend to show.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBlock } from '../../src/consensus/block.js';
import { encodeTx, isCoinbase, txid, type Transaction } from '../../src/consensus/tx.js';
import { bytesToHex, hashToHex, hexToBytes } from '../../src/encoding/hex.js';
import type { NodeProcess, regtestKey } from '../e2e/node-helpers.js';
import { regtest } from '../helpers/mine.js';
import { signSpend } from '../helpers/tx.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

/** GET (or HEAD) a path of the node's HTTP port, without credentials. */
export async function get(node: NodeProcess, path: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const res = await fetch(`http://127.0.0.1:${node.rpcPort}${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body, text: body.toString('utf8') };
}

/** GET a JSON answer that must be 200. */
export async function getJson<T = Record<string, unknown>>(node: NodeProcess, path: string): Promise<T> {
  const r = await get(node, path);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text}`);
  return JSON.parse(r.text) as T;
}

/** A public page's error: the status and its one-line JSON message. */
export async function getError(node: NodeProcess, path: string): Promise<{ status: number; error: string }> {
  const r = await get(node, path);
  expect(r.headers.get('content-type')).toBe('application/json');
  // One line of JSON: {"error":"..."} and a newline.
  expect(r.text).toMatch(/^\{"error":"[^\n]+"\}\n$/);
  return { status: r.status, error: (JSON.parse(r.text) as { error: string }).error };
}

/**
 * An RPC answer parsed as the REST answers are (plain JSON.parse), for comparing the two: the
 * RPC client itself keeps amounts exact, which a page's plain JSON does not need to.
 */
export async function rpcPlain<T = unknown>(node: NodeProcess, method: string, ...params: unknown[]): Promise<T> {
  const auth = readFileSync(join(node.datadir, '.cookie'), 'utf8').trim();
  const res = await fetch(`http://127.0.0.1:${node.rpcPort}/`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(30_000),
  });
  const reply = JSON.parse(await res.text()) as { result: T; error: { message: string } | null };
  if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
  return reply.result;
}

/** A key and its regtest address (test/e2e's regtestKey): who owns and receives coins here. */
export type Wallet = ReturnType<typeof regtestKey>;

/** The coinbase transaction of the main-chain block at `height` (paid to whoever mined it). */
export async function coinbaseAt(node: NodeProcess, height: number): Promise<Transaction> {
  const hash = await node.call<string>('getblockhash', height);
  return decodeBlock(hexToBytes(await node.call<string>('getblock', hash, 0))).txs[0]!;
}

/** An output to spend: the transaction, which output, the height it confirmed at, its owner. */
export interface Spendable {
  prev: Transaction;
  index: number;
  height: number;
  owner: Wallet;
}

/** A signed transaction spending `inputs` (each signed by its owner) to `outputs`. */
export function spend(
  inputs: Spendable[],
  outputs: { to: Wallet; value: bigint }[],
): { tx: Transaction; txid: string; hex: string } {
  const tx = signSpend({
    inputs: inputs.map((i) => ({
      outpoint: { txid: txid(i.prev), index: i.index },
      coin: { ...i.prev.outputs[i.index]!, height: i.height, coinbase: isCoinbase(i.prev) },
      key: i.owner,
    })),
    outputs: outputs.map((o) => ({ value: o.value, pubKeyHash: o.to.pkh })),
    genesisHash: regtest.genesisHash,
  });
  return { tx, txid: hashToHex(txid(tx)), hex: bytesToHex(encodeTx(tx)) };
}
