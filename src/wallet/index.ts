export { WalletError, type WalletErrorCode } from './errors.js';
export { parseAmount, parseFeeRate, formatCoins, MAX_FEE_RATE } from './amount.js';
export { newMnemonic, checkMnemonic, normalizeMnemonic, mnemonicToSeed, NEW_MNEMONIC_WORDS } from './mnemonic.js';
export { WalletKeys, accountPath, COIN_TYPES, PURPOSE, RECEIVE, CHANGE, type Branch, type DerivedKey } from './keys.js';
export {
  Keystore,
  readHeader,
  DEFAULT_SCRYPT,
  MIN_SCRYPT_LOG_N,
  MAX_SCRYPT_LOG_N,
  type ScryptParams,
  type WalletState,
  type SentRecord,
} from './keystore.js';
export { writeFileAtomic, lockFile } from './file.js';
export { selectCoins, feeFor, DUST, type Candidate, type Selection } from './coin-select.js';
export {
  buildTransaction,
  signTransaction,
  signedTxSize,
  type CoinToSpend,
  type PaymentOutput,
  type BuildTransactionOptions,
  type UnsignedTransaction,
  type SigningKeys,
} from './builder.js';
export {
  Wallet,
  checkAddress,
  GAP_LIMIT,
  LOCK_SECONDS,
  FEE_TARGET_BLOCKS,
  type Balance,
  type HistoryEntry,
  type SendResult,
} from './wallet.js';
export { getPassphrase, readMnemonicInput, PASSPHRASE_ENV } from './prompt.js';
