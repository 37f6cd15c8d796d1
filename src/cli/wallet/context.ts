/**
 * What every `powchain wallet` subcommand shares: its options read once into a context (network,
 * wallet file), printing for people or `--json`, the optional node client, and the one place
 * that turns wallet and RPC errors into the one-line usage error main() prints.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { getNetwork, isNetworkName } from '../../consensus/params/networks.js';
import type { NetworkParams } from '../../consensus/params/types.js';
import { RpcConnectionError, type RpcClient } from '../../rpc/client.js';
import { RpcError } from '../../rpc/errors.js';
import { toJson } from '../../rpc/json.js';
import { WalletError } from '../../wallet/errors.js';
import { DEFAULT_SCRYPT, MAX_SCRYPT_LOG_N, MIN_SCRYPT_LOG_N, readHeader } from '../../wallet/keystore.js';
import { getPassphrase } from '../../wallet/prompt.js';
import { Wallet } from '../../wallet/wallet.js';
import { UsageError } from '../errors.js';
import { clientFor, type RpcTarget } from '../rpc-command.js';

export interface WalletOpts extends RpcTarget {
  wallet?: string;
  passphraseFile?: string;
  json?: boolean;
  feeRate?: string;
  scryptLogN?: string;
  blockhash?: string;
}

export interface Ctx {
  opts: WalletOpts;
  params: NetworkParams;
  file: string;
}

/** ~/.powchain/<network>/wallet.json unless --wallet says otherwise. */
function defaultWalletFile(network: string): string {
  return join(homedir(), '.powchain', network, 'wallet.json');
}

export function context(cmd: Command): Ctx {
  const opts = cmd.optsWithGlobals<WalletOpts>();
  let network = opts.network;
  if (network !== undefined && !isNetworkName(network))
    throw new UsageError(`--network must be main, testnet or regtest, got '${network}'`);
  // A wallet file given without --network names its own network.
  if (network === undefined && opts.wallet !== undefined && existsSync(opts.wallet))
    network = readHeader(resolve(opts.wallet)).network;
  network ??= 'testnet';
  const file = resolve(opts.wallet ?? defaultWalletFile(network));
  return { opts: { ...opts, network }, params: getNetwork(network), file };
}

export function print(ctx: Ctx, json: unknown, text: string): void {
  process.stdout.write(ctx.opts.json ? `${toJson(json, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`);
}

export function note(ctx: Ctx, line: string): void {
  if (!ctx.opts.json) process.stderr.write(`${line}\n`);
}

/** The node client, or undefined (with the reason) when there is no way to reach one. */
export function optionalClient(ctx: Ctx): { rpc?: RpcClient; why?: string } {
  try {
    return { rpc: clientFor(ctx.opts) };
  } catch (err) {
    if (err instanceof UsageError) return { why: err.message };
    throw err;
  }
}

export async function openWallet(ctx: Ctx, rpc?: RpcClient): Promise<Wallet> {
  readHeader(ctx.file); // a missing or corrupt file is reported before asking for a passphrase
  const pass = await getPassphrase({ passphraseFile: ctx.opts.passphraseFile });
  return Wallet.open(ctx.file, pass, ctx.params, rpc);
}

/** Run a subcommand; a WalletError or RpcError becomes the one-line UsageError main() prints. */
export function action<A extends unknown[]>(fn: (ctx: Ctx, ...args: A) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args.at(-1) as Command;
    try {
      await fn(context(cmd), ...(args.slice(0, -2) as A));
    } catch (err) {
      if (err instanceof WalletError) throw new UsageError(err.message);
      if (err instanceof RpcError) throw new UsageError(`the node returned error ${err.code}: ${err.message}`);
      if (err instanceof RpcConnectionError || err instanceof UsageError) throw err;
      throw new UsageError((err as Error).message ?? String(err));
    }
  };
}

export function scryptOption(ctx: Ctx): { n: number; r: number; p: number } {
  const v = ctx.opts.scryptLogN;
  if (v === undefined) return DEFAULT_SCRYPT;
  const logN = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!(logN >= MIN_SCRYPT_LOG_N && logN <= MAX_SCRYPT_LOG_N))
    throw new UsageError(`--scrypt-log-n must be ${MIN_SCRYPT_LOG_N}..${MAX_SCRYPT_LOG_N}, got '${v}'`);
  return { ...DEFAULT_SCRYPT, n: 2 ** logN };
}
