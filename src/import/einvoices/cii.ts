/**
 * UN/CEFACT Cross Industry Invoice D16B (Factur-X / ZUGFeRD 2.x, XRechnung CII, EN 16931) and its
 * predecessor ZUGFeRD 1.0 CrossIndustryDocument, whose element names differ in the aggregates
 * (HeaderExchangedDocument, ApplicableSupplyChainTradeAgreement …) but not in the fields.
 */
import { all, attr, FormatError, first, one, type ParsedXml, text, textOf, texts, type XmlValue } from '../xml';
import { amount, dateOf, documentTypeOf, oneLine, requireField } from './common';
import type { EInvoice, EInvoiceParty } from './model';

function party(p: XmlValue | undefined): EInvoiceParty {
  let vatId: string | null = null;
  const taxIds: string[] = [];
  for (const reg of all(p, 'SpecifiedTaxRegistration')) {
    const idNode = one(reg, 'ID');
    const id = text(reg, 'ID');
    if (!id) continue;
    if ((attr(idNode, 'schemeID') ?? 'VA') === 'VA' && vatId === null) vatId = id;
    else taxIds.push(id);
  }
  return {
    name: oneLine(text(p, 'Name')),
    registrationName: oneLine(text(p, 'SpecifiedLegalOrganization/TradingBusinessName')),
    vatId,
    taxIds,
    legalId: text(p, 'SpecifiedLegalOrganization/ID', 'ID', 'GlobalID') ?? null,
    country: text(p, 'PostalTradeAddress/CountryID') ?? null,
  };
}

/** DateTimeString format 102 (YYYYMMDD) is the only one EN 16931 allows. */
function cefactDate(node: XmlValue | undefined, path: string, where: string): string | null {
  const n = one(node, path);
  if (n === undefined) return null;
  const format = attr(n, 'format');
  if (format !== undefined && format !== '102') throw new FormatError('invalid_date', `${where}: date format ${format} is not supported (only 102, YYYYMMDD)`);
  return dateOf(text(n, 'DateTimeString') ?? text(node, path), where);
}

/** The first amount at a path in the invoice currency (CII may repeat TaxTotalAmount per currency). */
function amountIn(node: XmlValue | undefined, path: string, currency: string, where: string): string | null {
  const nodes = all(node, path);
  const match = nodes.find((n) => (attr(n, 'currencyID') ?? currency) === currency) ?? nodes[0];
  return amount(textOf(match), where);
}

export function parseCii(xml: ParsedXml): EInvoice {
  const doc = xml.doc;
  const zf1 = xml.root === 'CrossIndustryDocument';
  const header = first(doc, 'ExchangedDocument', 'HeaderExchangedDocument');
  const tx = first(doc, 'SupplyChainTradeTransaction', 'SpecifiedSupplyChainTradeTransaction');
  if (!header || !tx) throw new FormatError('invalid_document', 'the CII document has no ExchangedDocument or SupplyChainTradeTransaction');
  const agreement = first(tx, 'ApplicableHeaderTradeAgreement', 'ApplicableSupplyChainTradeAgreement');
  const settlement = first(tx, 'ApplicableHeaderTradeSettlement', 'ApplicableSupplyChainTradeSettlement');
  const sums = first(settlement, 'SpecifiedTradeSettlementHeaderMonetarySummation', 'SpecifiedTradeSettlementMonetarySummation');
  const typeCode = text(header, 'TypeCode') ?? null;
  const currency = requireField(text(settlement, 'InvoiceCurrencyCode'), 'missing_currency', 'the document has no InvoiceCurrencyCode');
  const warnings: string[] = [];
  const notes = texts(header, 'IncludedNote/Content');
  const items = all(tx, 'IncludedSupplyChainTradeLineItem').filter((l, i) => {
    // ZUGFeRD 1.0 allows a "line" that is only a note: no product, no amount.
    if (one(l, 'SpecifiedTradeProduct') === undefined && !text(l, 'SpecifiedSupplyChainTradeSettlement/SpecifiedTradeSettlementMonetarySummation/LineTotalAmount', 'SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount')) {
      const note = texts(l, 'AssociatedDocumentLineDocument/IncludedNote/Content').join(' ');
      warnings.push(`line item ${i + 1} has no product and no amount; read as a note${note ? `: ${note.slice(0, 80)}` : ''}`);
      if (note) notes.push(note);
      return false;
    }
    return true;
  });
  const lines = items.map((l, i) => {
    const where = `line ${i + 1}`;
    const status = text(l, 'AssociatedDocumentLineDocument/LineStatusReasonCode');
    const lineAgreement = first(l, 'SpecifiedLineTradeAgreement', 'SpecifiedSupplyChainTradeAgreement');
    const lineDelivery = first(l, 'SpecifiedLineTradeDelivery', 'SpecifiedSupplyChainTradeDelivery');
    const lineSettlement = first(l, 'SpecifiedLineTradeSettlement', 'SpecifiedSupplyChainTradeSettlement');
    const lineSum = first(lineSettlement, 'SpecifiedTradeSettlementLineMonetarySummation', 'SpecifiedTradeSettlementMonetarySummation');
    const name = text(l, 'SpecifiedTradeProduct/Name');
    const description = text(l, 'SpecifiedTradeProduct/Description');
    return {
      id: text(l, 'AssociatedDocumentLineDocument/LineID') ?? null,
      description: oneLine([name, description && description !== name ? description : undefined].filter(Boolean).join(' — ')) ?? `line ${i + 1}`,
      quantity: amount(text(lineDelivery, 'BilledQuantity'), `${where} quantity`),
      unitCode: attr(one(lineDelivery, 'BilledQuantity'), 'unitCode') ?? null,
      unitPrice: amount(text(lineAgreement, 'NetPriceProductTradePrice/ChargeAmount'), `${where} price`),
      netAmount: requireField(amountIn(lineSum, 'LineTotalAmount', currency, `${where} net amount`), 'invalid_line', `${where} has no LineTotalAmount`),
      taxCategory: text(lineSettlement, 'ApplicableTradeTax/CategoryCode') ?? null,
      taxRate: amount(text(lineSettlement, 'ApplicableTradeTax/RateApplicablePercent', 'ApplicableTradeTax/ApplicablePercent'), `${where} tax rate`),
      taxAmount: null,
      // EXTENDED line hierarchy: a DETAIL under a parent is already inside its GROUP line's amount.
      includedInTotal: !text(l, 'AssociatedDocumentLineDocument/ParentLineID') && status !== 'INFORMATION',
    };
  });
  const chargeFlag = (a: XmlValue) => text(a, 'ChargeIndicator/Indicator', 'ChargeIndicator') === 'true';
  return {
    syntax: zf1 ? 'zugferd1' : 'cii',
    profile: text(doc, 'ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID', 'SpecifiedExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID') ?? null,
    documentType: documentTypeOf(typeCode, 'invoice'),
    typeCode,
    number: requireField(text(header, 'ID'), 'missing_number', 'the document has no ID (invoice number)'),
    invoiceCode: null,
    issueDate: requireField(cefactDate(header, 'IssueDateTime', 'IssueDateTime'), 'missing_date', 'the document has no IssueDateTime'),
    dueDate: cefactDate(settlement, 'SpecifiedTradePaymentTerms/DueDateDateTime', 'DueDateDateTime'),
    currency,
    seller: party(one(agreement, 'SellerTradeParty')),
    buyer: party(one(agreement, 'BuyerTradeParty')),
    lines,
    allowanceCharges: [
      ...all(settlement, 'SpecifiedTradeAllowanceCharge').map((a, i) => ({
        charge: chargeFlag(a),
        amount: requireField(amount(text(a, 'ActualAmount'), `allowance/charge ${i + 1}`), 'invalid_amount', `allowance/charge ${i + 1} has no ActualAmount`),
        reason: text(a, 'Reason') ?? null,
      })),
      // ZUGFeRD 1.0 / EXTENDED logistics service charges add to the charge total.
      ...all(settlement, 'SpecifiedLogisticsServiceCharge').map((a, i) => ({
        charge: true,
        amount: requireField(amount(text(a, 'AppliedAmount'), `logistics charge ${i + 1}`), 'invalid_amount', `logistics charge ${i + 1} has no AppliedAmount`),
        reason: text(a, 'Description') ?? null,
      })),
    ],
    taxBreakdown: all(settlement, 'ApplicableTradeTax').map((t, i) => ({
      category: text(t, 'CategoryCode') ?? null,
      rate: amount(text(t, 'RateApplicablePercent', 'ApplicablePercent'), `VAT breakdown ${i + 1} rate`),
      taxableAmount: amount(text(t, 'BasisAmount'), `VAT breakdown ${i + 1} basis`),
      taxAmount: requireField(amount(text(t, 'CalculatedAmount'), `VAT breakdown ${i + 1}`), 'invalid_amount', `VAT breakdown ${i + 1} has no CalculatedAmount`),
    })),
    totals: {
      lineTotal: amountIn(sums, 'LineTotalAmount', currency, 'LineTotalAmount'),
      allowanceTotal: amountIn(sums, 'AllowanceTotalAmount', currency, 'AllowanceTotalAmount'),
      chargeTotal: amountIn(sums, 'ChargeTotalAmount', currency, 'ChargeTotalAmount'),
      taxExclusive: amountIn(sums, 'TaxBasisTotalAmount', currency, 'TaxBasisTotalAmount'),
      taxTotal: amountIn(sums, 'TaxTotalAmount', currency, 'TaxTotalAmount'),
      taxInclusive: amountIn(sums, 'GrandTotalAmount', currency, 'GrandTotalAmount'),
      prepaid: amountIn(sums, 'TotalPrepaidAmount', currency, 'TotalPrepaidAmount'),
      rounding: amountIn(sums, 'RoundingAmount', currency, 'RoundingAmount'),
      payable: amountIn(sums, 'DuePayableAmount', currency, 'DuePayableAmount'),
    },
    referencedInvoices: texts(settlement, 'InvoiceReferencedDocument/IssuerAssignedID'),
    buyerReference: text(agreement, 'BuyerReference') ?? null,
    orderReference: text(agreement, 'BuyerOrderReferencedDocument/IssuerAssignedID') ?? null,
    paymentReference: text(settlement, 'PaymentReference') ?? null,
    payeeAccount: text(settlement, 'SpecifiedTradeSettlementPaymentMeans/PayeePartyCreditorFinancialAccount/IBANID') ?? null,
    notes,
    warnings,
  };
}
