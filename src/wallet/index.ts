/**
 * wallet: BIP39/BIP32 keys, the encrypted keystore (scrypt, AES-256-GCM), coin selection,
 * transaction building and signing. It is a client: it asks a node for its coins over JSON-RPC
 * and submits with sendrawtransaction.
 *
 * May import: consensus, crypto, encoding, fsutil, rpc/client. Never chain, mempool, mining, net,
 * node, cli or testnet, nor the RPC server (dependency-cruiser: wallet-not-to-...,
 * wallet-rpc-client-only).
 */
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
