import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The `powchain` program. Subcommands register themselves here as they are built. */
export function buildProgram(): Command {
  const program = new Command('powchain')
    .description('A proof-of-work blockchain peer: SHA-256d mining, libp2p gossip, most-work chain in LevelDB')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed help, the version, or a one-line reason.
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}
