import { assertRule, OK, reject, RejectCode, RuleError, TEMPORARY_REJECTS } from '../../src/consensus/errors.js';

describe('reject codes', () => {
  test('every code is distinct (a code must name exactly one failure)', () => {
    const codes = Object.values(RejectCode);
    expect(new Set(codes).size).toBe(codes.length);
  });

  // The consensus codes the spec's rules map to; tests and peers match on these strings.
  test.each([
    'high-hash',
    'bad-diffbits',
    'time-too-old',
    'time-too-new',
    'bad-blk-length',
    'bad-txnmrklroot',
    'bad-txns-duplicate',
    'bad-cb-missing',
    'bad-cb-multiple',
    'bad-cb-height',
    'bad-cb-amount',
    'bad-cb-length',
    'bad-txns-vin-empty',
    'bad-txns-vout-empty',
    'bad-txns-vout-toolarge',
    'bad-txns-txouttotal-toolarge',
    'bad-txns-inputs-duplicate',
    'bad-txns-prevout-null',
    'bad-txns-oversize',
    'bad-txns-unlock-length',
    'non-canonical-signature',
    'bad-txns-inputs-missingorspent',
    'bad-txns-premature-spend-of-coinbase',
    'bad-txns-in-belowout',
    'bad-txns-inputvalues-outofrange',
    'bad-txns-pubkey-mismatch',
    'bad-signature',
  ])('%s is a RejectCode', (code) => {
    expect(Object.values(RejectCode)).toContain(code);
  });

  test('only time-too-new is temporary', () => {
    expect([...TEMPORARY_REJECTS]).toEqual([RejectCode.TimeTooNew]);
  });

  test('RuleResult helpers and RuleError carry the code', () => {
    expect(OK).toEqual({ ok: true });
    expect(Object.isFrozen(OK)).toBe(true);
    const r = reject(RejectCode.HighHash, 'why');
    expect(r).toEqual({ ok: false, code: 'high-hash', reason: 'why' });
    expect(() => assertRule(OK)).not.toThrow();
    try {
      assertRule(r);
      throw new Error('assertRule did not throw');
    } catch (err) {
      expect(err).toBeInstanceOf(RuleError);
      expect((err as RuleError).code).toBe('high-hash');
      expect((err as RuleError).reason).toBe('why');
    }
  });
});
