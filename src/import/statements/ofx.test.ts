/**
 * OFX: 1.x SGML with unclosed leaf tags, 2.x XML (and SGML inside an XML prologue), entities and
 * CDATA, dates with time-zone brackets kept on the bank's calendar day, several statements in one
 * file (bank and credit card), and the files that are refused by name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../xml';
import { ofxDate, ofxTree } from './ofx';
import { parseStatementFile } from './parse';

const REAL = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'realdata', 'bank-statements', 'ofx');
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

const HEADER = 'OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n';

const SGML = `${HEADER}<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20240102<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>
<STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>121000248<ACCTID>000111222<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST><DTSTART>20231201<DTEND>20231231235959.000[-5:EST]
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20231231230000.000[-5:EST]<DTUSER>20231230<TRNAMT>1,250.00<FITID>F-1<NAME>Acme &amp; Sons<MEMO>Invoice 2023-118 K&L</STMTTRN>
<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20231215[+8:CST]<TRNAMT>-99.5<FITID><NAME>Supplier Co<MEMO>PO 77<BANKACCTTO><BANKID>026009593<ACCTID>987654<ACCTTYPE>CHECKING</BANKACCTTO></STMTTRN>
<STMTTRN><TRNTYPE>HOLD<DTPOSTED>20231231<TRNAMT>-10.00<FITID>F-3<NAME></NAME><CHECKNUM>0</STMTTRN>
</BANKTRANLIST><LEDGERBAL><BALAMT>5140.50<DTASOF>20231231</LEDGERBAL><AVAILBAL><BALAMT>5130.50<DTASOF>20231231</AVAILBAL></STMTRS></STMTTRNRS></BANKMSGSRSV1>
<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>2<STATUS><CODE>0<SEVERITY>INFO</STATUS><CCSTMTRS><CURDEF>USD<CCACCTFROM><ACCTID>4111111111111111</CCACCTFROM>
<BANKTRANLIST><DTSTART>20231201<DTEND>20231231<STMTTRN><TRNTYPE>PAYMENT<DTPOSTED>20231220<TRNAMT>500.00<FITID>CC-1<NAME>Payment - thank you</STMTTRN></BANKTRANLIST>
<LEDGERBAL><BALAMT>-120.00<DTASOF>20231231</LEDGERBAL></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>`;

// OFX 1.x amounts never carry a thousands separator: "1,250.00" is refused below; this is the valid file.
const VALID = SGML.replace('<TRNAMT>1,250.00', '<TRNAMT>1250.00');

describe('OFX', () => {
  it('reads SGML with unclosed tags: bank and credit-card statements in one file', () => {
    const r = parse(VALID);
    expect([r.format, r.version, r.statements.length]).toEqual(['ofx', '102', 2]);
    const [bank, card] = r.statements;
    expect(bank).toMatchObject({
      id: '000111222/2023-12-31',
      account: { other: '000111222', iban: null },
      currency: 'USD',
      fromDate: '2023-12-01',
      toDate: '2023-12-31',
      opening: null,
      closing: { type: 'LEDGERBAL', amountMinor: 514050n, date: '2023-12-31' },
    });
    expect(bank!.lines.map((l) => [l.direction, l.amountMinor, l.bookingDate, l.valueDate, l.bankReference, l.counterpartyName, l.remittance, l.status])).toEqual([
      // 23:00 in New York on New Year's Eve is still the 31st: the bank's day, not UTC's.
      ['credit', 125000n, '2023-12-31', '2023-12-30', 'F-1', 'Acme & Sons', 'Invoice 2023-118 K&L', 'BOOK'],
      // <FITID> with no value and no closing tag is an empty leaf, not the parent of <NAME>.
      ['debit', 9950n, '2023-12-15', null, null, 'Supplier Co', 'PO 77', 'BOOK'],
      ['debit', 1000n, '2023-12-31', null, 'F-3', null, null, 'PDNG'],
    ]);
    expect(bank!.lines[1]!.counterpartyAccount).toBe('987654');
    expect(bank!.lines[2]!.customerReference).toBeNull();
    expect(card).toMatchObject({ account: { other: '4111111111111111' }, closing: { amountMinor: -12000n } });
    expect(card!.lines.map((l) => [l.direction, l.amountMinor, l.transactionCode])).toEqual([['credit', 50000n, 'PAYMENT']]);
    // OFX has no opening balance: nothing to check the lines against.
    expect(r.check).toEqual({ ok: true, checked: [], issues: [] });
  });

  it('refuses an amount with a thousands separator or a currency sign rather than guess', () => {
    expect(refusal(() => parse(SGML)).code).toBe('invalid_amount');
    expect(refusal(() => parseStatementFile(readFileSync(join(REAL, 'ofxparse', 'fail_nice__decimal_error.ofx')))).code).toBe('invalid_amount');
  });

  it('reads OFX 2.x XML with closing tags and CDATA, and SGML-style leaves inside an XML prologue', () => {
    const suncorp = parseStatementFile(readFileSync(join(REAL, 'ofxparse', 'suncorp.ofx')));
    expect(suncorp.version).toBe('200');
    expect(suncorp.statements[0]!.lines[0]).toMatchObject({ direction: 'debit', amountMinor: 1685n, counterpartyName: 'EFTPOS WDL HANDYWAY ALDI STORE', currency: 'AUD' });
    const anz = parseStatementFile(readFileSync(join(REAL, 'ofxparse', 'anzcc.ofx')));
    expect(anz.statements[0]).toMatchObject({ currency: 'AUD', closing: { amountMinor: -12345n }, lines: [{ amountMinor: 550n, remittance: 'SOME MEMO', bankReference: '201705080001' }] });
  });

  it('reads OFX dates as the calendar day written, with or without time and zone', () => {
    expect(ofxDate('20240229', 'x')).toBe('2024-02-29');
    expect(ofxDate('20240101000000.000[+8:CST]', 'x')).toBe('2024-01-01');
    expect(ofxDate('20231231235959.999[-12:BIT]', 'x')).toBe('2023-12-31');
    expect(ofxDate('20180804093914:014', 'x')).toBe('2018-08-04');
    expect(ofxDate('20091217162416.000[-:EST]', 'x')).toBe('2009-12-17');
    expect(ofxDate('200904011220', 'x')).toBe('2009-04-01');
    expect(refusal(() => ofxDate('20120231', 'x')).code).toBe('invalid_date');
    expect(refusal(() => ofxDate('201120000000', 'x')).code).toBe('invalid_date');
    expect(refusal(() => ofxDate('2024-01-01', 'x')).code).toBe('invalid_date');
  });

  it('tolerates empty tags: the currency from the transactions, no balance when BALAMT is blank', () => {
    const r = parseStatementFile(readFileSync(join(REAL, 'ofxparse', 'ofx-v102-empty-tags.ofx')));
    expect(r.statements[0]).toMatchObject({ currency: 'AUD', closing: null, lines: [{ direction: 'credit', amountMinor: 1234n, bankReference: null, remittance: 'CBA:Transfer' }] });
    expect(r.statements[0]!.warnings).toEqual(["CURDEF is empty: the currency AUD is taken from the transactions' CURRENCY", 'LEDGERBAL has no amount (BALAMT is empty)']);
  });

  it('builds the tag tree by the SGML rules', () => {
    const t = ofxTree('<OFX><A><B>1<C>two</C><D></D><E/></A><F>x</OFX>');
    const ofx = t.children[0]!;
    expect(ofx.children.map((c) => c.name)).toEqual(['A', 'F']);
    expect(ofx.children[0]!.children.map((c) => [c.name, c.value])).toEqual([
      ['B', '1'],
      ['C', 'two'],
      ['D', ''],
      ['E', ''],
    ]);
  });

  it('refuses files without a bank or card statement by name', () => {
    const real = (f: string) => refusal(() => parseStatementFile(readFileSync(join(REAL, 'ofxparse', f)))).code;
    expect(real('investment_401k.ofx')).toBe('ofx_investment_statement');
    expect(real('fidelity-savings.ofx')).toBe('ofx_investment_statement');
    expect(real('signon_success.ofx')).toBe('ofx_no_statement');
    expect(real('signon_fail.ofx')).toBe('ofx_signon_failed');
    expect(real('error_message.ofx')).toBe('ofx_error_response');
    expect(real('account_listing_aggregation.ofx')).toBe('ofx_no_statement');
    expect(real('fail_nice__date_missing.ofx')).toBe('missing_date');
  });

  it('refuses DOCTYPE/ENTITY declarations, foreign-currency lines and broken markup', () => {
    expect(refusal(() => parse(`<?xml version="1.0"?><!DOCTYPE OFX [<!ENTITY x SYSTEM "file:///etc/passwd">]><?OFX OFXHEADER="200"?><OFX>&x;</OFX>`)).code).toBe('xml_dtd_forbidden');
    expect(refusal(() => parse(`${HEADER}<!ENTITY a "aaaa"><OFX></OFX>`)).code).toBe('xml_dtd_forbidden');
    expect(refusal(() => parse(VALID.replace('<FITID>F-3', '<CURRENCY><CURRATE>1.1<CURSYM>EUR</CURRENCY><FITID>F-3'))).code).toBe('mixed_currency');
    expect(refusal(() => parse(`${HEADER}<OFX><BANKMSGSRSV1 < </OFX>`)).code).toBe('ofx_malformed');
    expect(refusal(() => parse(VALID.replace('<CURDEF>USD', '<CURDEF>ZZZ'))).code).toBe('unknown_currency');
  });
});
