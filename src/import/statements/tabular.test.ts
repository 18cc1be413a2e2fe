/**
 * Bank statement tables: the GBK CSV and XLSX fixtures of tests/fixtures/statements (made by us),
 * the header row found below an account block, separate credit/debit columns vs one signed
 * amount (with or without a 借贷标志 column), rows newest first, running balances checked and
 * reported, English headers, and what is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../xml';
import { fromMinor } from './currencies';
import { parseStatement } from './parse';

const DIR = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'statements');

async function refusal(p: Promise<unknown>): Promise<FormatError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FormatError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

const csv = (text: string, encoding = 'utf8') => parseStatement(encoding === 'utf8' ? Buffer.from(text) : iconv.encode(text, encoding));

describe('bank statement tables', () => {
  it('reads a GBK CSV: account block above the header, 贷方/借方 columns, 合计 row and footer counts', async () => {
    const r = await parseStatement(readFileSync(join(DIR, 'cn-bank-gbk.csv')));
    expect(r.format).toBe('csv');
    expect(r.warnings).toContain('the CSV is not UTF-8: read as GB18030 (GBK)');
    expect(r.check).toEqual({ ok: true, checked: ['balance', 'credits', 'debits', 'running_balance'], issues: [] });
    const [s] = r.statements;
    expect(s).toMatchObject({
      id: '6222021234567890/CNY',
      account: { other: '6222021234567890', name: '上海示例科技有限公司', currency: 'CNY' },
      fromDate: '2024-03-01',
      toDate: '2024-03-31',
      opening: { type: '期初余额', amountMinor: 10000000n },
      closing: { type: '期末余额', amountMinor: 9728550n },
      summary: { credits: { count: 2, sumMinor: 2080050n }, debits: { count: 3, sumMinor: 2351500n } },
    });
    expect(s!.lines.map((l) => [l.bookingDate, l.direction, fromMinor(l.amountMinor, 'CNY'), l.bankReference, l.counterpartyName, l.counterpartyAccount, l.remittance])).toEqual([
      ['2024-03-01', 'credit', '12000.00', 'FL20240301000123', '北京星辰贸易有限公司', '1100223344556677', '货款 INV-2024-0012'],
      ['2024-03-05', 'debit', '3500.00', 'FL20240305000456', '深圳恒信物流有限公司', '4403123456789012', '运费 2月'],
      ['2024-03-12', 'debit', '15.00', 'FL20240312000789', null, null, '跨行汇款手续费'],
      ['2024-03-18', 'credit', '8800.50', 'FL20240318001011', '杭州云帆网络科技有限公司', '3301998877665544', '服务费 HT-2024-007'],
      ['2024-03-28', 'debit', '20000.00', 'FL20240328001213', null, null, '3月工资'],
    ]);
    expect(s!.lines[0]).toMatchObject({ transactionCode: '转账收入', additionalInfo: 'time 09:15:22 | bank 中国工商银行北京分行' });
  });

  it('reads an XLSX: one amount column with 借贷标志, date-time cells, newest first', async () => {
    const r = await parseStatement(readFileSync(join(DIR, 'cn-bank.xlsx')));
    expect(r.format).toBe('xlsx');
    expect(r.check.ok).toBe(true);
    const [s] = r.statements;
    expect(s).toMatchObject({ account: { other: '6217000011112222' }, fromDate: '2024-04-01', toDate: '2024-04-30', opening: { amountMinor: 4500000n }, closing: { amountMinor: 5074567n } });
    expect(s!.warnings).toEqual(['the rows are listed newest first; read in date order']);
    expect(s!.lines.map((l) => [l.bookingDate, l.direction, l.amountMinor, l.bankReference])).toEqual([
      ['2024-04-02', 'credit', 500000n, null],
      ['2024-04-10', 'debit', 80000n, null],
      ['2024-04-10', 'debit', 80000n, null],
      ['2024-04-20', 'credit', 234567n, null],
    ]);
  });

  it('reads English headers and reports a running balance that does not add up', async () => {
    const r = await csv(
      [
        'Statement for account 12345678',
        'Account No: 12345678, Currency: USD',
        '',
        'Date,Description,Counterparty,Reference,Debit,Credit,Balance',
        '2024-05-01,Opening,,,,,1000.00',
        '2024-05-02,Wire in,Acme Inc,REF-1,,250.00,1250.00',
        '2024-05-03,Card,Shop,REF-2,(40.00),,1210.00',
        '2024-05-04,Fee,,REF-3,1.50,,1208.00',
      ].join('\n'),
    );
    const [s] = r.statements;
    expect(s!.currency).toBe('USD');
    expect(s!.lines.map((l) => [l.direction, l.amountMinor, l.bankReference, l.counterpartyName])).toEqual([
      ['credit', 25000n, 'REF-1', 'Acme Inc'],
      ['debit', 4000n, 'REF-2', 'Shop'],
      ['debit', 150n, 'REF-3', null],
    ]);
    expect(r.warnings).toContain('row 5: no amount; the row was skipped');
    expect(r.check.ok).toBe(false);
    expect(r.check.issues).toEqual([
      expect.objectContaining({ check: 'balance', message: 'opening 1000.00 + credits − debits 208.50 = 1208.50, but the closing balance is 1208.00' }),
      expect.objectContaining({ check: 'running_balance', message: 'row 8: the balance before it 1210.00 − 1.50 = 1208.50, but the row says 1208.00', expected: '1208.00', actual: '1208.50' }),
    ]);
  });

  it('reads one signed 金额 column, and one with 收/支 beside it', async () => {
    const signed = await csv('交易日期,摘要,金额,余额,对方户名\n2024/6/1,收款,"1,000.00",1000.00,甲公司\n2024/6/2,付款,-300.00,700.00,乙公司\n');
    expect(signed.statements[0]!.lines.map((l) => [l.direction, l.amountMinor])).toEqual([
      ['credit', 100000n],
      ['debit', 30000n],
    ]);
    expect(signed.warnings).toContain('no 币种 (currency) in the file: amounts are read as CNY');
    const flagged = await csv('记账日期,收支,交易金额,币种,流水号\n2024年6月1日,收,88.00,人民币,A1\n2024年6月2日,支,8.80,人民币,A2\n', 'gbk');
    expect(flagged.statements[0]!.lines.map((l) => [l.bookingDate, l.direction, l.amountMinor, l.bankReference])).toEqual([
      ['2024-06-01', 'credit', 8800n, 'A1'],
      ['2024-06-02', 'debit', 880n, 'A2'],
    ]);
    expect((await refusal(csv('记账日期,收支,交易金额\n2024-06-01,转,88.00\n'))).code).toBe('invalid_direction');
  });

  it('refuses a row with both a credit and a debit, a bad cell, and files that are no statement table', async () => {
    expect((await refusal(csv('交易日期,贷方发生额,借方发生额\n2024-06-01,10.00,5.00\n'))).code).toBe('ambiguous_row');
    const bad = await refusal(csv('交易日期,贷方发生额,借方发生额\n2024-06-01,12.345,\n'));
    expect([bad.code, bad.message]).toEqual(['too_many_decimals', 'row 2, column 贷方发生额: CNY has 2 decimal places: "12.345"']);
    expect((await refusal(csv('交易日期,贷方发生额,借方发生额\n3/6/2024,10.00,\n'))).code).toBe('invalid_date');
    expect((await refusal(csv('客户编码,客户名称\nC1,甲\n'))).code).toBe('unknown_format');
    expect((await refusal(csv('交易日期,贷方发生额,借方发生额\n'))).code).toBe('empty_statement');
  });
});
