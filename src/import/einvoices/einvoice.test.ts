/**
 * E-invoice parsing: UBL (Peppol BIS 3), CII (Factur-X/ZUGFeRD 2, ZUGFeRD 1.0) and Chinese
 * e-invoice XML, and the check of each document against its own totals. The Chinese files are
 * real invoices of real companies: used here only, never in demos or screenshots.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../xml';
import { percentToFraction } from './decimal';
import { parseEInvoiceFile, parseOfdParts } from './parse';

const REAL = join(import.meta.dirname, '..', '..', '..', 'tests', 'fixtures', 'realdata', 'einvoices');
const bytes = (p: string) => readFileSync(join(REAL, p));
const parse = (p: string) => parseEInvoiceFile(bytes(p));

describe('e-invoice parsing', () => {
  it('reads a Peppol BIS 3 UBL invoice into the normalized form, and its totals add up', () => {
    const { invoice: i, check } = parse('ubl/peppol-bis-billing-3/base-example.xml');
    expect(i).toMatchObject({
      syntax: 'ubl',
      documentType: 'invoice',
      typeCode: '380',
      number: 'Snippet1',
      issueDate: '2017-11-13',
      dueDate: '2017-12-01',
      currency: 'EUR',
      seller: { name: 'SupplierTradingName Ltd.', registrationName: 'SupplierOfficialName Ltd', vatId: 'GB1232434', legalId: 'GB983294', country: 'GB' },
      buyer: { name: 'BuyerTradingName AS', vatId: 'SE4598375937', country: 'SE' },
      totals: { lineTotal: '1300.00', chargeTotal: '25.00', taxExclusive: '1325.00', taxTotal: '331.25', taxInclusive: '1656.25', payable: '1656.25' },
      taxBreakdown: [{ category: 'S', rate: '25.00', taxableAmount: '1325.00', taxAmount: '331.25' }],
      paymentReference: 'Snippet1',
      payeeAccount: 'IBAN32423940',
    });
    expect(i.lines.map((l) => [l.description, l.quantity, l.unitPrice, l.netAmount, l.taxCategory, l.taxRate])).toEqual([
      ['item name — Description of item', '7.00', '400.00', '2800.00', 'S', '25.00'],
      ['item name 2 — Description 2', '-3.00', '500.00', '-1500.00', 'S', '25.00'],
    ]);
    expect(check).toEqual({ ok: true, checked: ['BR-CO-10', 'BR-CO-12', 'BR-CO-13', 'BR-CO-14', 'BR-CO-15', 'BR-CO-16'], issues: [] });
  });

  it('reads a UBL credit note with the invoice it credits', () => {
    const { invoice: i } = parse('ubl/peppol-bis-billing-3/base-creditnote-correction.xml');
    expect([i.documentType, i.typeCode, i.number, i.referencedInvoices, i.totals.payable]).toEqual(['credit_note', '381', 'Snippet1', ['Snippet1'], '1656.25']);
  });

  it('reports every total that the document states wrongly, rule by rule', () => {
    const text = bytes('ubl/peppol-bis-billing-3/base-example.xml').toString('utf8').replace('<cbc:PayableAmount currencyID="EUR">1656.25', '<cbc:PayableAmount currencyID="EUR">1656.26');
    const { check } = parseEInvoiceFile(Buffer.from(text));
    expect(check.ok).toBe(false);
    expect(check.issues).toEqual([{ rule: 'BR-CO-16', message: 'amount due = total with VAT − prepaid + rounding', expected: '1656.26', actual: '1656.25' }]);
    // The OASIS sample really is off by 0.30 (its VAT total does not match its lines).
    expect(parse('ubl/oasis-ubl-examples/UBL-Invoice-2.1-Example.xml').check.issues.map((x) => x.rule)).toEqual(['BR-CO-15', 'BR-CO-16']);
  });

  it('reads UN/CEFACT CII (Factur-X EN 16931) including VAT ids by scheme', () => {
    const { invoice: i, check } = parse('cii/horstoeko-zugferd/xml_en16931_1.xml');
    expect(i).toMatchObject({
      syntax: 'cii',
      number: '471102',
      issueDate: '2018-03-05',
      seller: { name: 'Lieferant GmbH', vatId: 'DE123456789', taxIds: ['201/113/40209'] },
      buyer: { name: 'Kunden AG Mitte' },
      totals: { lineTotal: '473.00', taxTotal: '56.87', taxInclusive: '529.87', payable: '529.87' },
    });
    expect(i.lines.map((l) => [l.description, l.quantity, l.unitPrice, l.netAmount, l.taxRate])).toEqual([
      ['Trennblätter A4', '20.00', '9.90', '198.00', '19.00'],
      ['Joghurt Banane', '50.00', '5.50', '275.00', '7.00'],
    ]);
    expect(check.ok).toBe(true);
  });

  it('knows the CII type codes: 381 credit note, 384 corrected and 389 self-billed invoices', () => {
    expect(parse('cii/zugferd-facturx-2.5.2/en16931__factur-x-10.xml').invoice).toMatchObject({ typeCode: '389', documentType: 'invoice' });
    expect(parse('cii/xrechnung-testsuite/01.18a-INVOICE_uncefact.xml').invoice).toMatchObject({ typeCode: '384', documentType: 'invoice' });
    const xml = bytes('cii/horstoeko-zugferd/xml_en16931_1.xml').toString('utf8').replace('<ram:TypeCode>380</ram:TypeCode>', '<ram:TypeCode>381</ram:TypeCode>');
    expect(parseEInvoiceFile(Buffer.from(xml)).invoice.documentType).toBe('credit_note');
    const bad = xml.replace('<ram:TypeCode>381</ram:TypeCode>', '<ram:TypeCode>23</ram:TypeCode>');
    expect(() => parseEInvoiceFile(Buffer.from(bad))).toThrow(/type code 23 is neither an invoice nor a credit note/);
  });

  it('sums Factur-X EXTENDED group lines once (sub-lines detail their group) and counts logistics charges', () => {
    const { invoice: i, check } = parse('cii/zugferd-facturx-2.5.2/extended__factur-x-22.xml');
    expect(i.lines.filter((l) => l.includedInTotal).map((l) => [l.id, l.netAmount])).toEqual([
      ['01', '1050.00'],
      ['02', '450.00'],
    ]);
    expect(check.ok).toBe(true);
    expect(parse('cii/horstoeko-zugferd/xml_extended_1.xml').invoice.allowanceCharges.filter((a) => a.charge)).toEqual([
      { charge: true, amount: '15.00', reason: 'Transportkosten: Frachbetrag' },
    ]);
  });

  it('reads ZUGFeRD 1.0 and the MINIMUM profile without lines', () => {
    const zf1 = parse('cii/akretion-factur-x/zugferd-extended.xml');
    expect([zf1.invoice.syntax, zf1.invoice.number, zf1.invoice.lines.length, zf1.invoice.totals.payable]).toEqual(['zugferd1', 'KR87654321012', 5, '1256.70']);
    expect(zf1.invoice.warnings[0]).toMatch(/line item 1 has no product and no amount; read as a note: Wichtige Information/);
    // Its cash discount is written as a negative allowance (−21.55) while the total says 21.55.
    expect(zf1.check.issues).toEqual([expect.objectContaining({ rule: 'BR-CO-11', expected: '21.55', actual: '-21.55' })]);
    const min = parse('cii/zugferd-facturx-2.5.2/minimum__factur-x-1.xml');
    expect([min.invoice.lines.length, min.invoice.totals.payable, min.check.checked]).toEqual([0, '235.62', ['BR-CO-15', 'BR-CO-16']]);
  });

  it('reads a Chinese VAT e-invoice (edrm e-invoice/2019): 价税合计 = 金额 + 税额', () => {
    const { invoice: i, check } = parse('cn/ofdrw/vat-e-normal-2020-a__Attachs_original_invoice.xml');
    expect(i).toMatchObject({
      syntax: 'cn-edrm',
      number: '83089647',
      invoiceCode: '033002000211',
      issueDate: '2020-07-23',
      currency: 'CNY',
      totals: { taxExclusive: '510.68', taxTotal: '15.32', taxInclusive: '526.00' },
    });
    expect(i.seller.vatId).toMatch(/^[0-9A-Z]{18}$/);
    expect(i.buyer.vatId).toMatch(/^[0-9A-Z]{18}$/);
    expect(i.lines).toHaveLength(1);
    expect(i.lines[0]).toMatchObject({ netAmount: '510.68', taxAmount: '15.32', taxRate: '3' });
    expect(check).toEqual({ ok: true, checked: ['CN-1', 'CN-2', 'BR-CO-15'], issues: [] });
    // Tax-exempt (免税): the tax prints as ***.
    const exempt = parse('cn/ofdrw/vat-e-normal-2020-b__Attachs_original_invoice.xml');
    expect([exempt.invoice.lines[0]!.taxRate, exempt.invoice.totals.taxTotal, exempt.check.ok]).toEqual(['0', '0.00', true]);
  });

  it('reads the MOF XBRL accounting file and a 数电票 OFD from its tag map and page', () => {
    const x = parse('cn/ofdrw/xbrl-mof-2022__Attachs_inv_ord_issuer_20220901_03300220021199934328.xml');
    expect([x.invoice.number, x.invoice.issueDate, x.invoice.totals.taxInclusive, x.invoice.lines[0]!.taxRate, x.check.ok]).toEqual(['99934328', '2022-09-01', '11.20', '13.00', true]);
    const ofd = parseOfdParts(bytes('cn/ofdrw/shudian-2024-vat-special__Tags_CustomTag.xml'), bytes('cn/ofdrw/shudian-2024-vat-special__Pages_Page_0_Content.xml'));
    expect(ofd.invoice).toMatchObject({
      syntax: 'cn-ofd',
      number: '24112000000048542163',
      issueDate: '2024-05-28',
      totals: { taxExclusive: '4197.17', taxTotal: '251.83', taxInclusive: '4449.00' },
    });
    expect(ofd.check.ok).toBe(true);
    expect(() => parse('cn/ofdrw/shudian-2024-vat-special__Tags_CustomTag.xml')).toThrow(FormatError);
  });

  it('refuses documents it does not import, by name', () => {
    const code = (p: string) => {
      try {
        parse(p);
        return 'parsed';
      } catch (err) {
        return (err as FormatError).code;
      }
    };
    expect(code('ubl/oasis-ubl-examples/UBL-Reminder-2.1-Example.xml')).toBe('unsupported_document');
    expect(code('cii/fr-ctc-cdar-lifecycle/UC1_F202500003_01-CDV-200_Deposee.xml')).toBe('unsupported_document');
    expect(code('cn/ofdrw/vat-e-normal-2020-e-multiline__Tags_Tag_Invoice.xml')).toBe('ofd_tag_map');
    expect(parse('ubl/oasis-ubl-examples/UBL-Invoice-2.1-Example-Trivial.xml').invoice.currency).toBe('CAD');
  });

  it('turns percentages into the ledger’s fractions exactly', () => {
    expect(['19', '7.00', '13%', '0', '7.5'].map(percentToFraction)).toEqual(['0.19', '0.07', '0.13', '0', '0.075']);
  });
});
