import { Command } from 'commander';
import { join } from 'node:path';
import { getNetwork, isNetworkName } from '../consensus/params/networks.js';
import { readCookie, defaultDatadir } from '../rpc/cookie.js';
import { RpcClient } from '../rpc/client.js';
import { toJson } from '../rpc/json.js';
import { UsageError } from './errors.js';

/** A param is JSON when it parses as JSON, else a plain string (bitcoin-cli's rule). */
export function parseParam(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}

export interface RpcTarget {
  network?: string;
  datadir?: string;
  rpcPort?: string;
  rpcUrl?: string;
  rpcUser?: string;
  rpcPassword?: string;
}

/** Build a client from --rpc-url or --datadir/--rpc-port, with the cookie or user/password. */
export function clientFor(o: RpcTarget): RpcClient {
  const network = o.network ?? 'testnet';
  if (!isNetworkName(network)) throw new UsageError(`--network must be main, testnet or regtest, got '${network}'`);
  const params = getNetwork(network);
  const datadir = o.datadir ?? defaultDatadir(network);
  const port = o.rpcPort ?? String(params.defaultRpcPort);
  if (!/^\d{1,5}$/.test(port)) throw new UsageError(`--rpc-port must be a port number, got '${port}'`);
  let url: URL;
  try {
    url = new URL(o.rpcUrl ?? `http://127.0.0.1:${port}/`);
  } catch {
    throw new UsageError(`--rpc-url '${o.rpcUrl}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--rpc-url '${o.rpcUrl}' must be an http:// URL`);
  let auth: string | undefined;
  if (o.rpcUser !== undefined) auth = `${o.rpcUser}:${o.rpcPassword ?? ''}`;
  else if (url.username) auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  // fetch refuses a URL with credentials in it: they travel in the Authorization header instead.
  url.username = '';
  url.password = '';
  auth ??= readCookie(datadir);
  if (!auth)
    throw new UsageError(
      `no RPC cookie in ${join(datadir, '.cookie')}: is the node running with this --datadir? (or pass --rpc-user/--rpc-password)`,
    );
  return new RpcClient({ url: url.toString(), auth });
}

export function rpcCommand(): Command {
  return new Command('rpc')
    .description('call a JSON-RPC method of a running node, like bitcoin-cli')
    .argument('<method>', 'method name (try: help)')
    .argument('[params...]', 'parameters: JSON where they parse as JSON, else strings')
    .option('--network <name>', 'network of the node (default testnet)')
    .option('--datadir <dir>', "the node's data directory (for the cookie)")
    .option('--rpc-port <n>', "the node's RPC port")
    .option('--rpc-url <url>', 'full RPC URL (overrides --rpc-port)')
    .option('--rpc-user <user>', 'RPC user')
    .option('--rpc-password <password>', 'RPC password')
    .action(async (method: string, params: string[], opts: RpcTarget) => {
      const result = await clientFor(opts).call(method, params.map(parseParam));
      process.stdout.write(typeof result === 'string' ? `${result}\n` : `${toJson(result, 2)}\n`);
    });
}
