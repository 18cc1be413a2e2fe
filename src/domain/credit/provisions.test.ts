import { describe, expect, it } from 'vitest';
import {
  type AgeBand,
  bandIndex,
  computeProvision,
  DEFAULT_BANDS,
  divRoundHalfAway,
  type ProvisionItem,
  taxDeductionFlag,
  validateBands,
  voucherFor,
  wholeYears,
} from './provisions';

const item = (installmentId: string, partyId: string, issueDate: string, openMinor: bigint, currency = 'CNY'): ProvisionItem => ({
  installmentId,
  partyId,
  issueDate,
  openMinor,
  currency,
});

describe('provision arithmetic', () => {
  it('rounds half away from zero', () => {
    expect(divRoundHalfAway(15n, 10n)).toBe(2n);
    expect(divRoundHalfAway(14n, 10n)).toBe(1n);
    expect(divRoundHalfAway(-15n, 10n)).toBe(-2n);
    expect(divRoundHalfAway(-14n, 10n)).toBe(-1n);
    expect(divRoundHalfAway(25_007_500n, 10_000n)).toBe(2501n);
  });

  it('counts accounting age in whole years from the invoice date', () => {
    expect(wholeYears('2024-12-31', '2025-12-30')).toBe(0);
    expect(wholeYears('2024-12-31', '2025-12-31')).toBe(1);
    expect(wholeYears('2024-02-29', '2025-02-28')).toBe(0);
    expect(wholeYears('2024-02-29', '2025-03-01')).toBe(1);
    expect(bandIndex(DEFAULT_BANDS, '2025-12-31', '2025-12-31')).toBe(0);
    expect(bandIndex(DEFAULT_BANDS, '2015-01-01', '2025-12-31')).toBe(5);
  });

  it('validates band tables', () => {
    expect(validateBands(DEFAULT_BANDS)).toEqual([]);
    const bad: AgeBand[] = [
      { upToYears: 2, rateBp: 500, zh: 'a', en: 'a' },
      { upToYears: 1, rateBp: 10_001, zh: 'b', en: 'b' },
      { upToYears: 3, rateBp: 100, zh: 'c', en: 'c' },
    ];
    expect(validateBands(bad)).toEqual([
      'band 2: rate must be 0–10000 basis points',
      'band 2: upToYears must be a whole number above 2',
      'the last band must be open (upToYears null)',
    ]);
  });
});

describe('computeProvision (hand-computed)', () => {
  const asOf = '2025-12-31';
  const items = [
    item('a', 'P1', '2025-06-30', 100_001n), // 1年以内
    item('b', 'P1', '2025-01-01', 33_333n), // 1年以内: base 133,334 × 5% = 6,666.70 → 6,667
    item('c', 'P1', '2024-12-31', 12_345n), // 1–2年 (anniversary on the period end): 1,234.5 → 1,235
    item('d', 'P1', '2023-06-01', 100_000n), // 2–3年: 30,000
    item('e', 'P1', '2022-01-01', 7n), // 3–4年: 3.5 → 4
    item('f', 'P1', '2021-03-01', 1_000n), // 4–5年: 800
    item('g', 'P1', '2020-12-31', 50n), // 5年以上: 50
    item('h1', 'P2', '2025-12-01', 10_000n), // P2 individually at 25%: 10,003 × 25% = 2,500.75 → 2,501
    item('h2', 'P2', '2019-01-01', 3n),
    item('i', 'P3', '2025-12-01', 20_000n), // P3 individually: amount 7,777
    item('u', 'P1', '2025-11-01', 999n, 'USD'), // 49.95 → 50
    item('z', 'P1', '2025-11-01', 0n), // settled: ignored
  ];
  const result = computeProvision({
    asOf,
    items,
    overrides: [
      { partyId: 'P2', rateBp: 2500, reason: '诉讼中' },
      { partyId: 'P3', amountMinor: 7_777n, currency: 'CNY', reason: '抵押物估值后' },
    ],
    existing: { CNY: 40_000n, USD: 100n, EUR: 500n },
  });

  it('computes per band, per individual assessment and per currency', () => {
    expect(result.map((r) => r.currency)).toEqual(['CNY', 'EUR', 'USD']);
    const cny = result[0]!;
    expect(cny.bands.map((b) => [b.baseMinor, b.provisionMinor, b.count])).toEqual([
      [133_334n, 6_667n, 2],
      [12_345n, 1_235n, 1],
      [100_000n, 30_000n, 1],
      [7n, 4n, 1],
      [1_000n, 800n, 1],
      [50n, 50n, 1],
    ]);
    expect(cny.individual).toEqual([
      { partyId: 'P2', baseMinor: 10_003n, rateBp: 2500, provisionMinor: 2_501n, reason: '诉讼中' },
      { partyId: 'P3', baseMinor: 20_000n, rateBp: null, provisionMinor: 7_777n, reason: '抵押物估值后' },
    ]);
    expect(cny.receivableMinor).toBe(276_739n);
    expect(cny.requiredMinor).toBe(49_034n);
    expect(cny.existingMinor).toBe(40_000n);
    expect(cny.changeMinor).toBe(9_034n);
    expect(cny.voucher).toEqual([
      { account: '6702', accountZh: '信用减值损失', accountEn: 'Credit impairment losses', debitMinor: 9_034n, creditMinor: 0n },
      { account: '1231', accountZh: '坏账准备', accountEn: 'Allowance for bad debts', debitMinor: 0n, creditMinor: 9_034n },
    ]);
  });

  it('releases where the balance exceeds the requirement', () => {
    const usd = result[2]!;
    expect([usd.requiredMinor, usd.changeMinor]).toEqual([50n, -50n]);
    expect(usd.voucher.map((l) => [l.accountZh, l.debitMinor, l.creditMinor])).toEqual([
      ['坏账准备', 50n, 0n],
      ['信用减值损失', 0n, 50n],
    ]);
    const eur = result[1]!;
    expect([eur.requiredMinor, eur.changeMinor]).toEqual([0n, -500n]);
    expect(voucherFor(0n)).toEqual([]);
  });

  it('takes edited rates and refuses a customer assessed twice', () => {
    const bands = DEFAULT_BANDS.map((b, i) => (i === 0 ? { ...b, rateBp: 100 } : b));
    const [cny] = computeProvision({ asOf, items: items.slice(0, 2), bands });
    expect(cny!.requiredMinor).toBe(1_333n); // 133,334 × 1% = 1,333.34
    expect(() =>
      computeProvision({
        asOf,
        items,
        overrides: [
          { partyId: 'P2', rateBp: 100, reason: 'x' },
          { partyId: 'P2', amountMinor: 1n, currency: 'CNY', reason: 'y' },
        ],
      }),
    ).toThrow(/assessed twice/);
  });
});

describe('25号公告 flag', () => {
  it('flags a debtor status or more than three years overdue', () => {
    expect(taxDeductionFlag(10, 'bankrupt').mayQualify).toBe(true);
    expect(taxDeductionFlag(1096, 'none').mayQualify).toBe(true);
    expect(taxDeductionFlag(1095, 'none').mayQualify).toBe(false);
  });
});
