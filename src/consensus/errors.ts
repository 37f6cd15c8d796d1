/**
 * The one reject-code vocabulary of powchain. Every consensus or policy failure anywhere
 * (block and transaction rules, the chain, the mempool, gossip, RPC) is reported with one of
 * these codes. The strings are Bitcoin Core's reject reasons wherever one exists, so operators
 * and tools recognise them; the rest follow the same style.
 *
 * Tests assert on `.code`, never on message text.
 */
export const RejectCode = {
  // header and proof of work
  HighHash: 'high-hash',
  BadDiffBits: 'bad-diffbits',
  TimeTooOld: 'time-too-old',
  TimeTooNew: 'time-too-new',
  // block structure
  BadBlockLength: 'bad-blk-length',
  BadMerkleRoot: 'bad-txnmrklroot',
  DuplicateTx: 'bad-txns-duplicate',
  CoinbaseMissing: 'bad-cb-missing',
  CoinbaseMultiple: 'bad-cb-multiple',
  CoinbaseHeight: 'bad-cb-height',
  CoinbaseAmount: 'bad-cb-amount',
  CoinbaseLength: 'bad-cb-length',
  PrevBlockInvalid: 'bad-prevblk',
  /** Marked invalid by the operator (invalidateblock), not by a rule. */
  Invalidated: 'invalidated',
  // transaction structure
  VinEmpty: 'bad-txns-vin-empty',
  VoutEmpty: 'bad-txns-vout-empty',
  VoutTooLarge: 'bad-txns-vout-toolarge',
  TxOutTotalTooLarge: 'bad-txns-txouttotal-toolarge',
  InputsDuplicate: 'bad-txns-inputs-duplicate',
  PrevoutNull: 'bad-txns-prevout-null',
  TxOversize: 'bad-txns-oversize',
  UnlockLength: 'bad-txns-unlock-length',
  NonCanonicalSignature: 'non-canonical-signature',
  // transaction against the coins it spends
  InputsMissingOrSpent: 'bad-txns-inputs-missingorspent',
  PrematureCoinbaseSpend: 'bad-txns-premature-spend-of-coinbase',
  InBelowOut: 'bad-txns-in-belowout',
  InputValuesOutOfRange: 'bad-txns-inputvalues-outofrange',
  PubKeyMismatch: 'bad-txns-pubkey-mismatch',
  BadSignature: 'bad-signature',
  // mempool policy
  MempoolConflict: 'txn-mempool-conflict',
  AlreadyInMempool: 'txn-already-in-mempool',
  AlreadyKnown: 'txn-already-known',
  MinRelayFeeNotMet: 'min-relay-fee-not-met',
  MempoolFull: 'mempool-full',
  TxCoinbase: 'coinbase',
  TooLongMempoolChain: 'too-long-mempool-chain',
  // encoding
  Undecodable: 'undecodable',
} as const;

export type RejectCode = (typeof RejectCode)[keyof typeof RejectCode];

/** The codes that say nothing against the block itself: it may become valid later. */
export const TEMPORARY_REJECTS: ReadonlySet<RejectCode> = new Set([RejectCode.TimeTooNew]);

/** A rule's verdict: pure functions return this rather than throwing. */
export type RuleResult = { ok: true } | { ok: false; code: RejectCode; reason: string };

export const OK: RuleResult = Object.freeze({ ok: true });

export function reject(code: RejectCode, reason: string): RuleResult {
  return { ok: false, code, reason };
}

/**
 * A consensus or policy violation, thrown where a failure must unwind (the chain's connect path,
 * the mempool). Only a RuleError ever costs a peer its score: I/O failures and internal bugs are
 * other error classes.
 */
export class RuleError extends Error {
  override readonly name = 'RuleError';
  constructor(
    readonly code: RejectCode,
    readonly reason: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(`${code}: ${reason}`);
  }

  static from(result: RuleResult & { ok: false }): RuleError {
    return new RuleError(result.code, result.reason);
  }
}

/** Throw the failure of a RuleResult; return normally when it holds. */
export function assertRule(result: RuleResult): void {
  if (!result.ok) throw RuleError.from(result);
}
