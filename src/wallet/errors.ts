/**
 * Everything the wallet refuses, as one typed error with a stable code and a one-line message
 * the CLI prints as it stands (no stack trace, no partial action: a WalletError is thrown before
 * anything is written or sent).
 */
export type WalletErrorCode =
  | 'bad-amount' // not a positive decimal with at most 8 decimals, or above MAX_MONEY
  | 'bad-fee-rate' // a --fee-rate that is not a positive decimal, or absurdly high
  | 'bad-address' // checksum, network, format: AddressError's reason follows
  | 'bad-mnemonic' // word count, unknown word, BIP39 checksum
  | 'bad-passphrase' // wrong passphrase for the keystore
  | 'no-passphrase' // none given and no terminal to ask on
  | 'tampered' // the keystore does not authenticate: edited, truncated or corrupt
  | 'no-wallet' // the wallet file does not exist
  | 'wallet-exists' // create/restore would overwrite a wallet
  | 'wallet-locked' // another powchain process holds the wallet
  | 'wrong-network' // the wallet, the node or an address belong to another network
  | 'insufficient-funds'
  | 'bad-transaction' // buildTransaction/signTransaction given inconsistent inputs
  | 'wrong-key' // signTransaction: a key does not own the coin it signs for
  | 'node-error' // the node refused or failed a request
  | 'bad-proof' // a merkle proof, or the header chain it is checked against, does not hold
  | 'io'; // the wallet file cannot be read or written

export class WalletError extends Error {
  override readonly name = 'WalletError';
  constructor(
    readonly code: WalletErrorCode,
    message: string,
  ) {
    super(message);
  }
}
