import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { RpcError } from '../rpc/errors.js';
import { RpcConnectionError } from '../rpc/client.js';
import { nodeCommand } from './node-command.js';
import { UsageError } from './errors.js';
import { rpcCommand } from './rpc-command.js';
import { walletCommand } from './wallet-command.js';
import { testnetCommand } from './testnet-command.js';
import { benchCommand } from './bench-command.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The `powchain` program: one entry point, one subcommand per job. */
export function buildProgram(): Command {
  const program = new Command('powchain')
    .description('A proof-of-work blockchain peer: SHA-256d mining, libp2p gossip, most-work chain in LevelDB')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const cmd of [nodeCommand(), rpcCommand(), testnetCommand(), walletCommand(), benchCommand()]) {
    cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
    program.addCommand(cmd);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
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
