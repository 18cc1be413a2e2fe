import { describe, expect, it } from 'vitest';
import { Matcher, matchLines, namesOtherDocument } from './engine';
import { ITEMS, line, PARTIES } from './fixtures.test-helpers';
import { MatchMemory } from './memory';

const m = () => new Matcher(ITEMS, PARTIES, new MatchMemory());
const top = (l: Parameters<Matcher['matchLine']>[0]) => m().matchLine(l)[0]!;
const HX_ACCT = '6222021001112222333';

describe('engine rules', () => {
  it('account + reference + amount: auto with reasons in zh and en', () => {
    const p = top(line({ amountMinor: 1_000_000n, payerAccount: HX_ACCT, remittance: '货款 INV25-000123' }));
    expect(p).toMatchObject({ kind: 'reference', partyId: 'HX', auto: true, onAccountMinor: 0n });
    expect(p.allocations).toEqual([{ installmentId: ITEMS[0]!.installmentId, amountMinor: 1_000_000n }]);
    expect(p.reasons.map((r) => r.zh).join('; ')).toBe('付款方账号已知 → 华信贸易; 附言含发票号 INV25-000123; 金额一致');
    expect(p.reasons.map((r) => r.en).join('; ')).toBe('payer account known → 华信贸易; remittance names INV25-000123; amount matches');
  });
  it('amount equal to one open item of the payer', () => {
    expect(top(line({ amountMinor: 333_300n, payerName: '华信贸易（上海）有限公司' }))).toMatchObject({ kind: 'exact', partyId: 'HX', auto: true });
  });
  it('combination of open items', () => {
    const p = top(line({ amountMinor: 250_000n + 333_300n, payerAccount: HX_ACCT }));
    expect(p.kind).toBe('combination');
    expect(p.allocations.map((a) => a.amountMinor).sort()).toEqual([250_000n, 333_300n].sort());
  });
  it('short by a bank fee', () => {
    const p = top(line({ amountMinor: 250_000n - 2_000n, payerAccount: HX_ACCT }));
    expect(p).toMatchObject({ kind: 'fee_short', adjustment: { kind: 'bank_fee', amountMinor: 2_000n } });
  });
  it('short by an agreed discount', () => {
    const p = top(line({ amountMinor: 980_000n, payerAccount: HX_ACCT, remittance: 'INV25-000123' }));
    expect(p).toMatchObject({ kind: 'fee_short', adjustment: { kind: 'discount', amountMinor: 20_000n } });
  });
  it('partial payment of a named invoice, and oldest first without text', () => {
    const named = top(line({ amountMinor: 100_000n, payerAccount: HX_ACCT, remittance: 'INV25-000125 部分付款' }));
    expect(named).toMatchObject({ kind: 'partial', allocations: [{ installmentId: ITEMS[2]!.installmentId, amountMinor: 100_000n }] });
    const plain = top(line({ amountMinor: 123_456n, payerAccount: HX_ACCT }));
    expect(plain).toMatchObject({ kind: 'partial', allocations: [{ installmentId: ITEMS[0]!.installmentId, amountMinor: 123_456n }] });
  });
  it('overpayment keeps the rest on account', () => {
    const p = top(line({ amountMinor: 1_050_000n, payerAccount: HX_ACCT, remittance: 'INV25-000123' }));
    expect(p).toMatchObject({ kind: 'overpayment', onAccountMinor: 50_000n, auto: true });
  });
  it('a head office paying a subsidiary invoice (no advice): prefix of due items', () => {
    const p = top(line({ amountMinor: 1_000_000n + 250_000n + 480_000n, payerAccount: '3100 1234 567890' }));
    expect(p).toMatchObject({ partyId: 'GRP', kind: 'combination' });
    expect(p.allocations).toHaveLength(3);
  });
  it('reference without a known payer identifies the customer', () => {
    const p = top(line({ amountMinor: 777_700n, payerName: '某某有限公司', remittance: 'INV24-000123' }));
    expect(p).toMatchObject({ partyId: 'RF', kind: 'reference' });
  });
  it('contract number', () => {
    const p = top(line({ amountMinor: 120_000n, payerName: '杭州瑞丰科技股份有限公司', remittance: '合同 HT-2025-0007' }));
    expect(p).toMatchObject({ partyId: 'RF', allocations: [{ installmentId: ITEMS[5]!.installmentId, amountMinor: 120_000n }] });
  });
  it('strangers are never applied', () => {
    for (const l of [
      line({ amountMinor: 1_000_000n, payerName: '中国工商银行上海分行', remittance: '利息' }),
      line({ amountMinor: 1_000_000n, payerName: '国家税务总局上海市税务局', remittance: '出口退税' }),
      line({ amountMinor: 12_345n, payerName: '王芳', remittance: '转账' }),
    ]) {
      const ps = m().matchLine(l);
      expect(ps[0]!.kind).toBe('stranger');
      expect(ps[0]!.auto).toBe(false);
    }
  });
  it('unknown payer, nothing matching: unidentified', () => {
    expect(top(line({ amountMinor: 42n, payerName: '深圳宇航物流有限公司', remittance: '往来款' })).kind).toBe('unidentified');
  });
  it('duplicates in a run and of prior lines', () => {
    const a = line({ amountMinor: 250_000n, payerAccount: HX_ACCT, bankReference: 'FT1' });
    const b = { ...a, id: 'dup' };
    const prior = line({ amountMinor: 9n, bankReference: 'OLD' });
    const res = matchLines([a, b, { ...prior, id: 'again' }], ITEMS, PARTIES, new MatchMemory(), {}, { priorLines: [prior] });
    expect(res.get(a.id)![0]!.kind).not.toBe('duplicate');
    expect(res.get('dup')![0]!.kind).toBe('duplicate');
    expect(res.get('again')![0]!.kind).toBe('duplicate');
  });
  it('an auto-applied line reserves its items for the rest of the run', () => {
    const a = line({ amountMinor: 250_000n, payerAccount: HX_ACCT, remittance: 'INV25-000124' });
    const b = line({ amountMinor: 250_000n, payerAccount: HX_ACCT, remittance: 'INV25-000124' });
    const res = matchLines([a, b], ITEMS, PARTIES, new MatchMemory());
    expect(res.get(a.id)![0]!.auto).toBe(true);
    expect(res.get(b.id)![0]!.allocations.some((x) => x.installmentId === ITEMS[1]!.installmentId)).toBe(false);
  });
  it('currency must match', () => {
    const p = top(line({ amountMinor: 500_000n, currency: 'CNY', payerName: 'Northwind Components Ltd' }));
    expect(p.allocations).toEqual([]);
  });
});

describe('text that names some other document', () => {
  it('recognises document ids but not end-to-end ids, plain words or amounts', () => {
    expect(namesOtherDocument('Order TQDRAK2476 payment')).toBe(true);
    expect(namesOtherDocument('Transfer ref FRHUHU2773 | E2E E2ECPBLCFGH92909762')).toBe(true);
    expect(namesOtherDocument('货款 | E2E E2ECPBLCFGH92909762')).toBe(false);
    expect(namesOtherDocument('NOTPROVIDED')).toBe(false);
    expect(namesOtherDocument('货款 12345.00')).toBe(false);
    expect(namesOtherDocument(null)).toBe(false);
    // A number the ledger knows is not "some other document".
    expect(namesOtherDocument('货款 INV-W1', (t) => t === 'INV-W1')).toBe(false);
  });

  it('holds back an amount-only guess when the text names a document we do not know (seen in a real camt.053)', () => {
    const plain = top(line({ amountMinor: 123_456n, payerAccount: HX_ACCT }));
    expect(plain.auto).toBe(true);
    const other = top(line({ amountMinor: 123_456n, payerAccount: HX_ACCT, remittance: 'Order TQDRAK2476 payment' }));
    expect(other).toMatchObject({ kind: 'partial', auto: false });
    const exact = top(line({ amountMinor: 333_300n, payerAccount: HX_ACCT, remittance: 'Settlement DCZXXI1034' }));
    expect(exact.auto).toBe(false);
  });
});
