/**
 * OASIS UBL 2.1 Invoice and CreditNote, as used by Peppol BIS Billing 3.0, XRechnung (UBL) and
 * EN 16931. Other UBL documents (DebitNote, Reminder, Statement …) are refused by name.
 */
import { all, attr, FormatError, one, type ParsedXml, text, texts, type XmlValue } from '../xml';
import { amount, dateOf, documentTypeOf, oneLine, requireField } from './common';
import type { EInvoice, EInvoiceParty } from './model';

export const UBL_INVOICE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2';
export const UBL_CREDIT_NOTE_NS = 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2';

function party(p: XmlValue | undefined): EInvoiceParty {
  let vatId: string | null = null;
  const taxIds: string[] = [];
  for (const scheme of all(p, 'PartyTaxScheme')) {
    const id = text(scheme, 'CompanyID');
    if (!id) continue;
    if ((text(scheme, 'TaxScheme/ID') ?? 'VAT').toUpperCase() === 'VAT' && vatId === null) vatId = id;
    else taxIds.push(id);
  }
  return {
    name: oneLine(text(p, 'PartyName/Name', 'PartyLegalEntity/RegistrationName')),
    registrationName: oneLine(text(p, 'PartyLegalEntity/RegistrationName')),
    vatId,
    taxIds,
    legalId: text(p, 'PartyLegalEntity/CompanyID', 'PartyIdentification/ID') ?? null,
    country: text(p, 'PostalAddress/Country/IdentificationCode') ?? null,
  };
}

export function parseUbl(xml: ParsedXml): EInvoice {
  if (xml.root !== 'Invoice' && xml.root !== 'CreditNote') {
    throw new FormatError('unsupported_document', `UBL ${xml.root} documents are not imported; only Invoice and CreditNote are`);
  }
  const doc = xml.doc;
  const isCredit = xml.root === 'CreditNote';
  const typeCode = text(doc, isCredit ? 'CreditNoteTypeCode' : 'InvoiceTypeCode') ?? null;
  // UBL itself lets the currency ride on the amounts only (EN 16931 requires the code).
  const currency = requireField(
    text(doc, 'DocumentCurrencyCode') ?? attr(one(doc, 'LegalMonetaryTotal/PayableAmount'), 'currencyID'),
    'missing_currency',
    'the document has no DocumentCurrencyCode and its PayableAmount no currencyID',
  );
  // A document may carry a second TaxTotal in the tax accounting currency; use the document's.
  const taxTotals = all(doc, 'TaxTotal');
  const taxTotal = taxTotals.find((t) => (attr(one(t, 'TaxAmount'), 'currencyID') ?? currency) === currency) ?? taxTotals[0];
  const m = one(doc, 'LegalMonetaryTotal');
  const lines = all(doc, isCredit ? 'CreditNoteLine' : 'InvoiceLine').map((l, i) => {
    const where = `line ${i + 1}`;
    const qtyNode = one(l, isCredit ? 'CreditedQuantity' : 'InvoicedQuantity');
    const name = text(l, 'Item/Name');
    const description = text(l, 'Item/Description');
    return {
      id: text(l, 'ID') ?? null,
      description: oneLine([name, description && description !== name ? description : undefined].filter(Boolean).join(' — ')) ?? `line ${i + 1}`,
      quantity: amount(text(l, isCredit ? 'CreditedQuantity' : 'InvoicedQuantity'), `${where} quantity`),
      unitCode: attr(qtyNode, 'unitCode') ?? null,
      unitPrice: amount(text(l, 'Price/PriceAmount'), `${where} price`),
      netAmount: requireField(amount(text(l, 'LineExtensionAmount'), `${where} net amount`), 'invalid_line', `${where} has no LineExtensionAmount`),
      taxCategory: text(l, 'Item/ClassifiedTaxCategory/ID') ?? null,
      taxRate: amount(text(l, 'Item/ClassifiedTaxCategory/Percent'), `${where} tax rate`),
      taxAmount: null,
      includedInTotal: true,
    };
  });
  return {
    syntax: 'ubl',
    profile: text(doc, 'CustomizationID') ?? null,
    documentType: documentTypeOf(typeCode, isCredit ? 'credit_note' : 'invoice'),
    typeCode,
    number: requireField(text(doc, 'ID'), 'missing_number', 'the document has no ID (invoice number)'),
    invoiceCode: null,
    issueDate: requireField(dateOf(text(doc, 'IssueDate'), 'IssueDate'), 'missing_date', 'the document has no IssueDate'),
    dueDate: dateOf(text(doc, 'DueDate', 'PaymentMeans/PaymentDueDate', 'PaymentTerms/PaymentDueDate'), 'DueDate'),
    currency,
    seller: party(one(doc, 'AccountingSupplierParty/Party')),
    buyer: party(one(doc, 'AccountingCustomerParty/Party')),
    lines,
    allowanceCharges: all(doc, 'AllowanceCharge').map((a, i) => ({
      charge: text(a, 'ChargeIndicator') === 'true',
      amount: requireField(amount(text(a, 'Amount'), `allowance/charge ${i + 1}`), 'invalid_amount', `allowance/charge ${i + 1} has no Amount`),
      reason: text(a, 'AllowanceChargeReason') ?? null,
    })),
    taxBreakdown: all(taxTotal, 'TaxSubtotal').map((s, i) => ({
      category: text(s, 'TaxCategory/ID') ?? null,
      rate: amount(text(s, 'TaxCategory/Percent', 'Percent'), `VAT breakdown ${i + 1} rate`),
      taxableAmount: amount(text(s, 'TaxableAmount'), `VAT breakdown ${i + 1} taxable amount`),
      taxAmount: requireField(amount(text(s, 'TaxAmount'), `VAT breakdown ${i + 1}`), 'invalid_amount', `VAT breakdown ${i + 1} has no TaxAmount`),
    })),
    totals: {
      lineTotal: amount(text(m, 'LineExtensionAmount'), 'LineExtensionAmount'),
      allowanceTotal: amount(text(m, 'AllowanceTotalAmount'), 'AllowanceTotalAmount'),
      chargeTotal: amount(text(m, 'ChargeTotalAmount'), 'ChargeTotalAmount'),
      taxExclusive: amount(text(m, 'TaxExclusiveAmount'), 'TaxExclusiveAmount'),
      taxTotal: amount(text(taxTotal, 'TaxAmount'), 'TaxAmount'),
      taxInclusive: amount(text(m, 'TaxInclusiveAmount'), 'TaxInclusiveAmount'),
      prepaid: amount(text(m, 'PrepaidAmount'), 'PrepaidAmount'),
      rounding: amount(text(m, 'PayableRoundingAmount'), 'PayableRoundingAmount'),
      payable: amount(text(m, 'PayableAmount'), 'PayableAmount'),
    },
    referencedInvoices: texts(doc, 'BillingReference/InvoiceDocumentReference/ID'),
    buyerReference: text(doc, 'BuyerReference') ?? null,
    orderReference: text(doc, 'OrderReference/ID') ?? null,
    paymentReference: text(doc, 'PaymentMeans/PaymentID') ?? null,
    payeeAccount: text(doc, 'PaymentMeans/PayeeFinancialAccount/ID') ?? null,
    notes: texts(doc, 'Note'),
    warnings: [],
  };
}
