/**
 * consensus/rules: every consensus rule as a pure function returning a RuleResult with a
 * RejectCode. Context-free checks of a transaction and a block (tx.ts, block.ts), and the
 * contextual ones: a header against its parent, inputs against the coins they spend, the
 * coinbase's height and amount, the signature items a block's verifier checks (contextual.ts).
 *
 * Part of consensus: may import what it may (crypto, encoding), no I/O and no clock: time, coins
 * and ancestors are parameters.
 */
export { checkTransaction, splitUnlock, SPEND_UNLOCK_BYTES } from './tx.js';
export { checkBlock, checkHeaderPow } from './block.js';
export {
  checkHeaderContext,
  headerContextAfter,
  checkCoinbaseHeight,
  checkTxInputs,
  checkCoinbaseAmount,
  signatureItems,
  medianTimePast,
  MEDIAN_TIME_SPAN,
  type HeaderContext,
  type ChainBlock,
  type InputsResult,
  type SignatureItem,
} from './contextual.js';
