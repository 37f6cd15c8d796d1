export { checkTransaction, splitUnlock, SPEND_UNLOCK_BYTES } from './tx.js';
export { checkBlock, checkHeaderPow } from './block.js';
export {
  checkHeaderContext,
  checkCoinbaseHeight,
  checkTxInputs,
  checkCoinbaseAmount,
  signatureItems,
  medianTimePast,
  MEDIAN_TIME_SPAN,
  type HeaderContext,
  type InputsResult,
  type SignatureItem,
} from './contextual.js';
