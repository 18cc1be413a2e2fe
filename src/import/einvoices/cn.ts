/**
 * Chinese electronic invoices, as far as their XML carries the data:
 *  - the structured 增值税电子普通发票 file (edrm "e-invoice/2019" schema, original_invoice.xml
 *    inside the OFD container);
 *  - the Ministry of Finance XBRL accounting data file (电子凭证会计数据, inv_ord_issuer);
 *  - a 数电票 OFD, from its two parts: the CustomTag map (field → text object ids) and the page
 *    content holding those text objects.
 * The amounts are CNY. 价税合计 (total with tax) = 合计金额 (without tax) + 合计税额 (tax).
 */
import { all, attr, FormatError, one, type ParsedXml, text, textOf, texts, type XmlValue } from '../xml';
import { amount, dateOf, requireField } from './common';
import type { EInvoice, EInvoiceLine, EInvoiceParty } from './model';

const CN_PARTY = (name: string | null, taxId: string | null): EInvoiceParty => ({
  name,
  registrationName: null,
  vatId: taxId,
  taxIds: [],
  legalId: null,
  country: 'CN',
});

/** "13%" → "13"; 免税 (exempt) and 不征税 (not taxable) are a zero rate. */
const percent = (v: string | undefined) => {
  if (v === undefined || v.trim() === '') return null;
  if (/免税|不征税|\*\*\*/.test(v)) return '0';
  return v.replace('%', '').trim();
};

/** Tax amounts print as "***" on exempt invoices: no tax. */
const cnAmount = (v: string | undefined, where: string) => amount(v?.trim() === '***' ? '0' : v, where);

function base(partial: Partial<EInvoice> & Pick<EInvoice, 'syntax' | 'number' | 'issueDate' | 'seller' | 'buyer' | 'lines' | 'totals'>): EInvoice {
  const negative = partial.totals.taxInclusive?.startsWith('-') ?? false;
  return {
    profile: null,
    // A red-letter invoice (红字发票) carries negative amounts.
    documentType: negative ? 'credit_note' : 'invoice',
    typeCode: null,
    invoiceCode: null,
    dueDate: null,
    currency: 'CNY',
    allowanceCharges: [],
    taxBreakdown: [],
    referencedInvoices: [],
    buyerReference: null,
    orderReference: null,
    paymentReference: null,
    payeeAccount: null,
    notes: [],
    warnings: [],
    ...partial,
  };
}

/** edrm e-invoice (fp: namespace) with the values inline. */
export function parseEdrm(xml: ParsedXml): EInvoice {
  const doc = xml.doc;
  if (one(doc, 'InvoiceNo/ObjectRef') !== undefined || one(doc, 'InvoiceCode/ObjectRef') !== undefined) {
    throw new FormatError('ofd_tag_map', 'this is an OFD tag map: its fields point at text objects on the OFD page; parse the OFD page content together with it, or the original_invoice.xml attachment');
  }
  if (text(doc, 'InvoiceNo') === undefined && text(doc, 'InvoiceCode') === undefined) {
    throw new FormatError('missing_number', 'the e-invoice has no InvoiceNo or InvoiceCode (an empty document)');
  }
  const lines: EInvoiceLine[] = all(doc, 'GoodsInfos/GoodsInfo').map((g, i) => ({
    id: String(i + 1),
    description: text(g, 'Item') ?? `line ${i + 1}`,
    quantity: amount(text(g, 'Quantity'), `line ${i + 1} quantity`),
    unitCode: text(g, 'MeasurementDimension') ?? null,
    unitPrice: amount(text(g, 'Price'), `line ${i + 1} price`),
    netAmount: requireField(amount(text(g, 'Amount'), `line ${i + 1} amount`), 'invalid_line', `line ${i + 1} has no Amount`),
    taxCategory: null,
    taxRate: percent(text(g, 'TaxScheme')),
    taxAmount: cnAmount(text(g, 'TaxAmount'), `line ${i + 1} tax`),
    includedInTotal: true,
  }));
  return base({
    syntax: 'cn-edrm',
    typeCode: text(doc, 'TypeCode') ?? null,
    number: requireField(text(doc, 'InvoiceNo'), 'missing_number', 'the e-invoice has no InvoiceNo'),
    invoiceCode: text(doc, 'InvoiceCode') ?? null,
    issueDate: requireField(dateOf(text(doc, 'IssueDate'), 'IssueDate'), 'missing_date', 'the e-invoice has no IssueDate'),
    seller: CN_PARTY(text(doc, 'Seller/SellerName') ?? null, text(doc, 'Seller/SellerTaxID') ?? null),
    buyer: CN_PARTY(text(doc, 'Buyer/BuyerName') ?? null, text(doc, 'Buyer/BuyerTaxID') ?? null),
    lines,
    totals: {
      lineTotal: null,
      allowanceTotal: null,
      chargeTotal: null,
      taxExclusive: amount(text(doc, 'TaxExclusiveTotalAmount'), 'TaxExclusiveTotalAmount'),
      taxTotal: cnAmount(text(doc, 'TaxTotalAmount'), 'TaxTotalAmount'),
      taxInclusive: amount(text(doc, 'TaxInclusiveTotalAmount'), 'TaxInclusiveTotalAmount'),
      prepaid: null,
      rounding: null,
      payable: null,
    },
    notes: texts(doc, 'Note'),
  });
}

/** MOF XBRL accounting data (inv: taxonomy). */
export function parseXbrl(xml: ParsedXml): EInvoice {
  const doc = xml.doc;
  const lines: EInvoiceLine[] = all(doc, 'InformationOfTaxableGoodsOrServicesDetailItemsTuple').map((g, i) => ({
    id: String(i + 1),
    description: text(g, 'NameOfTaxableGoodsOrServices') ?? `line ${i + 1}`,
    quantity: amount(text(g, 'QuantityOfGoodsOrServices'), `line ${i + 1} quantity`),
    unitCode: text(g, 'UnitOfGoodsOrServices') ?? null,
    unitPrice: amount(text(g, 'UnitPriceOfGoodsOrServices'), `line ${i + 1} price`),
    netAmount: requireField(amount(text(g, 'AmountExcludingTax'), `line ${i + 1} amount`), 'invalid_line', `line ${i + 1} has no AmountExcludingTax`),
    taxCategory: null,
    taxRate: percent(text(g, 'TaxRate')),
    taxAmount: cnAmount(text(g, 'TaxAmount'), `line ${i + 1} tax`),
    includedInTotal: true,
  }));
  return base({
    syntax: 'cn-xbrl',
    typeCode: text(doc, 'TypeOfInvoice') ?? null,
    number: requireField(text(doc, 'NumberOfInvoice', 'UniqueCodeOfInvoice'), 'missing_number', 'the XBRL file has no NumberOfInvoice'),
    invoiceCode: text(doc, 'CodeOfInvoice') ?? null,
    issueDate: requireField(dateOf(text(doc, 'DateOfIssue'), 'DateOfIssue'), 'missing_date', 'the XBRL file has no DateOfIssue'),
    seller: CN_PARTY(text(doc, 'NameOfSeller') ?? null, text(doc, 'TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfSeller') ?? null),
    buyer: CN_PARTY(text(doc, 'NameOfPurchaser') ?? null, text(doc, 'TaxpayerIdentificationNumberUnifiedSocialCreditCodeOfPurchaser') ?? null),
    lines,
    totals: {
      lineTotal: null,
      allowanceTotal: null,
      chargeTotal: null,
      taxExclusive: amount(text(doc, 'TotalAmountExcludingTax'), 'TotalAmountExcludingTax'),
      taxTotal: amount(text(doc, 'TotalTaxAmount'), 'TotalTaxAmount'),
      taxInclusive: amount(text(doc, 'TaxIncludedAmountInFigures'), 'TaxIncludedAmountInFigures'),
      prepaid: null,
      rounding: null,
      payable: null,
    },
    notes: texts(doc, 'Remarks'),
  });
}

/**
 * A 数电票 from its OFD parts. customTag maps each field to text object ids; page holds the
 * objects. Values are the texts of the referenced objects joined, without the "¥" signs.
 */
export function parseOfdInvoice(customTag: ParsedXml, page: ParsedXml): EInvoice {
  const objects = new Map<string, string>();
  const visit = (v: XmlValue | undefined) => {
    if (v === undefined || typeof v === 'string') return;
    for (const obj of all(v, 'TextObject')) {
      const id = attr(obj, 'ID');
      if (id) objects.set(id, all(obj, 'TextCode').map((t) => textOf(t) ?? '').join(''));
    }
    for (const [k, child] of Object.entries(v)) {
      if (k.startsWith('@_') || k === 'TextObject') continue;
      for (const c of Array.isArray(child) ? child : [child]) visit(c);
    }
  };
  visit(page.doc);
  const field = (path: string): string | undefined => {
    const refs = all(customTag.doc, `${path}/ObjectRef`).map((r) => textOf(r));
    if (!refs.length) return undefined;
    const value = refs.map((id) => (id ? (objects.get(id) ?? '') : '')).join('').replace(/[¥￥]/g, '').trim();
    return value || undefined;
  };
  if (!objects.size) throw new FormatError('ofd_no_text', 'the OFD page content holds no text objects');
  const item = field('Item');
  const lines: EInvoiceLine[] = item
    ? [
        {
          id: '1',
          description: item,
          quantity: amount(field('Quantity'), 'quantity'),
          unitCode: null,
          unitPrice: amount(field('Price'), 'price'),
          netAmount: requireField(amount(field('Amount'), 'line amount'), 'invalid_line', 'the line has no amount'),
          taxCategory: null,
          taxRate: percent(field('TaxScheme')),
          taxAmount: amount(field('TaxAmount'), 'line tax'),
          includedInTotal: true,
        },
      ]
    : [];
  return base({
    syntax: 'cn-ofd',
    number: requireField(field('InvoiceNo'), 'missing_number', 'the OFD invoice has no InvoiceNo text'),
    issueDate: requireField(dateOf(field('IssueDate'), 'IssueDate'), 'missing_date', 'the OFD invoice has no IssueDate text'),
    seller: CN_PARTY(field('Seller/SellerName') ?? null, field('Seller/SellerTaxID') ?? null),
    buyer: CN_PARTY(field('Buyer/BuyerName') ?? null, field('Buyer/BuyerTaxID') ?? null),
    lines,
    totals: {
      lineTotal: null,
      allowanceTotal: null,
      chargeTotal: null,
      taxExclusive: amount(field('TaxExclusiveTotalAmount'), 'TaxExclusiveTotalAmount'),
      taxTotal: amount(field('TaxTotalAmount'), 'TaxTotalAmount'),
      taxInclusive: amount(field('TaxInclusiveTotalAmount'), 'TaxInclusiveTotalAmount'),
      prepaid: null,
      rounding: null,
      payable: null,
    },
    notes: field('Note') ? [field('Note')!] : [],
  });
}
