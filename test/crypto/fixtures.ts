import { readFileSync } from 'node:fs';

/** Test vectors, read from test/fixtures (verbatim copies of the shared vector files). */

export interface EcdsaVector {
  d: string;
  m: string;
  description?: string;
  mIsSha256OfDescription?: boolean;
  r: string;
  s: string;
  signatureCompact: string;
  sWasHighBeforeNormalization: boolean;
  derived: { pubkeyCompressed: string; k: string; der: string };
}

export interface NonceVector {
  message: string;
  h1: string;
  d: string;
  k0: string;
  k1: string;
  k15: string;
}

export interface InvalidSignVector {
  description: string;
  d: string;
  m: string;
}

export interface InvalidVerifyVector {
  description: string;
  Q: string;
  m: string;
  signatureCompact: string;
  expectValid?: boolean;
  validIfHighSAllowed?: boolean;
  validUnderLowSRule?: boolean;
  normalizedS?: string;
}

export interface Secp256k1Fixture {
  source: unknown[];
  curve: { p: string; n: string; Gx: string; Gy: string; halfN: string };
  ecdsaRfc6979: EcdsaVector[];
  rfc6979Nonces: NonceVector[];
  ecdsaInvalidSign: InvalidSignVector[];
  ecdsaInvalidVerify: InvalidVerifyVector[];
}

export interface Sha256Fixture {
  source: unknown[];
  sha256: {
    inputHex?: string;
    inputAscii?: string;
    generator?: string;
    length: number;
    first16Hex?: string;
    sha256: string;
  }[];
  hmacSha256: { name: string; keyHex: string; dataHex: string; hmacSha256: string }[];
  sha256d: { inputHex: string; inputAscii?: string; sha256: string; sha256d: string; sha256dReversed?: string }[];
}

function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export const secp256k1Vectors = readFixture<Secp256k1Fixture>('secp256k1.json');
export const sha256Vectors = readFixture<Sha256Fixture>('sha256.json');
