import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Keystore, readHeader, DEFAULT_SCRYPT } from '../../src/wallet/keystore.js';
import { lockFile, writeFileAtomic } from '../../src/wallet/file.js';
import { WalletError } from '../../src/wallet/errors.js';

/** Cheap scrypt for everything but the one test of the defaults. */
const FAST = { n: 2 ** 12, r: 8, p: 1 };
const SEED = Uint8Array.from({ length: 64 }, (_, i) => i);

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'powchain-keystore-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WalletError);
    return (err as WalletError).code;
  }
  throw new Error('expected a WalletError');
}

function edit(path: string, f: (j: Record<string, unknown>) => void): void {
  const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  f(j);
  writeFileSync(path, JSON.stringify(j));
}

test('round trip with the default scrypt parameters: seed and state come back', () => {
  const path = join(dir, 'w.json');
  const ks = Keystore.create(path, 'regtest', SEED, 'correct horse');
  expect(ks.kdf).toEqual(DEFAULT_SCRYPT);
  ks.state.receive = 3;
  ks.save();
  const back = Keystore.open(path, 'correct horse');
  expect(back.seed).toEqual(SEED);
  expect(back.network).toBe('regtest');
  expect(back.state.receive).toBe(3);
  const text = readFileSync(path, 'utf8');
  // Nothing secret in the clear: not the seed, not an index.
  expect(text).not.toContain(Buffer.from(SEED).toString('hex'));
  expect(text).not.toContain('"receive"');
  expect(readHeader(path).kdf.n).toBe(2 ** 17);
});

test('the file is mode 0600, written atomically (no temp file left), and never overwritten by create', () => {
  const path = join(dir, 'sub', 'w.json');
  const ks = Keystore.create(path, 'testnet', SEED, 'pw', FAST);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  ks.save();
  ks.save();
  expect(readdirSync(join(dir, 'sub'))).toEqual(['w.json']);
  expect(code(() => Keystore.create(path, 'testnet', SEED, 'pw', FAST))).toBe('wallet-exists');
  expect(code(() => Keystore.create(join(dir, 'x.json'), 'testnet', SEED, '', FAST))).toBe('no-passphrase');
});

test('every save uses a fresh nonce, and the old passphrase still opens the file', () => {
  const path = join(dir, 'w.json');
  const ks = Keystore.create(path, 'main', SEED, 'pw', FAST);
  const first = readHeader(path).cipher.nonce;
  ks.save();
  expect(readHeader(path).cipher.nonce).not.toBe(first);
  expect(Keystore.open(path, 'pw').seed).toEqual(SEED);
});

test('a wrong passphrase is a WalletError, not a stack trace', () => {
  const path = join(dir, 'w.json');
  Keystore.create(path, 'regtest', SEED, 'right', FAST);
  expect(code(() => Keystore.open(path, 'wrong'))).toBe('bad-passphrase');
  expect(() => Keystore.open(path, 'wrong')).toThrow(`wrong passphrase for wallet ${path}`);
});

test('a tampered file is detected: ciphertext, network (authenticated), nonce, truncation, junk', () => {
  const path = join(dir, 'w.json');
  Keystore.create(path, 'regtest', SEED, 'pw', FAST);
  const pristine = readFileSync(path, 'utf8');
  const restore = () => writeFileSync(path, pristine);

  edit(path, (j) => {
    const ct = Buffer.from(j.ciphertext as string, 'base64');
    ct[5]! ^= 1;
    j.ciphertext = ct.toString('base64');
  });
  expect(code(() => Keystore.open(path, 'pw'))).toBe('tampered');
  restore();
  edit(path, (j) => {
    j.network = 'main';
  });
  expect(code(() => Keystore.open(path, 'pw'))).toBe('tampered');
  restore();
  edit(path, (j) => {
    (j.cipher as { nonce: string }).nonce = '00'.repeat(12);
  });
  expect(code(() => Keystore.open(path, 'pw'))).toBe('tampered');
  restore();
  edit(path, (j) => {
    (j.kdf as { n: number }).n = 2 ** 30; // would need 128 GiB: refused before any work
  });
  expect(code(() => Keystore.open(path, 'pw'))).toBe('tampered');
  restore();
  writeFileSync(path, pristine.slice(0, pristine.length / 2));
  expect(code(() => Keystore.open(path, 'pw'))).toBe('tampered');
  writeFileSync(path, '{"format":"something else"}');
  expect(() => Keystore.open(path, 'pw')).toThrow(/corrupt or has been tampered with \(not a powchain wallet file\)/);
  restore();
  expect(Keystore.open(path, 'pw').seed).toEqual(SEED);
});

test('a missing file says how to create one', () => {
  expect(code(() => Keystore.open(join(dir, 'none.json'), 'pw'))).toBe('no-wallet');
});

test('writeFileAtomic replaces the whole file', () => {
  const path = join(dir, 'f');
  writeFileAtomic(path, 'one');
  writeFileAtomic(path, 'two');
  expect(readFileSync(path, 'utf8')).toBe('two');
  expect(readdirSync(dir)).toEqual(['f']);
});

test('the wallet lock: exclusive while held, released, taken over from a dead process', () => {
  const path = join(dir, 'w.json');
  const release = lockFile(path);
  expect(existsSync(`${path}.lock`)).toBe(true);
  // A lock naming another live process (here jest's parent) is respected.
  writeFileSync(`${path}.lock`, `${process.ppid}\n`);
  expect(code(() => lockFile(path))).toBe('wallet-locked');
  release();
  expect(existsSync(`${path}.lock`)).toBe(false);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(`${path}.lock`, `${dead.stdout}\n`);
  const again = lockFile(path);
  expect(readFileSync(`${path}.lock`, 'utf8').trim()).toBe(String(process.pid));
  again();
});
