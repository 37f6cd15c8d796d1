import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { isNetworkName } from '../consensus/params/networks.js';
import type { NetworkName } from '../consensus/params/types.js';
import { bytesToHex, hexToBytes } from '../encoding/hex.js';
import { WalletError } from './errors.js';
import { writeFileAtomic } from './file.js';

/**
 * The wallet file: a small JSON header in the clear (what is needed to derive the key and to
 * refuse the wrong network early) and everything else encrypted.
 *
 *   { "format": "powchain-wallet", "version": 1, "network": "regtest",
 *     "kdf": { "name": "scrypt", "n": 131072, "r": 8, "p": 1, "salt": <32 bytes hex> },
 *     "cipher": { "name": "aes-256-gcm", "nonce": <12 bytes hex> },
 *     "check": <32 bytes hex>, "ciphertext": <base64> }
 *
 * scrypt(passphrase, salt) gives 64 bytes: the AES-256-GCM key, and a second half whose SHA-256
 * is `check`. A different check means a wrong passphrase; a matching check and a failed GCM tag
 * mean the file was altered. The header fields are the GCM associated data, so editing the
 * network or the KDF parameters fails authentication too. Every save uses a fresh nonce.
 */

export const WALLET_FORMAT = 'powchain-wallet';
export const WALLET_VERSION = 1;

export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  n: number;
  r: number;
  p: number;
}

/** 2^17 (128 MiB, about a second): the file is only as strong as passphrase + KDF. */
export const DEFAULT_SCRYPT: ScryptParams = { n: 2 ** 17, r: 8, p: 1 };
/** Bounds a wallet file may carry, so an edited file cannot make us allocate gigabytes. */
export const MIN_SCRYPT_LOG_N = 12;
export const MAX_SCRYPT_LOG_N = 20;

/** A transaction this wallet sent: for history, and to never spend its inputs twice. */
export interface SentRecord {
  txid: string;
  time: number;
  to: string;
  /** Base units, decimal string. */
  amount: string;
  fee: string;
  /** Outpoints it spends ("<txid>:<index>", display hex), kept while the lock lasts. */
  spends: string[];
}

/** The encrypted payload. */
export interface WalletState {
  /** BIP39 seed, hex. */
  seed: string;
  /** Next receive / change index to hand out. */
  receive: number;
  change: number;
  sent: SentRecord[];
  created: number;
}

interface Header {
  format: string;
  version: number;
  network: NetworkName;
  kdf: { name: 'scrypt'; n: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; nonce: string };
  check: string;
  ciphertext: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isHex = (v: unknown, bytes: number): v is string =>
  typeof v === 'string' && v.length === bytes * 2 && /^[0-9a-f]*$/.test(v);
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 31;

function corrupt(path: string, why: string): WalletError {
  return new WalletError('tampered', `wallet file ${path} is corrupt or has been tampered with (${why})`);
}

function checkScrypt(n: unknown, r: unknown, p: unknown): string | undefined {
  if (
    typeof n !== 'number' ||
    !Number.isInteger(n) ||
    n < 2 ** MIN_SCRYPT_LOG_N ||
    n > 2 ** MAX_SCRYPT_LOG_N ||
    (n & (n - 1)) !== 0
  ) {
    return `scrypt n must be a power of two from 2^${MIN_SCRYPT_LOG_N} to 2^${MAX_SCRYPT_LOG_N}`;
  }
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > 32) return 'scrypt r must be 1..32';
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 16) return 'scrypt p must be 1..16';
  if (128 * r * (n + p) > 1024 ** 3) return 'scrypt parameters need more than 1 GiB';
  return undefined;
}

/** The header of a wallet file, validated, without the passphrase. */
export function readHeader(path: string): Header {
  if (!existsSync(path)) {
    throw new WalletError(
      'no-wallet',
      `no wallet at ${path}: create one with 'powchain wallet create' or pass --wallet <file>`,
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WalletError(
      'io',
      `cannot read wallet file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  let h: unknown;
  try {
    h = JSON.parse(text);
  } catch {
    throw corrupt(path, 'not valid JSON');
  }
  if (!isObj(h) || h.format !== WALLET_FORMAT) throw corrupt(path, 'not a powchain wallet file');
  if (h.version !== WALLET_VERSION) throw corrupt(path, `unsupported version ${String(h.version)}`);
  if (typeof h.network !== 'string' || !isNetworkName(h.network)) throw corrupt(path, 'unknown network');
  const { kdf, cipher } = h;
  if (!isObj(kdf) || kdf.name !== 'scrypt' || !isHex(kdf.salt, 32))
    throw corrupt(path, 'bad key derivation parameters');
  const bad = checkScrypt(kdf.n, kdf.r, kdf.p);
  if (bad) throw corrupt(path, bad);
  if (!isObj(cipher) || cipher.name !== 'aes-256-gcm' || !isHex(cipher.nonce, 12))
    throw corrupt(path, 'bad cipher parameters');
  if (!isHex(h.check, 32)) throw corrupt(path, 'bad passphrase check');
  if (
    typeof h.ciphertext !== 'string' ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(h.ciphertext) ||
    h.ciphertext.length > 16 * 1024 * 1024
  ) {
    throw corrupt(path, 'bad ciphertext');
  }
  return h as unknown as Header;
}

function aad(h: Pick<Header, 'format' | 'version' | 'network' | 'kdf' | 'cipher'>): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify([h.format, h.version, h.network, h.kdf.name, h.kdf.n, h.kdf.r, h.kdf.p, h.kdf.salt, h.cipher.name]),
  );
}

function deriveKeys(passphrase: string, salt: string, s: ScryptParams): { key: Uint8Array; check: string } {
  const dk = scrypt(new TextEncoder().encode(passphrase.normalize('NFKC')), hexToBytes(salt), {
    N: s.n,
    r: s.r,
    p: s.p,
    dkLen: 64,
    maxmem: 2 * 1024 ** 3,
  });
  return { key: dk.slice(0, 32), check: bytesToHex(sha256(dk.subarray(32))) };
}

function parseState(path: string, json: string): WalletState {
  let s: unknown;
  try {
    s = JSON.parse(json);
  } catch {
    throw corrupt(path, 'decrypted contents are not JSON');
  }
  if (
    !isObj(s) ||
    !isHex(s.seed, 64) ||
    !isIndex(s.receive) ||
    !isIndex(s.change) ||
    !Array.isArray(s.sent) ||
    typeof s.created !== 'number'
  ) {
    throw corrupt(path, 'decrypted contents are not a wallet');
  }
  return s as unknown as WalletState;
}

/** An open (decrypted) wallet file. Change `state`, then save(). */
export class Keystore {
  private constructor(
    readonly path: string,
    readonly network: NetworkName,
    public state: WalletState,
    private readonly header: Omit<Header, 'cipher' | 'ciphertext'>,
    private readonly key: Uint8Array,
  ) {}

  /** Write a new wallet file; refuses to overwrite one. */
  static create(
    path: string,
    network: NetworkName,
    seed: Uint8Array,
    passphrase: string,
    scryptParams: ScryptParams = DEFAULT_SCRYPT,
    now = Math.floor(Date.now() / 1000),
  ): Keystore {
    if (existsSync(path))
      throw new WalletError(
        'wallet-exists',
        `a wallet already exists at ${path}; refusing to overwrite it (choose another file with --wallet)`,
      );
    if (passphrase.length === 0) throw new WalletError('no-passphrase', 'the passphrase must not be empty');
    const bad = checkScrypt(scryptParams.n, scryptParams.r, scryptParams.p);
    if (bad) throw new WalletError('io', bad);
    const salt = randomBytes(32).toString('hex');
    const { key, check } = deriveKeys(passphrase, salt, scryptParams);
    const header = {
      format: WALLET_FORMAT,
      version: WALLET_VERSION,
      network,
      kdf: { name: 'scrypt' as const, ...scryptParams, salt },
      check,
    };
    const ks = new Keystore(
      path,
      network,
      { seed: bytesToHex(seed), receive: 0, change: 0, sent: [], created: now },
      header,
      key,
    );
    ks.save();
    return ks;
  }

  /** Decrypt a wallet file: WalletError 'bad-passphrase', 'tampered', 'no-wallet' or 'io'. */
  static open(path: string, passphrase: string): Keystore {
    const h = readHeader(path);
    const { key, check } = deriveKeys(passphrase, h.kdf.salt, h.kdf);
    if (check !== h.check) throw new WalletError('bad-passphrase', `wrong passphrase for wallet ${path}`);
    let plain: Uint8Array;
    try {
      plain = gcm(key, hexToBytes(h.cipher.nonce), aad(h)).decrypt(Buffer.from(h.ciphertext, 'base64'));
    } catch {
      throw new WalletError(
        'tampered',
        `wallet file ${path} has been tampered with or is corrupt: its contents do not authenticate`,
      );
    }
    const state = parseState(path, new TextDecoder().decode(plain));
    const { format, version, network, kdf } = h;
    return new Keystore(path, network, state, { format, version, network, kdf, check: h.check }, key);
  }

  get seed(): Uint8Array {
    return hexToBytes(this.state.seed);
  }

  get kdf(): ScryptParams {
    const { n, r, p } = this.header.kdf;
    return { n, r, p };
  }

  /** Re-encrypt the state under a fresh nonce and replace the file atomically. */
  save(): void {
    const cipher = { name: 'aes-256-gcm' as const, nonce: randomBytes(12).toString('hex') };
    const full = { ...this.header, cipher };
    const ct = gcm(this.key, hexToBytes(cipher.nonce), aad(full)).encrypt(
      new TextEncoder().encode(JSON.stringify(this.state)),
    );
    const file: Header = { ...full, ciphertext: Buffer.from(ct).toString('base64') };
    writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }
}
