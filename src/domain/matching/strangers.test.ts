import { describe, expect, it } from 'vitest';
import { classifyStranger } from './strangers';

describe('strangers', () => {
  it.each([
    ['中国工商银行上海分行', '利息收入', 'interest'],
    [null, '活期结息', 'interest'],
    ['国家税务总局上海市税务局', '出口退税', 'tax_refund'],
    ['ACME', 'VAT REFUND', 'tax_refund'],
    [null, '账户管理费', 'bank_charge'],
  ])('%s / %s → %s (hard)', (payerName, remittance, kind) => {
    expect(classifyStranger({ payerName, remittance })).toMatchObject({ kind, hard: true });
  });
  it('a private person is a soft stranger', () => {
    expect(classifyStranger({ payerName: '张伟', remittance: '转账' })).toMatchObject({ kind: 'personal', hard: false });
  });
  it('a company paying goods is not a stranger', () => {
    expect(classifyStranger({ payerName: '上海华信贸易有限公司', remittance: '货款 INV25-000123' })).toBeNull();
  });
});
