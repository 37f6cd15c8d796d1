import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { RpcError } from '../rpc/errors.js';
import { RpcConnectionError } from '../rpc/client.js';
import { UsageError } from './errors.js';
import { holdStartupGrowth } from './startup-memory.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Each subcommand's module, loaded only when needed: what a command imports is paid in start-up
 * time and resident memory by every run (the wallet's key derivation and the benchmarks with
 * their tables and bars cost a running node about 5 MB it never used).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  node: async () => (await import('./node-command.js')).nodeCommand(),
  rpc: async () => (await import('./rpc-command.js')).rpcCommand(),
  testnet: async () => (await import('./testnet-command.js')).testnetCommand(),
  wallet: async () => (await import('./wallet-command.js')).walletCommand(),
  bench: async () => (await import('./bench-command.js')).benchCommand(),
};

/**
 * The `powchain` program: one entry point, one subcommand per job. With `only` naming a
 * subcommand, just that one is loaded (a run of `powchain node ...`); otherwise all of them (the
 * help lists them, and an unknown name is reported against them).
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('powchain')
    .description('A proof-of-work blockchain peer: SHA-256d mining, libp2p gossip, most-work chain in LevelDB')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const names = only !== undefined && Object.hasOwn(COMMANDS, only) ? [only] : Object.keys(COMMANDS);
  for (const name of names) {
    const cmd = await COMMANDS[name]!();
    cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
    program.addCommand(cmd);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    // argv: node, the script, then the subcommand's name. A node loads and starts without
    // growing the young generation or optimizing (startup-memory.ts); the node command releases
    // both once the node has started.
    if (argv[2] === 'node') holdStartupGrowth();
    await (await buildProgram(argv[2])).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed help, the version, or a one-line reason.
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof UsageError || err instanceof RpcConnectionError) {
      process.stderr.write(`powchain: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    if (err instanceof RpcError) {
      process.stderr.write(`error code: ${err.code}\nerror message:\n${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
