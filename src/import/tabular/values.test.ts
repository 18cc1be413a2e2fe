import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { displayAmount } from '../../domain/money';
import {
  parseSchedule,
  type Cell,
  cellText,
  dateCellToIso,
  excelSerialToIso,
  parseCode,
  parseCurrency,
  parseDate,
  parseDays,
  parseList,
  parseMethod,
  parseMoney,
  parseRate,
} from './values';

const minor = (cell: Cell, currency = 'CNY') => {
  const r = parseMoney(cell, currency);
  if (r.error) throw new Error(`${String(cell)}: ${r.error.code} ${r.error.message}`);
  return r.value?.minor ?? null;
};
const code = (cell: Cell, currency = 'CNY') => parseMoney(cell, currency).error?.code;

describe('dates as exports write them', () => {
  it.each([
    ['2025-03-05', '2025-03-05'],
    ['2025/3/5', '2025-03-05'],
    ['2025/03/05', '2025-03-05'],
    ['2025.3.5', '2025-03-05'],
    ['2025年3月5日', '2025-03-05'],
    ['2025 年 3 月 5 日', '2025-03-05'],
    ['20250305', '2025-03-05'],
    ['2025-03-05 00:00:00', '2025-03-05'],
    ['2025/3/5 13:45', '2025-03-05'],
    ['2025-03-05T08:00:00', '2025-03-05'],
    ['２０２５－０３－０５', '2025-03-05'],
    ['  2025-03-05  ', '2025-03-05'],
    ['45721', '2025-03-05'],
    ['2024-02-29', '2024-02-29'],
  ])('%j → %s', (text, iso) => {
    expect(parseDate(text).value).toBe(iso);
  });

  it.each([
    ['2025-02-30', 'invalid_date'],
    ['2023-02-29', 'invalid_date'],
    ['2025-13-01', 'invalid_date'],
    ['3/5/2025', 'ambiguous_date'],
    ['05.03.2025', 'ambiguous_date'],
    ['next Monday', 'invalid_date'],
    ['12345', 'invalid_date'],
  ])('%j is refused (%s)', (text, errorCode) => {
    expect(parseDate(text).error?.code).toBe(errorCode);
  });

  it('reads blank cells as no date', () => {
    expect(parseDate(null).value).toBeNull();
    expect(parseDate('   ').value).toBeNull();
  });

  it('reads Excel serial numbers, including both sides of the 1900 leap-year bug', () => {
    expect(parseDate(45721).value).toBe('2025-03-05');
    expect(parseDate(45721.75).value).toBe('2025-03-05');
    expect(excelSerialToIso(1)).toBe('1900-01-01');
    expect(excelSerialToIso(59)).toBe('1900-02-28');
    expect(excelSerialToIso(60)).toBeNull();
    expect(excelSerialToIso(61)).toBe('1900-03-01');
    expect(excelSerialToIso(0)).toBeNull();
    expect(parseDate(-3).error?.code).toBe('invalid_date');
  });

  describe('Date cells in any time zone of the reading process', () => {
    const original = process.env.TZ;
    afterEach(() => {
      // Assigning undefined to process.env would store the string "undefined".
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    });
    it.each(['UTC', 'Asia/Shanghai', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'])('%s', (tz) => {
      process.env.TZ = tz;
      // exceljs makes a date serial into this instant: midnight UTC of the day Excel shows.
      const cell = new Date(Date.UTC(2025, 2, 5));
      expect(parseDate(cell).value).toBe('2025-03-05');
      expect(dateCellToIso(new Date(Date.UTC(2025, 11, 31, 23, 59)))).toBe('2025-12-31');
      expect(cellText(cell).value).toBe('2025-03-05');
    });
  });
});

describe('amounts as exports write them', () => {
  it.each([
    ['1,234.50', 123450n],
    ['￥1,234.50', 123450n],
    ['¥1,234.50', 123450n],
    ['¥ 1,234.50', 123450n],
    ['(1,234.50)', -123450n],
    ['（1,234.50）', -123450n],
    ['-1234.5', -123450n],
    ['- 1234.5', -123450n],
    ['−1234.5', -123450n],
    ['1234.50-', -123450n],
    ['１，２３４．５０', 123450n],
    ['1234.50   ', 123450n],
    ['\u00A01234.50\u3000', 123450n],
    ['1234.500', 123450n],
    ['1 234.50', 123450n],
    ['1234.50元', 123450n],
    ['CNY 1,234.50', 123450n],
    ['RMB1,234.50', 123450n],
    ['1,234.50 CNY', 123450n],
    ['+12', 1200n],
    ['.5', 50n],
    ['0', 0n],
    ['1,000,000', 100000000n],
  ])('%j → %s minor units of CNY', (text, expected) => {
    expect(minor(text)).toBe(expected);
  });

  it('is exact to each currency’s scale', () => {
    expect(minor('1,234', 'JPY')).toBe(1234n);
    expect(minor('¥1,234', 'JPY')).toBe(1234n);
    expect(minor('$1,234.56', 'USD')).toBe(123456n);
    expect(minor('US$1,234.56', 'USD')).toBe(123456n);
    expect(minor('HK$1,234.56', 'HKD')).toBe(123456n);
    expect(minor('1.234', 'KWD')).toBe(1234n);
    expect(code('1234.567')).toBe('too_many_decimals');
    expect(code('1234.5', 'JPY')).toBe('too_many_decimals');
    expect(code('1.2345', 'KWD')).toBe('too_many_decimals');
  });

  it.each([
    ['abc', 'invalid_amount'],
    ['1,23.4', 'invalid_amount'],
    ['12,34', 'invalid_amount'],
    ['1.2.3', 'invalid_amount'],
    ['1e5', 'invalid_amount'],
    ['#N/A', 'invalid_amount'],
    ['USD 100', 'currency_mismatch'],
  ])('%j is refused (%s)', (text, errorCode) => {
    expect(code(text)).toBe(errorCode);
  });

  it('reads spreadsheet number cells, forgiving float noise but never a real extra decimal', () => {
    expect(minor(1234.5)).toBe(123450n);
    expect(minor(1276.8999999999999)).toBe(127690n);
    expect(minor(0.1 + 0.2)).toBe(30n);
    expect(minor(-12.3)).toBe(-1230n);
    expect(minor(1234, 'JPY')).toBe(1234n);
    expect(code(1234.567)).toBe('too_many_decimals');
    expect(code(0.001)).toBe('too_many_decimals');
    expect(code(1e16)).toBe('invalid_amount');
    expect(code(Number.NaN)).toBe('invalid_amount');
  });

  it('reads blank cells as no amount', () => {
    expect(parseMoney(null, 'CNY').value).toBeNull();
    expect(parseMoney('  ', 'CNY').value).toBeNull();
  });

  it('round-trips every displayed amount (symbol, thousands separators, sign) exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }), fc.constantFrom('CNY', 'USD', 'EUR', 'HKD', 'JPY', 'GBP', 'KWD'), (m, currency) => {
        const shown = displayAmount(m, currency);
        expect(minor(shown, currency)).toBe(m);
        const accounting = m < 0n ? `(${displayAmount(-m, currency)})` : shown;
        expect(minor(accounting, currency)).toBe(m);
      }),
      { numRuns: 500 },
    );
  });
});

describe('other values', () => {
  it.each([
    [30, 30],
    ['30', 30],
    ['30天', 30],
    ['30 日', 30],
    ['30 days', 30],
    ['N30', 30],
    ['net 30', 30],
    ['０', 0],
  ])('payment terms %j → %i days', (cell, days) => {
    expect(parseDays(cell).value).toBe(days);
  });

  it('refuses month-end terms and nonsense as days', () => {
    expect(parseDays('月结30天').error?.code).toBe('month_end_terms');
    expect(parseDays(-1).error?.code).toBe('invalid_days');
    expect(parseDays(30.5).error?.code).toBe('invalid_days');
    expect(parseDays('3651').error?.code).toBe('invalid_days');
    expect(parseDays('soon').error?.code).toBe('invalid_days');
  });

  it.each([
    ['13%', '0.13'],
    ['13 %', '0.13'],
    ['0.13', '0.13'],
    ['13', '0.13'],
    [0.13, '0.13'],
    [13, '0.13'],
    ['6.5%', '0.065'],
    ['0%', '0'],
    ['９％', '0.09'],
  ])('tax rate %j → %s', (cell, rate) => {
    expect(parseRate(cell).value).toBe(rate);
  });

  it('refuses rates of 100% and more, and finer than 0.01%', () => {
    expect(parseRate('100%').error?.code).toBe('invalid_rate');
    expect(parseRate('0.12345').error?.code).toBe('invalid_rate');
    expect(parseRate('abc').error?.code).toBe('invalid_rate');
  });

  it.each([
    ['人民币', 'CNY'],
    ['RMB', 'CNY'],
    ['cny', 'CNY'],
    [' 美元 ', 'USD'],
    ['港币', 'HKD'],
    ['日元', 'JPY'],
    ['ＵＳＤ', 'USD'],
  ])('currency %j → %s', (text, iso) => {
    expect(parseCurrency(text).value).toBe(iso);
  });

  it('refuses unknown currencies', () => {
    expect(parseCurrency('XYZ').error?.code).toBe('unknown_currency');
  });

  it('splits invoice lists on , ， 、 ; ； and spaces, keeping slashed numbers for the ledger to decide', () => {
    expect(parseList('INV-1,INV-2、INV-3；INV-4 INV-5，INV-6').value!.map((t) => t.token)).toEqual(['INV-1', 'INV-2', 'INV-3', 'INV-4', 'INV-5', 'INV-6']);
    expect(parseList('INV/2025/001').value).toEqual([{ token: 'INV/2025/001', slashed: true }]);
    expect(parseList(null).value).toEqual([]);
  });

  it('reads codes half-width and numbers as a spreadsheet shows them', () => {
    expect(parseCode('Ｃ００１').value).toBe('C001');
    expect(parseCode(1001).value).toBe('1001');
    expect(parseCode('  C001 ').value).toBe('C001');
    expect(parseCode(2 ** 64).error?.code).toBe('number_lost_digits');
    expect(parseCode(1e21).error?.code).toBe('number_lost_digits');
    expect(parseCode('C0\n01').error?.code).toBe('invalid_code');
    expect(parseCode('x'.repeat(65)).error?.code).toBe('too_long');
  });

  it('keeps text that looks like a formula as text, and reads an export’s neutralised cell back', () => {
    expect(cellText('=HYPERLINK("http://x","y")').value).toBe('=HYPERLINK("http://x","y")');
    expect(cellText("'=SUM(A1:A9)").value).toBe('=SUM(A1:A9)');
    expect(cellText("'+86 21 5555").value).toBe('+86 21 5555');
    expect(cellText("'plain").value).toBe("'plain");
    expect(cellText('@cmd').value).toBe('@cmd');
  });

  it('maps settlement methods', () => {
    expect(parseMethod('电汇').value).toBe('bank_transfer');
    expect(parseMethod('银行承兑汇票').value).toBe('draft');
    expect(parseMethod('bank_transfer').value).toBe('bank_transfer');
    expect(parseMethod('barter').error?.code).toBe('invalid_method');
  });
});

describe('contract payment schedules (付款计划)', () => {
  it('reads milestones in percents with days, months and 月结 rules', () => {
    expect(parseSchedule('预付款 30% 0天; 到货款 60% 30天; 质保金 10% 12个月').value).toEqual([
      { name: '预付款', percent: '30', amount: null, dueRule: { kind: 'days_after_invoice', days: 0 } },
      { name: '到货款', percent: '60', amount: null, dueRule: { kind: 'days_after_invoice', days: 30 } },
      { name: '质保金', percent: '10', amount: null, dueRule: { kind: 'months_after_invoice', months: 12 } },
    ]);
    expect(parseSchedule('首付 50%；尾款 50% 月结30天').value).toEqual([
      { name: '首付', percent: '50', amount: null, dueRule: { kind: 'days_after_invoice', days: 0 } },
      { name: '尾款', percent: '50', amount: null, dueRule: { kind: 'month_end_plus', days: 30 } },
    ]);
  });

  it('reads amounts and fixed dates, full-width text, and names a milestone without one', () => {
    expect(parseSchedule('首期 ￥300,000.00 2026/3/31\n200000 60 days').value).toEqual([
      { name: '首期', percent: null, amount: '300000.00', dueRule: { kind: 'fixed_date', date: '2026-03-31' } },
      { name: '第2期', percent: null, amount: '200000', dueRule: { kind: 'days_after_invoice', days: 60 } },
    ]);
    expect(parseSchedule('第2期 １００％ ３０天').value).toEqual([{ name: '第2期', percent: '100', amount: null, dueRule: { kind: 'days_after_invoice', days: 30 } }]);
    expect(parseSchedule(null).value).toBeNull();
  });

  it('refuses what it cannot read, naming the part', () => {
    expect(parseSchedule('预付款 30% 下周二').error).toMatchObject({ code: 'invalid_schedule' });
    expect(parseSchedule('预付款 30% 0天; 尾款 70000.00 30天').error?.code).toBe('schedule_mixed');
    expect(parseSchedule('全部付清').error?.message).toContain('全部付清');
  });
});
