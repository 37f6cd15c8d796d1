import { readFileSync } from 'node:fs';
import { WalletError } from './errors.js';

/**
 * Where secrets come from, in order: --passphrase-file, the POWCHAIN_PASSPHRASE environment
 * variable, a prompt on the terminal (nothing echoed). Without a terminal and without the
 * first two, a clear error instead of a hang.
 */

export const PASSPHRASE_ENV = 'POWCHAIN_PASSPHRASE';

export interface PassphraseSource {
  passphraseFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Ask twice and compare (new wallets). */
  confirm?: boolean;
}

export async function getPassphrase(o: PassphraseSource): Promise<string> {
  const env = o.env ?? process.env;
  if (o.passphraseFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(o.passphraseFile, 'utf8');
    } catch (err) {
      throw new WalletError(
        'no-passphrase',
        `cannot read --passphrase-file ${o.passphraseFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    const pass = text.replace(/\r?\n$/, '');
    if (pass === '') throw new WalletError('no-passphrase', `--passphrase-file ${o.passphraseFile} is empty`);
    return pass;
  }
  const fromEnv = env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) {
    throw new WalletError(
      'no-passphrase',
      `no passphrase: run in a terminal, set ${PASSPHRASE_ENV}, or pass --passphrase-file <file>`,
    );
  }
  const pass = await promptHidden(o.confirm ? 'New wallet passphrase: ' : 'Wallet passphrase: ');
  if (pass === '') throw new WalletError('no-passphrase', 'the passphrase must not be empty');
  if (o.confirm && (await promptHidden('Repeat the passphrase: ')) !== pass) {
    throw new WalletError('no-passphrase', 'the two passphrases differ');
  }
  return pass;
}

/** A recovery phrase from the terminal (hidden), or all of stdin when it is not a terminal. */
export async function readMnemonicInput(): Promise<string> {
  if (process.stdin.isTTY) return promptHidden('Recovery phrase (words separated by spaces): ');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > 64 * 1024) throw new WalletError('bad-mnemonic', 'the recovery phrase on stdin is too long');
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Read one line from the terminal in raw mode, echoing nothing. Ctrl-C aborts. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = stdin.isRaw;
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new WalletError('no-passphrase', 'cancelled'));
        if (ch === '\u0004') return done(value === '' ? new WalletError('no-passphrase', 'cancelled') : undefined);
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
