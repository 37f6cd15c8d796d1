/**
 * consensus/difficulty: the two retargeting rules a network's parameters can name, as pure
 * functions of the ancestors they need: ASERT (per block, against an anchor) and the classic
 * retarget (every interval). The `fixed` rule needs no code.
 *
 * Part of consensus: may import what it may (crypto, encoding), no I/O and no clock.
 */
export { asertNextBits, type AsertParams } from './asert.js';
export { retargetNextBits, type RetargetParams } from './retarget.js';
