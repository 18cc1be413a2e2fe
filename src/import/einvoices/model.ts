/**
 * The normalized e-invoice the UBL, CII and Chinese parsers produce, and the check of a document
 * against its own totals (the EN 16931 calculation rules BR-CO-10 … BR-CO-16, and for Chinese
 * invoices 金额 + 税额 = 价税合计). Amounts are canonical decimal texts; checks are exact.
 */
import { type Dec, formatDec, parseDec, sumDec } from './decimal';

export type EInvoiceSyntax = 'ubl' | 'cii' | 'zugferd1' | 'cn-edrm' | 'cn-ofd' | 'cn-xbrl';

export interface EInvoiceParty {
  name: string | null;
  /** Official (registered) name when it differs from the trading name. */
  registrationName: string | null;
  /** VAT identifier (EN 16931 BT-31/BT-48), or the Chinese 纳税人识别号 / 统一社会信用代码. */
  vatId: string | null;
  /** Further tax registrations (e.g. German Steuernummer, scheme FC). */
  taxIds: string[];
  /** Legal registration identifier (BT-30/BT-47). */
  legalId: string | null;
  country: string | null;
}

export interface EInvoiceLine {
  id: string | null;
  description: string;
  quantity: string | null;
  unitCode: string | null;
  /** Net unit price (may have more decimals than the currency). */
  unitPrice: string | null;
  netAmount: string;
  taxCategory: string | null;
  /** Percent, e.g. "19" or "13". */
  taxRate: string | null;
  /** Line tax, where the syntax states it (Chinese invoices); EN 16931 states tax per category. */
  taxAmount: string | null;
  /**
   * False for sub-lines that only detail a group line (Factur-X EXTENDED ParentLineID) and for
   * information-only lines: they are shown but not added up.
   */
  includedInTotal: boolean;
}

export interface TaxBreakdown {
  category: string | null;
  rate: string | null;
  taxableAmount: string | null;
  taxAmount: string;
}

export interface AllowanceCharge {
  charge: boolean;
  amount: string;
  reason: string | null;
}

export interface EInvoice {
  syntax: EInvoiceSyntax;
  /** CustomizationID / guideline (Peppol BIS, XRechnung, Factur-X profile …). */
  profile: string | null;
  documentType: 'invoice' | 'credit_note';
  typeCode: string | null;
  number: string;
  /** Chinese 发票代码 (with number, the identity of pre-数电 invoices). */
  invoiceCode: string | null;
  issueDate: string;
  dueDate: string | null;
  currency: string;
  seller: EInvoiceParty;
  buyer: EInvoiceParty;
  lines: EInvoiceLine[];
  allowanceCharges: AllowanceCharge[];
  taxBreakdown: TaxBreakdown[];
  totals: {
    lineTotal: string | null;
    allowanceTotal: string | null;
    chargeTotal: string | null;
    taxExclusive: string | null;
    taxTotal: string | null;
    taxInclusive: string | null;
    prepaid: string | null;
    rounding: string | null;
    payable: string | null;
  };
  /** Invoices this document corrects or credits (BillingReference / InvoiceReferencedDocument). */
  referencedInvoices: string[];
  buyerReference: string | null;
  orderReference: string | null;
  paymentReference: string | null;
  payeeAccount: string | null;
  notes: string[];
  /** What the parser skipped or assumed, so that nothing is dropped silently. */
  warnings: string[];
}

export interface TotalsIssue {
  rule: string;
  message: string;
  expected: string;
  actual: string;
}

export interface TotalsCheck {
  ok: boolean;
  /** Rules that could be evaluated with what the document states. */
  checked: string[];
  issues: TotalsIssue[];
}

const d = (v: string | null, where: string): Dec | null => (v === null ? null : parseDec(v, where));

/**
 * The document's own arithmetic, rule by rule, evaluated only where the figures it needs are
 * present (a MINIMUM profile has no lines; a Chinese invoice has no allowances).
 */
export function checkTotals(inv: EInvoice): TotalsCheck {
  const issues: TotalsIssue[] = [];
  const checked: string[] = [];
  const t = inv.totals;
  const rule = (id: string, text: string, expected: Dec, actual: Dec) => {
    checked.push(id);
    if (expected !== actual) issues.push({ rule: id, message: text, expected: formatDec(expected), actual: formatDec(actual) });
  };
  const lineTotal = d(t.lineTotal, 'line total');
  const allowanceTotal = d(t.allowanceTotal, 'allowance total');
  const chargeTotal = d(t.chargeTotal, 'charge total');
  const taxExclusive = d(t.taxExclusive, 'tax exclusive total');
  const taxTotal = d(t.taxTotal, 'tax total');
  const taxInclusive = d(t.taxInclusive, 'tax inclusive total');
  const prepaid = d(t.prepaid, 'prepaid amount') ?? 0n;
  const rounding = d(t.rounding, 'rounding amount') ?? 0n;
  const payable = d(t.payable, 'payable amount');
  const counted = inv.lines.filter((l) => l.includedInTotal);
  const lineNets = counted.map((l, i) => parseDec(l.netAmount, `line ${i + 1} net amount`));
  const allowances = inv.allowanceCharges.filter((a) => !a.charge).map((a) => parseDec(a.amount, 'allowance'));
  const charges = inv.allowanceCharges.filter((a) => a.charge).map((a) => parseDec(a.amount, 'charge'));

  if (counted.length && lineTotal !== null) {
    rule('BR-CO-10', 'sum of line net amounts = invoice line total (LineExtensionAmount / LineTotalAmount)', lineTotal, sumDec(lineNets));
  } else if (counted.length && taxExclusive !== null && !inv.allowanceCharges.length && inv.syntax.startsWith('cn')) {
    rule('CN-1', 'sum of line amounts (金额) = total excluding tax (合计金额)', taxExclusive, sumDec(lineNets));
  }
  if (allowanceTotal !== null || allowances.length) {
    rule('BR-CO-11', 'sum of document-level allowances = allowance total', allowanceTotal ?? 0n, sumDec(allowances));
  }
  if (chargeTotal !== null || charges.length) {
    rule('BR-CO-12', 'sum of document-level charges = charge total', chargeTotal ?? 0n, sumDec(charges));
  }
  if (lineTotal !== null && taxExclusive !== null) {
    rule('BR-CO-13', 'total without VAT = line total − allowances + charges', taxExclusive, lineTotal - (allowanceTotal ?? 0n) + (chargeTotal ?? 0n));
  }
  if (taxTotal !== null && inv.taxBreakdown.length) {
    rule('BR-CO-14', 'VAT total = sum of the VAT breakdown amounts', taxTotal, sumDec(inv.taxBreakdown.map((b, i) => parseDec(b.taxAmount, `VAT breakdown ${i + 1}`))));
  }
  if (inv.syntax.startsWith('cn') && taxTotal !== null && counted.length && counted.every((l) => l.taxAmount !== null)) {
    rule('CN-2', 'sum of line taxes (税额) = total tax (合计税额)', taxTotal, sumDec(counted.map((l, i) => parseDec(l.taxAmount!, `line ${i + 1} tax`))));
  }
  if (taxExclusive !== null && taxInclusive !== null) {
    rule('BR-CO-15', 'total with VAT = total without VAT + VAT total', taxInclusive, taxExclusive + (taxTotal ?? 0n));
  }
  if (taxInclusive !== null && payable !== null) {
    rule('BR-CO-16', 'amount due = total with VAT − prepaid + rounding', payable, taxInclusive - prepaid + rounding);
  }
  return { ok: issues.length === 0, checked, issues };
}

/** The total the document asks for: the payable amount, else the total with VAT. */
export function documentTotal(inv: EInvoice): string | null {
  return inv.totals.taxInclusive ?? inv.totals.payable;
}
