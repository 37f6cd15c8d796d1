import { readFileSync } from 'node:fs';
import { DEFAULT_DB_CACHE_MIB, MAX_DB_CACHE_MIB, MIN_DB_CACHE_MIB } from '../chain/options.js';
import { getNetwork, isNetworkName } from '../consensus/params/networks.js';
import type { NetworkName } from '../consensus/params/types.js';
import { parseTcpAddress } from '../net/discovery/announce.js';
import { defaultDatadir } from './datadir.js';

/** Everything `powchain node` can be told, from flags or a config file. */
export interface NodeConfig {
  network: NetworkName;
  datadir: string;
  port: number;
  bind: string;
  peers: string[];
  /** Peers to learn the network from (--bootstrap); undefined: the network's built-in seeds. */
  bootstrap?: string[];
  /** Addresses to advertise (--announce) instead of the listen address. */
  announce: string[];
  /** Advertise no address at all (--no-announce). */
  noAnnounce: boolean;
  /** On main, advertise private-range addresses too (--announce-private). */
  announcePrivate: boolean;
  mdns: boolean;
  maxPeers: number;
  /** Outbound peers kept by the maintenance loop (--max-outbound). */
  maxOutbound: number;
  /** At most this many outbound peers per address group, /16 (--max-outbound-per-group). */
  maxOutboundPerGroup: number;
  mine: boolean;
  minerAddress?: string;
  threads?: number;
  rpcPort: number;
  rpcBind: string;
  rpcUser?: string;
  rpcPassword?: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  logFormat: 'pretty' | 'json';
  /** Rebuild the block index and chain state from the block store before starting. */
  reindex: boolean;
  /** Rebuild only the chain state (UTXO set, undo, indexes) from the stored blocks and their index. */
  reindexChainstate: boolean;
  /**
   * Stop the node cleanly when the data directory's file system has less than this many MiB free
   * (warn below twice that); 0 turns the check off. Default 50, as bitcoind's.
   */
  minFreeDiskMb: number;
  /** Keep the transaction index (txid → block) for getrawtransaction and gettxoutproof. */
  txindex: boolean;
  /** Serve Stratum v1 on this port (off when undefined). */
  stratumPort?: number;
  stratumBind: string;
  stratumMaxConnections: number;
  /** The share difficulty a Stratum connection starts at (default: 1/64 of a block's). */
  stratumDifficulty?: number;
  stratumExtranonce2Size: number;
  /** Serve the read-only REST interface under /rest/ on the RPC port (unauthenticated, like bitcoind's -rest). */
  rest: boolean;
  /** Serve Prometheus metrics at GET /metrics on the RPC port (unauthenticated). */
  metrics: boolean;
  /** Serve the block explorer at / on the RPC port (unauthenticated, read-only). */
  web: boolean;
  /**
   * Seconds added to the system clock to make the node's clock (like bitcoind's mock time, but
   * running): every time the node reads (block times it mines, the future limit, mempool ages,
   * bans) comes from that one clock. 0 by default.
   */
  clockOffset: number;
  /** Memory for the chain's caches, in MiB (LevelDB's write buffer and block cache, the coin cache). */
  dbcache: number;
}

export const DEFAULT_MIN_FREE_DISK_MB = 50;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Keys that may appear more than once in a config file, each adding a value. */
const REPEATABLE: ReadonlySet<string> = new Set(['peer', 'bootstrap', 'announce']);

/** A repeatable option's values: flags (an array) or a config file (a string or an array). */
function list(v: unknown): string[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)];
}

/** Every value a multiaddr, checked the way the network will read it. */
function addresses(v: string[], name: string, peerId: 'allowed' | 'forbidden'): string[] {
  for (const a of v) {
    try {
      parseTcpAddress(a, peerId);
    } catch (err) {
      throw new ConfigError(`--${name}: ${(err as Error).message.replace(/^bad-address: /, '')}`);
    }
  }
  return v;
}

function intIn(v: unknown, name: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`--${name} must be an integer from ${min} to ${max}, got '${v}'`);
  return n;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * Read a config file: `key=value` lines like bitcoin.conf (`#` comments; repeatable keys such as
 * `peer` accumulate). Keys are the long option names without dashes.
 */
export function readConfigFile(path: string): Record<string, string | string[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const out: Record<string, string | string[]> = {};
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${path}:${n + 1}: expected key=value`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (REPEATABLE.has(key)) out[key] = [...((out[key] as string[] | undefined) ?? []), value];
    else out[key] = value;
  }
  return out;
}

function port(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`--${name} must be a port number (0-65535), got '${v}'`);
  return n;
}

/**
 * The largest clock offset accepted: 50 years either way. A block's time is a u32 of seconds, so
 * a clock shifted further would soon mine times that no header can hold (after 2106).
 */
export const MAX_CLOCK_OFFSET = 50 * 365 * 24 * 3600;

function clockOffset(v: unknown): number {
  const text = String(v).trim();
  const n = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_CLOCK_OFFSET)
    throw new ConfigError(
      `--clock-offset must be a whole number of seconds from -${MAX_CLOCK_OFFSET} to ${MAX_CLOCK_OFFSET} (50 years), got '${v}'`,
    );
  return n;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 'yes';
}

/** Merge flags over the config file over the network's defaults, and check every value. */
export function resolveConfig(
  flags: Record<string, unknown>,
  file: Record<string, string | string[]> = {},
): NodeConfig {
  const get = (k: string, kebab = k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)) =>
    flags[k] ?? file[kebab] ?? file[k];
  const networkName = String(get('network') ?? 'testnet');
  if (!isNetworkName(networkName))
    throw new ConfigError(`--network must be main, testnet or regtest, got '${networkName}'`);
  const params = getNetwork(networkName);
  const logLevel = String(get('logLevel') ?? 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = String(get('logFormat') ?? (process.stdout.isTTY ? 'pretty' : 'json'));
  if (logFormat !== 'pretty' && logFormat !== 'json') throw new ConfigError(`--log-format must be pretty or json`);
  const maxPeers = Number(get('maxPeers') ?? 50);
  if (!Number.isInteger(maxPeers) || maxPeers < 1 || maxPeers > 10_000)
    throw new ConfigError('--max-peers must be an integer from 1 to 10000');
  const threadsRaw = get('threads');
  const threads = threadsRaw === undefined ? undefined : Number(threadsRaw);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 256))
    throw new ConfigError('--threads must be an integer from 1 to 256');
  const dbcache = Number(get('dbcache') ?? DEFAULT_DB_CACHE_MIB);
  if (!Number.isInteger(dbcache) || dbcache < MIN_DB_CACHE_MIB || dbcache > MAX_DB_CACHE_MIB)
    throw new ConfigError(
      `--dbcache must be a whole number of MiB from ${MIN_DB_CACHE_MIB} to ${MAX_DB_CACHE_MIB}, got '${get('dbcache')}'`,
    );
  const peers = list(get('peer')) ?? [];
  const bootstrap = list(get('bootstrap'));
  // `--no-announce` arrives as announce=false from commander; a config file says no-announce=1.
  const announceRaw = get('announce');
  const noAnnounce = announceRaw === false || bool(get('noAnnounce'));
  const announce = noAnnounce ? [] : (list(announceRaw === true ? undefined : announceRaw) ?? []);
  const rpcUser = get('rpcUser');
  const rpcPassword = get('rpcPassword');
  if ((rpcUser === undefined) !== (rpcPassword === undefined))
    throw new ConfigError('--rpc-user and --rpc-password go together');
  const stratumPortRaw = get('stratumPort');
  const stratumMax = Number(get('stratumMaxConnections') ?? 100);
  if (!Number.isInteger(stratumMax) || stratumMax < 1 || stratumMax > 10_000)
    throw new ConfigError('--stratum-max-connections must be an integer from 1 to 10000');
  const en2 = Number(get('stratumExtranonce2Size') ?? 4);
  if (!Number.isInteger(en2) || en2 < 4 || en2 > 8)
    throw new ConfigError('--stratum-extranonce2-size must be an integer from 4 to 8');
  const diffRaw = get('stratumDifficulty');
  const stratumDifficulty = diffRaw === undefined ? undefined : Number(diffRaw);
  if (stratumDifficulty !== undefined && !(stratumDifficulty > 0 && Number.isFinite(stratumDifficulty)))
    throw new ConfigError(`--stratum-difficulty must be a positive number, got '${diffRaw}'`);
  const txindexRaw = get('txindex');
  const minFreeDiskMb = Number(get('minFreeDisk') ?? DEFAULT_MIN_FREE_DISK_MB);
  if (!Number.isInteger(minFreeDiskMb) || minFreeDiskMb < 0 || minFreeDiskMb > 1_000_000)
    throw new ConfigError(
      `--min-free-disk must be a whole number of MiB from 0 to 1000000, got '${get('minFreeDisk')}'`,
    );
  const reindex = bool(get('reindex'));
  const reindexChainstate = bool(get('reindexChainstate'));
  if (reindex && reindexChainstate)
    throw new ConfigError(
      '--reindex already rebuilds the chain state; give --reindex or --reindex-chainstate, not both',
    );
  return {
    network: networkName,
    datadir: String(get('datadir') ?? defaultDatadir(networkName)),
    port: port(get('port') ?? params.defaultP2pPort, 'port'),
    bind: String(get('bind') ?? '127.0.0.1'),
    peers,
    bootstrap: bootstrap && addresses(bootstrap, 'bootstrap', 'allowed'),
    announce: addresses(announce, 'announce', 'forbidden'),
    noAnnounce,
    announcePrivate: bool(get('announcePrivate')),
    mdns: bool(get('mdns')),
    maxPeers,
    maxOutbound: intIn(get('maxOutbound') ?? 8, 'max-outbound', 0, 1_000),
    maxOutboundPerGroup: intIn(get('maxOutboundPerGroup') ?? 2, 'max-outbound-per-group', 1, 1_000),
    mine: bool(get('mine')),
    minerAddress: get('minerAddress') === undefined ? undefined : String(get('minerAddress')),
    threads,
    rpcPort: port(get('rpcPort') ?? params.defaultRpcPort, 'rpc-port'),
    rpcBind: String(get('rpcBind') ?? '127.0.0.1'),
    rpcUser: rpcUser === undefined ? undefined : String(rpcUser),
    rpcPassword: rpcPassword === undefined ? undefined : String(rpcPassword),
    logLevel: logLevel as NodeConfig['logLevel'],
    logFormat,
    reindex,
    reindexChainstate,
    minFreeDiskMb,
    txindex: txindexRaw === undefined ? true : bool(txindexRaw),
    stratumPort: stratumPortRaw === undefined ? undefined : port(stratumPortRaw, 'stratum-port'),
    stratumBind: String(get('stratumBind') ?? '127.0.0.1'),
    stratumMaxConnections: stratumMax,
    stratumDifficulty,
    stratumExtranonce2Size: en2,
    rest: bool(get('rest')),
    metrics: bool(get('metrics')),
    web: bool(get('web')),
    clockOffset: clockOffset(get('clockOffset') ?? 0),
    dbcache,
  };
}
