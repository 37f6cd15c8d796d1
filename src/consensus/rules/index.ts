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
