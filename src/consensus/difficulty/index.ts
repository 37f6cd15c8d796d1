export { asertNextBits, type AsertParams } from './asert.js';
export { retargetNextBits, type RetargetParams } from './retarget.js';
