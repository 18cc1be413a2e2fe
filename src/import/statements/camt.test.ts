/** camt.053/052/054 parsing on real files and on small hand-made documents for the edge cases. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FormatError } from '../xml';
import { parseStatementFile } from './parse';

const REAL = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'realdata', 'bank-statements', 'camt053');
const real = (path: string) => parseStatementFile(readFileSync(join(REAL, path)));
const xml = (s: string) => parseStatementFile(Buffer.from(s));

function camt053(body: string, version = '001.08') {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.${version}"><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-05-01</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">150.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-05-01</Dt></Dt></Bal>
${body}</Stmt></BkToCstmrStmt></Document>`;
}

const batch = `<Ntry><Amt Ccy="EUR">60.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2024-05-01</Dt></BookgDt><ValDt><Dt>2024-05-02</Dt></ValDt><AcctSvcrRef>BANKREF-9</AcctSvcrRef>
<NtryDtls>
 <TxDtls><Refs><EndToEndId>E2E-A</EndToEndId></Refs><Amt Ccy="EUR">25.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
  <RltdPties><Dbtr><Pty><Nm>Kunde &amp; Söhne GmbH</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct></RltdPties>
  <RmtInf><Ustrd>Rechnung 4711</Ustrd><Ustrd>und 4712</Ustrd></RmtInf></TxDtls>
 <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><Amt Ccy="EUR">35.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
  <RltdPties><Dbtr><Nm>Other AG</Nm></Dbtr></RltdPties>
  <RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
</NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><DtTm>2024-05-01T23:30:00+02:00</DtTm></BookgDt>
<AcctSvcrRef>BANKREF-10</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Cdtr><Pty><Nm>Lieferant KG</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>12345</Id></Othr></Id></CdtrAcct></RltdPties></TxDtls></NtryDtls></Ntry>`;

describe('camt parsing', () => {
  it('reads the Subite month statement: 264 entries, real balances that add up', () => {
    const r = real('subite-anonymized-real/BE68793230773034-202412.xml');
    expect(r.format).toBe('camt.053');
    expect(r.version).toBe('001.02');
    const [s] = r.statements;
    expect(s!.account.iban).toBe('BE68793230773034');
    expect(s!.currency).toBe('EUR');
    expect(s!.opening).toMatchObject({ type: 'OPBD', amountMinor: 8753912n, date: '2024-12-01' });
    expect(s!.closing).toMatchObject({ type: 'CLBD', amountMinor: 4196511n, date: '2024-12-31' });
    expect(s!.lines).toHaveLength(264);
    expect(r.check).toEqual({ ok: true, checked: ['balance'], issues: [] });
    expect(s!.lines[0]).toMatchObject({
      direction: 'debit',
      amountMinor: 750n,
      bookingDate: '2024-12-30',
      counterpartyName: 'Nova Holdings',
      counterpartyAccount: 'BE96444908270905',
      endToEndId: 'E2ETNFCXQJX16566916',
      // InstrId NOTPROVIDED is a placeholder, so the transaction id stands in.
      customerReference: '640964',
      remittance: 'Settlement SKRTEX9280',
      transactionCode: 'PMNT/ICDT/ISCT',
    });
  });

  it('chains the twelve daily camt.053.001.08 statements: each closing is the next opening', () => {
    const days = ['07', '08', '11', '12', '13', '14', '15', '18', '19', '20', '21', '22'];
    const statements = days.map((d) => real(`subite-anonymized-real/LT625883379695428516/CAMT_053_2024-03-${d}.xml`).statements.find((s) => s.account.other === 'LT625883379695428516')!);
    for (let i = 1; i < statements.length; i++) {
      expect(statements[i]!.opening!.amountMinor).toBe(statements[i - 1]!.closing!.amountMinor);
    }
    // The bank leaves CdtDbtInd out of its balances; that is said, not hidden.
    expect(statements[0]!.warnings[0]).toMatch(/no CdtDbtInd; read as a credit balance/);
  });

  it('expands a batch entry into one line per transaction, keeping the entry reference with an index', () => {
    const r = xml(camt053(batch));
    const lines = r.statements[0]!.lines;
    expect(lines.map((l) => [l.bankReference, l.entryIndex, l.amountMinor, l.direction])).toEqual([
      ['BANKREF-9/1', 1, 2500n, 'credit'],
      ['BANKREF-9/2', 1, 3500n, 'credit'],
      ['BANKREF-10', 2, 1000n, 'debit'],
    ]);
    expect(lines[0]).toMatchObject({
      counterpartyName: 'Kunde & Söhne GmbH',
      counterpartyAccount: 'DE02120300000000202051',
      remittance: 'Rechnung 4711 und 4712',
      endToEndId: 'E2E-A',
      valueDate: '2024-05-02',
      entryReference: 'BANKREF-9',
    });
    expect(lines[1]).toMatchObject({ endToEndId: null, structuredReference: 'RF18539007547034', counterpartyName: 'Other AG' });
    // A booking time is read as the bank's calendar day, not converted to another zone.
    expect(lines[2]).toMatchObject({ bookingDate: '2024-05-01', counterpartyName: 'Lieferant KG', counterpartyAccount: '12345' });
    expect(r.check.ok).toBe(true);
  });

  it('reports a balance that does not add up and a wrong transaction summary, without throwing', () => {
    const summary = `<TxsSummry><TtlNtries><NbOfNtries>3</NbOfNtries><Sum>70.00</Sum><TtlNetNtry><Amt>50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TtlNetNtry></TtlNtries>
      <TtlCdtNtries><NbOfNtries>1</NbOfNtries><Sum>60.00</Sum></TtlCdtNtries><TtlDbtNtries><NbOfNtries>1</NbOfNtries><Sum>10.00</Sum></TtlDbtNtries></TxsSummry>`;
    const ok = xml(camt053(summary + batch));
    // Entries, not transaction details, are what the bank counts: 2 entries, one of them a batch.
    expect(ok.check.issues.map((i) => i.check)).toEqual(['summary_count']);
    const bad = xml(camt053(batch).replace('<Amt Ccy="EUR">150.00</Amt>', '<Amt Ccy="EUR">151.00</Amt>'));
    expect(bad.check.ok).toBe(false);
    expect(bad.check.issues[0]).toMatchObject({ check: 'balance', expected: '151.00', actual: '150.00' });
  });

  it('says when transaction details do not add up to their entry', () => {
    const r = xml(camt053(batch.replace('<Amt Ccy="EUR">35.00</Amt>', '<Amt Ccy="EUR">34.00</Amt>')));
    expect(r.check.issues.map((i) => i.check)).toContain('details_sum');
  });

  it('reads camt.052 and camt.054, and a statement wrapped in a business application header', () => {
    const n = real('subite-anonymized-real/LT809872649478701594/CAMT_054_2024-03-07.xml');
    expect(n.format).toBe('camt.054');
    expect(n.version).toBe('001.10');
    expect(n.statements[0]!.lines).toHaveLength(31);
    expect(new Set(n.statements[0]!.lines.map((l) => l.status))).toEqual(new Set(['INFO']));
    expect(real('prowide/camt.053.001.07.xml').statements[0]!.lines).toHaveLength(0);
    expect(real('hbci4java/test-camt-parse-05200102.xml').format).toBe('camt.052');
  });

  it('rejects what it cannot read exactly, with the reason', () => {
    const reject = (s: string) => {
      try {
        xml(s);
      } catch (err) {
        return (err as FormatError).code;
      }
      return 'parsed';
    };
    expect(reject(camt053(batch.replace('25.00', '25.001')))).toBe('too_many_decimals');
    expect(reject(camt053(batch.replaceAll('EUR', 'XYZ')))).toBe('unknown_currency');
    expect(reject(camt053(batch.replace('<CdtDbtInd>DBIT</CdtDbtInd>', '<CdtDbtInd>DEBIT</CdtDbtInd>')))).toBe('invalid_direction');
    expect(reject(camt053(batch.replace('2024-05-02', '2024-02-30')))).toBe('invalid_date');
    expect(reject(camt053('').replace('camt.053.001.08', 'camt'))).toBe('camt_unknown_version');
  });
});
