import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { WalletError } from './errors.js';

/**
 * BIP39 recovery phrases with the English word list. New wallets get 24 words (256 bits of
 * entropy); restore accepts every BIP39 length. The seed is BIP39's PBKDF2 of the phrase with
 * an empty BIP39 passphrase: the keystore passphrase only encrypts the file, so the words
 * alone restore the wallet anywhere.
 */

export const NEW_MNEMONIC_WORDS = 24;
const VALID_LENGTHS = [12, 15, 18, 21, 24];

export function newMnemonic(): string {
  return generateMnemonic(wordlist, (NEW_MNEMONIC_WORDS / 3) * 32);
}

/** NFKD, lower case, single spaces: how BIP39 wants a phrase before it is checked or hashed. */
export function normalizeMnemonic(text: string): string {
  return text.normalize('NFKD').toLowerCase().trim().split(/\s+/).filter(Boolean).join(' ');
}

/**
 * The normalized phrase when it is a valid BIP39 English mnemonic, else a WalletError('bad-mnemonic')
 * that says what is wrong: the word count, the first unknown word, or the checksum.
 */
export function checkMnemonic(text: string): string {
  const phrase = normalizeMnemonic(text);
  const words = phrase === '' ? [] : phrase.split(' ');
  if (!VALID_LENGTHS.includes(words.length)) {
    throw new WalletError(
      'bad-mnemonic',
      `a recovery phrase has 12, 15, 18, 21 or 24 words, this one has ${words.length}`,
    );
  }
  const unknown = words.findIndex((w) => !wordlist.includes(w));
  if (unknown >= 0) {
    throw new WalletError(
      'bad-mnemonic',
      `word ${unknown + 1} ('${words[unknown]}') is not in the BIP39 English word list`,
    );
  }
  if (!validateMnemonic(phrase, wordlist)) {
    throw new WalletError(
      'bad-mnemonic',
      'the recovery phrase checksum does not match: a word is wrong or two are swapped',
    );
  }
  return phrase;
}

/** The 64-byte BIP39 seed of a valid phrase (checked first). */
export function mnemonicToSeed(text: string): Uint8Array {
  return mnemonicToSeedSync(checkMnemonic(text), '');
}
