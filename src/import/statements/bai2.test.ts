/**
 * BAI2: type codes → direction, implied decimals by currency, 88 continuations (of an 03's
 * fields, and of a 16's text, fixed-width or not), several records on one line, structured
 * Goldman-Sachs-style continuations, control totals checked and reported (never thrown), and
 * files that are cut off or not BAI2 at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../xml';
import { bai2TypeDirection } from './bai2';
import { fromMinor } from './currencies';
import { parseStatementFile } from './parse';

const REAL = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'realdata', 'bank-statements', 'bai2');
const parse = (s: string) => parseStatementFile(Buffer.from(s));

function refusal(fn: () => unknown): FormatError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FormatError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** A one-account file; amounts in minor units of the currency. */
function file(opts: { currency?: string; wire?: string; trailer?: string } = {}): string {
  const wire = opts.wire ?? '30000';
  const total = 280000 + Number(wire) + 10000 + 15000;
  return [
    '01,SENDER,RECEIVER,240315,0800,FILE1,80,,2/',
    `02,RECEIVER,BANKID,1,240314,2400,${opts.currency ?? 'USD'},2/`,
    '03,123456789,,010,100000,,,015,125000,,,100,40000,2,,400,15000,1,/',
    `16,195,${wire},Z,WIRE123,INV-1001,INCOMING WIRE FROM ACME/`,
    '88,REMI: Invoice 1001 and 1002',
    '88,EREF: E2E-77',
    '88,DBNM: ACME CORP',
    '88,DACT: 000123456',
    '16,142,10000,0,ACH555,,ACH CREDIT/',
    '16,475,15000,Z,CHK9,00123,CHECK PAID/',
    opts.trailer ?? `49,${total},9/`,
    `98,${total},1,11/`,
    `99,${total},1,13/`,
  ].join('\n');
}

describe('BAI2', () => {
  it('reads type codes by range: credits, debits, status, loan codes, bank-defined codes', () => {
    expect([10, 100, 142, 399, 400, 451, 699, 701, 720, 760, 890, 905, 930, 970, 850, 0, 1000].map(bai2TypeDirection)).toEqual([
      'status', 'credit', 'credit', 'credit', 'debit', 'debit', 'debit', 'status', 'credit', 'debit', 'info', 'status', 'credit', 'debit', null, null, null,
    ]);
  });

  it('makes a statement of an account: balances, summary, lines with references and structured text', () => {
    const r = parse(file());
    expect(r.format).toBe('bai2');
    expect(r.messageId).toBe('SENDER/FILE1');
    expect(r.check).toEqual({ ok: true, checked: ['balance', 'credits', 'debits', 'control_total', 'record_count'], issues: [] });
    const [s] = r.statements;
    expect(s).toMatchObject({
      id: '123456789/2024-03-14',
      account: { other: '123456789', iban: null },
      currency: 'USD',
      fromDate: '2024-03-14',
      opening: { type: '010', amountMinor: 100000n },
      closing: { type: '015', amountMinor: 125000n },
      summary: { credits: { count: 2, sumMinor: 40000n }, debits: { count: 1, sumMinor: 15000n } },
    });
    expect(s!.lines.map((l) => [l.direction, fromMinor(l.amountMinor, 'USD'), l.transactionCode, l.bankReference, l.customerReference])).toEqual([
      ['credit', '300.00', '195', 'WIRE123', 'INV-1001'],
      ['credit', '100.00', '142', 'ACH555', null],
      ['debit', '150.00', '475', 'CHK9', '00123'],
    ]);
    expect(s!.lines[0]).toMatchObject({
      bookingDate: '2024-03-14',
      remittance: 'Invoice 1001 and 1002',
      endToEndId: 'E2E-77',
      counterpartyName: 'ACME CORP',
      counterpartyAccount: '000123456',
    });
    expect(s!.lines[1]!.remittance).toBe('ACH CREDIT');
  });

  it('reads amounts in the minor units of the currency (implied decimals)', () => {
    const amounts = (currency: string) => parse(file({ currency })).statements[0]!.lines.map((l) => fromMinor(l.amountMinor, currency));
    expect(amounts('USD')).toEqual(['300.00', '100.00', '150.00']);
    expect(amounts('JPY')).toEqual(['30000', '10000', '15000']);
    expect(amounts('KWD')).toEqual(['30.000', '10.000', '15.000']);
    expect(refusal(() => parse(file({ currency: 'XXQ' }))).code).toBe('unknown_currency');
  });

  it('continues an 03 record\'s fields on 88 records, even in the middle of a type code group', () => {
    const r = parse(
      [
        '01,S,R,040621,0200,1,65,,2/',
        '02,031001234,122099999,1,040620,2359,,2/',
        '03,9876543210,,010,-500000,,,100,1000000,,,400,2000000,,,190/',
        '88,500000,,,110,1000000,,,072,500000,,,015,-1000000/',
        '88,,,/',
        '16,115,1000000,S,,200000,800000,,,LOCK BOX NO.68751/',
        '16,475,2000000,V,040619,,,CHK1,CHECK PAID/',
        '16,115,500000,D,2,0,200000,1,300000,BR-9,CR-9/',
        '88,PROCEEDS OF LETTER OF CREDIT',
        '49,7000000,8/',
        '98,7000000,1,10/',
        '99,7000000,1,12/',
      ].join('\n'),
    );
    const [s] = r.statements;
    expect(r.warnings).toContain("line 3 (03): no currency on the account or the group; BAI2's default USD is used");
    expect([s!.opening?.amountMinor, s!.closing?.amountMinor, s!.summary]).toEqual([-500000n, -1000000n, { credits: { count: null, sumMinor: 1000000n }, debits: { count: null, sumMinor: 2000000n } }]);
    expect(s!.lines.map((l) => [l.amountMinor, l.valueDate, l.bankReference, l.customerReference, l.remittance])).toEqual([
      [1000000n, null, null, null, 'LOCK BOX NO.68751'],
      [2000000n, '2004-06-19', null, 'CHK1', 'CHECK PAID'],
      [500000n, null, 'BR-9', 'CR-9', 'PROCEEDS OF LETTER OF CREDIT'],
    ]);
    // 100 says 1,000,000 of credits; the details hold 1,500,000: reported, not thrown.
    expect(r.check.checked).toEqual(['balance', 'credits', 'debits', 'control_total', 'record_count']);
    expect(r.check.issues.map((i) => i.check)).toEqual(['credits']);
  });

  it('joins text cut at column 80 without a space, shorter continuation lines with one (NatWest)', () => {
    const r = parseStatementFile(readFileSync(join(REAL, 'moj-bai2', 'nwb_example.bai2')));
    expect(r.check.ok).toBe(true);
    const last = r.statements[0]!.lines.at(-1)!;
    expect([last.direction, last.amountMinor, last.currency]).toEqual(['credit', 89n, 'GBP']);
    expect(last.remittance).toBe('TFR XBANKGO24007680SJ CAT JPY 2 GBPXBANKGO24007680BGC INTERNATIONAL-5373 CLIENT SECCY AC TFR');
  });

  it('reads several records on one line and a record wrapped onto the next line (moov-io sample3)', () => {
    const r = parseStatementFile(readFileSync(join(REAL, 'moov-io-bai2', 'sample3.txt')));
    expect(r.check.ok).toBe(true);
    expect(r.statements).toHaveLength(15);
    expect(r.statements[0]!.lines.map((l) => l.remittance?.slice(0, 20))).toContain('TRANSFER MSPBNA BANK');
    expect(r.warnings.some((w) => w.includes('does not start with a record code'))).toBe(true);
  });

  it('keeps slashes inside a customer reference (moov-io issue 113)', () => {
    const r = parseStatementFile(readFileSync(join(REAL, 'moov-io-bai2', 'sample5-issue113.txt')));
    const line = r.statements.flatMap((s) => s.lines).find((l) => l.bankReference === 'SPB2322684598521')!;
    expect(line.customerReference).toBe('AB/GS/RPFILERP0001/RPBA0001');
    expect(line.endToEndId).toBe('AB/GS/RPFILERP0001/RPBA0001');
  });

  it('reports control totals and record counts that do not match, and still parses', () => {
    const r = parse(file({ wire: '30001' }).replace(/^49,\d+,9\/$/m, '49,335000,10/'));
    expect(r.check.ok).toBe(false);
    expect(r.check.issues.map((i) => [i.statementId, i.check, i.expected, i.actual])).toEqual([
      ['123456789/2024-03-14', 'balance', '1250.00', '1250.01'],
      ['123456789/2024-03-14', 'credits', '2 / 400.00', '2 / 400.01'],
      ['123456789/2024-03-14', 'control_total', '335000', '335001'],
      ['123456789/2024-03-14', 'record_count', '10', '9'],
      // The group trailer is checked against the account trailers below it, the file against the groups.
      ['group 1', 'control_total', '335001', '335000'],
    ]);
  });

  it('refuses a file that is cut off, out of order or not BAI2', () => {
    expect(refusal(() => parse(file().split('\n').slice(0, 9).join('\n'))).code).toBe('bai2_truncated');
    expect(refusal(() => parse(file().replace('03,123456789', '16,123456789'))).code).toBe('bai2_structure');
    expect(refusal(() => parse(file().replace('16,142,10000', '16,142,1O000'))).code).toBe('invalid_amount');
    expect(refusal(() => parse(file().replace('16,142,', '16,850,'))).code).toBe('bai2_invalid_record');
    expect(refusal(() => parseStatementFile(readFileSync(join(REAL, 'moov-io-bai2', 'error__sample-parseError.txt')))).code).toBe('bai2_missing_header');
  });
});
