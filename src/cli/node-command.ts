import { Command, Option } from 'commander';
import { ConfigError, readConfigFile, resolveConfig } from '../node/config.js';
import { UsageError } from './errors.js';
import { releaseStartupGrowth } from './startup-memory.js';

/** `powchain node`: parse options, start the node, stop it cleanly on SIGINT/SIGTERM. */
export function nodeCommand(): Command {
  return new Command('node')
    .description('run a peer: sync, validate, relay, and mine with --mine')
    .option('--config <file>', 'read options from a key=value file (flags override it)')
    .addOption(new Option('--network <name>', 'network to join').choices(['main', 'testnet', 'regtest']))
    .option('--datadir <dir>', 'data directory (default ~/.powchain/<network>)')
    .option('--port <n>', 'p2p TCP port (default per network)')
    .option('--bind <addr>', 'p2p listen address (default 127.0.0.1)')
    .option(
      '--peer <multiaddr>',
      'connect to this peer and keep reconnecting (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--bootstrap <multiaddr>',
      "learn the network from this peer when the address book has nobody to dial (repeatable; default: the network's seeds)",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--announce <multiaddr>',
      'advertise this address (e.g. /ip4/203.0.113.5/tcp/8333) instead of the listen address (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--no-announce', 'advertise no address: dial out only')
    .option('--announce-private', 'on main, advertise private-range addresses too (other networks always do)')
    .option('--mdns', 'discover peers on the local network')
    .option('--max-peers <n>', 'connection cap (default 50)')
    .option('--max-outbound <n>', 'outbound peers to keep (default 8; 0: only --peer and addnode peers, no DHT)')
    .option('--max-outbound-per-group <n>', 'at most this many outbound peers per /16 address group (default 2)')
    .option('--mine', 'mine blocks (needs --miner-address)')
    .option('--miner-address <address>', 'address the block rewards pay to')
    .option('--threads <n>', 'hashing threads (default cores - 1)')
    .option('--rpc-port <n>', 'JSON-RPC port (default per network)')
    .option('--rpc-bind <addr>', 'JSON-RPC listen address (default 127.0.0.1)')
    .option('--rpc-user <user>', 'JSON-RPC user (default: cookie authentication)')
    .option('--rpc-password <password>', 'JSON-RPC password')
    .option('--rest', 'serve the read-only REST interface under /rest/ on the RPC port (no authentication)')
    .option('--metrics', 'serve Prometheus metrics at /metrics on the RPC port (no authentication)')
    .option('--web', 'serve the block explorer at / on the RPC port (no authentication, read-only)')
    .option('--log-level <level>', 'trace, debug, info, warn, error, fatal or silent (default info)')
    .addOption(
      new Option('--log-format <format>', 'log format (default pretty on a terminal, else json)').choices([
        'pretty',
        'json',
      ]),
    )
    .option(
      '--clock-offset <seconds>',
      "run the node's clock this many seconds ahead of the system clock (negative: behind); for tests",
    )
    .option(
      '--dbcache <MiB>',
      'memory for the chain caches: half LevelDB write buffer, a quarter its block cache, a quarter coins (default 128)',
    )
    .option(
      '--reindex',
      'rebuild the block index and chain state from the block store before starting (also upgrades a database of an older schema)',
    )
    .option(
      '--reindex-chainstate',
      'rebuild only the chain state (UTXO set, undo records, address index) from the stored blocks and their index',
    )
    .option(
      '--min-free-disk <MiB>',
      'stop cleanly when the data directory has less than this much free space, warn below twice it; 0: off (default 50)',
    )
    .option('--no-txindex', 'keep no transaction index (getrawtransaction and gettxoutproof then need a block hash)')
    .option('--stratum-port <n>', 'serve Stratum v1 to mining software on this port (default: off)')
    .option('--stratum-bind <addr>', 'Stratum listen address (default 127.0.0.1)')
    .option('--stratum-max-connections <n>', 'Stratum connections served at once (default 100)')
    .option('--stratum-difficulty <d>', "share difficulty a Stratum connection starts at (default: 1/64 of a block's)")
    .option('--stratum-extranonce2-size <n>', 'bytes of extranonce2 a miner chooses, 4 to 8 (default 4)')
    .action(async (opts: Record<string, unknown>, cmd: Command) => {
      // --no-txindex defaults to true: leave it unset unless given, so a config file can say txindex=0.
      if (cmd.getOptionValueSource('txindex') === 'default') delete opts.txindex;
      let config;
      try {
        config = resolveConfig(opts, opts.config ? readConfigFile(String(opts.config)) : {});
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message);
        throw err;
      }
      // Loaded here, not at the top: every other command starts without libp2p and the chain.
      const { PowchainNode } = await import('../node/node.js');
      const node = new PowchainNode(config);
      const onSignal = (sig: string) => {
        node.log.info({ signal: sig }, 'signal received');
        void node.stop();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await node.start();
      } catch (err) {
        throw new UsageError(startFailure(err as Error, config));
      } finally {
        releaseStartupGrowth();
      }
      await node.stopped;
      // A node that stopped itself (disk full, a failing disk) says why once more and exits 1.
      if (node.failure) throw new UsageError(node.failure);
    });
}

/**
 * Why the node could not start, as one line: a port in use names the option that chose it
 * (libp2p's own message spans lines and carries a stack trace); anything else loses its
 * stack-trace lines.
 */
export function startFailure(
  err: Error,
  config: { port: number; rpcPort: number; bind: string; rpcBind: string; stratumPort?: number },
): string {
  const text = String(err.message ?? err);
  const inUse = /EADDRINUSE[^\n]*?(\S+):(\d+)\s*$/m.exec(text);
  if (inUse) {
    const port = Number(inUse[2]);
    const option =
      port === config.rpcPort
        ? '--rpc-port'
        : port === config.port
          ? '--port'
          : port === config.stratumPort
            ? '--stratum-port'
            : 'a port';
    return `cannot listen on ${inUse[1]}:${port}: the address is already in use (EADDRINUSE); is another node running? choose another ${option}`;
  }
  return text
    .split('\n')
    .filter((l) => !/^\s+at /.test(l))
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}
