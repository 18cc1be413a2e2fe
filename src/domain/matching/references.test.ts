import { describe, expect, it } from 'vitest';
import { ITEMS, item } from './fixtures.test-helpers';
import { RefIndex, typoVariants } from './references';

const idx = new RefIndex(ITEMS);
const opts: { typoMinDigits: number; rangeMaxSpan: number; partyOk: ((inv: string) => boolean) | null } = {
  typoMinDigits: 6,
  rangeMaxSpan: 200,
  partyOk: null,
};
const nums = (text: string, o: Partial<typeof opts> = {}) =>
  idx.extract(text, { ...opts, ...o }).invoices.map((r) => `${r.invoiceNumber}:${r.how}`);

describe('invoice references in remittance text', () => {
  it('full, compact, lower-case and full-width forms', () => {
    expect(nums('货款 INV25-000124')).toEqual(['INV25-000124:full']);
    expect(nums('inv25000124')).toEqual(['INV25-000124:full']);
    expect(nums('ＩＮＶ２５－０００１２４')).toEqual(['INV25-000124:full']);
  });
  it('digits only and serial only (when unambiguous)', () => {
    expect(nums('付25000124')).toEqual(['INV25-000124:digits']);
    expect(nums('发票000124')).toEqual(['INV25-000124:serial']);
    // 000123 is INV24-000123 (RF) and INV25-000123 (HX): ambiguous without a payer …
    expect(nums('发票000123')).toEqual([]);
    // … resolved by the payer's invoices.
    expect(nums('发票000123', { partyOk: (inv) => inv.startsWith('INV25') })).toEqual(['INV25-000123:serial']);
  });
  it('several numbers with , / 、 and spaces, short tails continue the previous number', () => {
    expect(nums('INV25-000123,INV25-000124')).toEqual(['INV25-000123:full', 'INV25-000124:full']);
    expect(nums('INV25-000123/124、125')).toEqual(['INV25-000123:full', 'INV25-000124:list', 'INV25-000125:list']);
    expect(nums('INV25-000123 INV25000125')).toEqual(['INV25-000123:full', 'INV25-000125:full']);
  });
  it('ranges', () => {
    expect(nums('INV25-000123~000125').sort()).toEqual(['INV25-000123:full', 'INV25-000124:range', 'INV25-000125:range']);
    expect(nums('INV25-000123至125')).toHaveLength(3);
    expect(nums('INV25-000123 TO INV25-000125')).toHaveLength(3);
    expect(nums('发票INV25-000123-000125')).toHaveLength(3);
  });
  it('one digit mistyped or two transposed, only when unambiguous', () => {
    expect(nums('INV25-000300'.replace('300', '309'))).toEqual(['INV25-000300:typo']);
    expect(nums('INV25-000030'.replace('000030', '000003') + ' ')).toEqual([]);
    expect(nums('INV25-004000')).toEqual(['INV25-000400:transposition']);
    // INV25-000126 is one digit from 000123, 000124 and 000125: ambiguous → nothing.
    expect(nums('INV25-000126')).toEqual([]);
  });
  it('ignores amounts and dates', () => {
    expect(nums('2025-01-23 付款 250000.00')).toEqual([]);
  });
  it('contract and order numbers', () => {
    const i2 = new RefIndex([...ITEMS, item({ invoiceNumber: 'X1', partyId: 'RF', openMinor: 1n, orderRef: 'PO12345678' })]);
    const r = i2.extract('合同HT20250007 PO12345678', opts);
    expect(r.contracts.map((c) => `${c.kind}:${c.number}`)).toEqual(['contract:HT-2025-0007', 'order:PO12345678']);
  });
  it('typo variants', () => {
    const v = typoVariants('A12');
    expect(v.filter(([, h]) => h === 'typo')).toHaveLength(18);
    expect(v.filter(([, h]) => h === 'transposition').map(([k]) => k)).toEqual(['A21']);
  });
});
