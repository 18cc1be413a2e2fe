/** MT940/MT942: real bank layouts, the structured :86: forms, and a generated round trip. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FormatError } from '../xml';
import { fromMinor } from './currencies';
import { parseStatementFile } from './parse';

const REAL = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'realdata', 'bank-statements', 'mt940');
const real = (path: string) => parseStatementFile(readFileSync(join(REAL, path)));
const text = (s: string) => parseStatementFile(Buffer.from(s));
const code = (s: string) => {
  try {
    text(s);
    return 'parsed';
  } catch (err) {
    return (err as FormatError).code;
  }
};

describe('MT940 parsing', () => {
  it('skips the Danske Bank preamble and reads all statements, which chain and balance', () => {
    const r = real('mt940-rs/mt940__full__danskebank__MT940_DK_Example.sta');
    expect(r.format).toBe('mt940');
    expect(r.statements).toHaveLength(15);
    expect(r.statements.reduce((a, s) => a + s.lines.length, 0)).toBe(89);
    expect(r.warnings).toContain('3 line(s) before the first :20: were skipped as a preamble');
    expect(r.check).toMatchObject({ ok: true, checked: ['balance'] });
    const [first, second] = r.statements;
    expect(first!.account.other).toBe('DABADKKK/1234567890');
    expect(first!.opening).toMatchObject({ amountMinor: 247892670n, currency: 'DKK', date: '2009-09-24' });
    expect(second!.opening!.amountMinor).toBe(first!.closing!.amountMinor);
    // "DK": debit with funds code K; customer reference and //bank reference split.
    expect(first!.lines[1]).toMatchObject({ direction: 'debit', amountMinor: 221400n, customerReference: 'Gebyrer ifolge', bankReference: 'nota', valueDate: '2009-10-01', bookingDate: '2009-09-30' });
  });

  it('reads the German ?20…?63 sub-fields: remittance (SVWZ+), end-to-end id (EREF+), payer name and IBAN', () => {
    const r = real('jejik-mt940/volksbankenraiffeisenbanken.txt');
    expect(r.statements[0]!.lines[0]).toMatchObject({
      direction: 'credit',
      amountMinor: 6500n,
      counterpartyName: 'Olivia Dorn',
      counterpartyAccount: 'DE40500105174675974588',
      counterpartyBic: 'HEISDE66',
      transactionCode: 'NMSC/166',
    });
    const sepa = text(`:20:X\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C240501EUR0,00\n:61:2405010501C12,50NTRFNONREF\n:86:166?00GUTSCHRIFT?20EREF+E2E-77?21SVWZ+Rechnung RE-2024-0\n?2201 danke?30COBADEFFXXX?31DE02120300000000202051?32Muster\n?33mann GmbH\n:62F:C240501EUR12,50\n-`);
    expect(sepa.statements[0]!.lines[0]).toMatchObject({ endToEndId: 'E2E-77', remittance: 'Rechnung RE-2024-001 danke', counterpartyName: 'Mustermann GmbH', counterpartyAccount: 'DE02120300000000202051' });
  });

  it('reads the Dutch /TAG/ form: /REMI/, /EREF/, /ORDP/ with /NAME/ and /IBAN/', () => {
    const r = real('kingsquare-php-mt940/Abn__issue48.sta');
    expect(r.statements[0]!.lines[1]).toMatchObject({
      direction: 'debit',
      amountMinor: 6263n,
      endToEndId: '012345678912361000',
      counterpartyName: 'XXXXXXXX B.V.',
      counterpartyAccount: 'NL37DEUT0123456789',
      remittance: '/INV/1511682351 1.12.2016',
    });
    const ordp = text(':20:R\n:25:NL91RABO0123456789\n:28C:1\n:60F:C240501EUR0,00\n:61:240501C5,00N122EREF//B1\n:86:/EREF/INV-9//ORDP//NAME/Klant B.V./ADDR/Straat 1/REMI/USTD//Factuur 2024-17/\n:62F:C240501EUR5,00\n');
    expect(ordp.statements[0]!.lines[0]).toMatchObject({ endToEndId: 'INV-9', counterpartyName: 'Klant B.V.', remittance: 'Factuur 2024-17', bankReference: 'B1' });
  });

  it('takes reversals the right way round and an entry date across the year end', () => {
    const r = text(':20:R\n:25:NL91RABO0123456789\n:28C:1\n:60F:C231231EUR100,00\n:61:2312310102RC10,00NTRFNONREF\n:61:231231RD5,00NTRFNONREF\n:62F:C240102EUR95,00\n');
    const [rc, rd] = r.statements[0]!.lines;
    expect([rc!.direction, rc!.reversal, rc!.bookingDate]).toEqual(['debit', true, '2024-01-02']);
    expect([rd!.direction, rd!.reversal]).toEqual(['credit', true]);
    expect(r.check.ok).toBe(true);
  });

  it('reads MT942 interim reports and checks their :90D:/:90C: totals', () => {
    const r = real('wolph-mt940/mBank__mt942.sta');
    expect(r.format).toBe('mt942');
    expect(r.check).toMatchObject({ ok: true, checked: ['credits', 'debits'] });
  });

  it('rejects fragments, impossible dates, unknown currencies and missing balances by name', () => {
    expect(code(':60F:C100318EUR380115,12\n')).toBe('mt940_no_statement');
    expect(code(':20:X\n:25:1\n:60F:C160229EUR1,00\n:61:160230D1,00NTRFNONREF\n:62F:C160301EUR0,00\n')).toBe('invalid_date');
    expect(code(':20:X\n:25:1\n:60F:C131016DEM1,00\n:62F:C131016DEM1,00\n')).toBe('unknown_currency');
    expect(code(':20:X\n:25:1\n:60F:C131016EUR1,00\n:61:131016D1,00NTRFNONREF\n')).toBe('mt940_missing_field');
    expect(code(':20:X\n:25:1\n:60F:C131016EUR1,00\n:61:131016D1,00NTRFNONREF\n:62F:C131016EUR1,0A\n')).toBe('invalid_amount');
    expect(code(':20:X\n:25:1\n:60F:C131016EUR1,00\n:62F:C1310EUR1,00\n')).toBe('invalid_balance');
  });

  it('round-trips generated statements: every amount, direction and date comes back, and the balance checks', () => {
    const line = fc.record({
      credit: fc.boolean(),
      minor: fc.bigInt({ min: 1n, max: 10n ** 12n }),
      day: fc.integer({ min: 1, max: 28 }),
      ref: fc.stringMatching(/^[A-Z0-9]{1,16}$/),
      remittance: fc.stringMatching(/^[A-Za-z0-9 .,-]{0,60}$/),
    });
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.array(line, { maxLength: 30 }), fc.boolean(), (openingMinor, lines, crlf) => {
        const amt = (m: bigint) => fromMinor(m < 0n ? -m : m, 'EUR').replace('.', ',');
        const bal = (tag: string, m: bigint) => `:${tag}:${m < 0n ? 'D' : 'C'}240501EUR${amt(m)}`;
        const closing = lines.reduce((a, l) => a + (l.credit ? l.minor : -l.minor), openingMinor);
        const body = [
          'Preamble the bank added',
          ':20:STMT1',
          ':25:DE89370400440532013000',
          ':28C:00001/001',
          bal('60F', openingMinor),
          ...lines.flatMap((l) => [
            `:61:2405${String(l.day).padStart(2, '0')}${l.credit ? 'C' : 'D'}${amt(l.minor)}NTRFNONREF//${l.ref}`,
            ...(l.remittance.trim() ? [`:86:/REMI/${l.remittance}`] : []),
          ]),
          bal('62F', closing),
          '-',
        ].join(crlf ? '\r\n' : '\n');
        const r = text(body);
        const s = r.statements[0]!;
        expect(s.lines.map((l) => [l.direction, l.amountMinor, l.bookingDate, l.bankReference])).toEqual(
          lines.map((l) => [l.credit ? 'credit' : 'debit', l.minor, `2024-05-${String(l.day).padStart(2, '0')}`, l.ref]),
        );
        expect(s.lines.map((l) => l.remittance ?? '')).toEqual(lines.map((l) => l.remittance.trim()));
        expect(r.check.ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
