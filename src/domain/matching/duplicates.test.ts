import { describe, expect, it } from 'vitest';
import { DuplicateDetector } from './duplicates';
import { line } from './fixtures.test-helpers';

describe('duplicates', () => {
  it('same bank reference as a prior line', () => {
    const prior = line({ amountMinor: 100n, bankReference: 'FT123' });
    const d = new DuplicateDetector([prior]);
    expect(d.check(line({ amountMinor: 100n, bankReference: 'ft 123' }))).toEqual({ of: prior.id, how: 'reference' });
  });
  it('same amount, date, payer and text without the reference', () => {
    const a = line({ amountMinor: 500n, payerName: '上海华信贸易有限公司', remittance: '货款', bankReference: 'A1' });
    const d = new DuplicateDetector();
    expect(d.check(a)).toBeNull();
    d.add(a);
    const b = { ...a, id: 'copy', bankReference: null };
    expect(d.check(b)).toEqual({ of: a.id, how: 'fingerprint' });
    expect(d.check({ ...b, amountMinor: 501n })).toBeNull();
  });
});
