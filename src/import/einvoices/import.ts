/**
 * Importing an e-invoice into the ledger, in the caller's transaction. Which side it belongs to is
 * decided by the entity: when the entity is the document's seller (its tax id or exact name), the
 * document is an AR invoice / credit note; when it is the buyer, an AP bill / credit note. The
 * other side must already exist as a party, found by tax id (uscc, or any value of external_ids)
 * or exact name; otherwise the import stops and says which party to create.
 *
 * The ledger document carries the e-invoice's own totals exactly: its lines are the document's
 * lines with each VAT category's tax spread over them (largest remainder, so the tax per category
 * is the document's to the cent); when the document has document-level allowances or charges,
 * negative lines or no lines, the ledger lines are its VAT breakdown instead (one per category).
 * Either way subtotal, tax and total equal the e-invoice's. A document that does not add up by
 * its own rules is refused.
 */
import type { Queryable } from '../../db/database';
import { splitByWeights } from '../../domain/money';
import { type Actor, requireLedgerWriter } from '../../services/actor';
import { invalid } from '../../services/errors';
import { createCreditNote, createInvoice, type InvoiceLineInput } from '../../services/ledger/invoices';
import { resolveEntity } from '../../services/ledger/input';
import { formatToAppError } from '../statements/import';
import { fromMinor, isoScale, toMinor } from '../statements/currencies';
import { formatDec, parseDec, percentToFraction } from './decimal';
import type { EInvoice, EInvoiceParty, TotalsCheck } from './model';
import { type ParsedEInvoice, parseEInvoiceFile } from './parse';

export interface EInvoiceImportInput {
  entity?: string;
  filename?: string | null;
  bytes?: Uint8Array;
  /** An already parsed document (e.g. an OFD from its two parts). */
  parsed?: ParsedEInvoice;
  dryRun?: boolean;
  maxBytes?: number;
}

export interface EInvoiceImportResult {
  outcome: 'created' | 'duplicate' | 'planned';
  dryRun: boolean;
  filename: string | null;
  entity: string;
  side: 'AR' | 'AP';
  kind: 'invoice' | 'credit_note';
  /** The ledger number (the e-invoice number, unless that was taken; see warnings). */
  number: string;
  einvoiceNumber: string;
  party: { code: string; name: string; matchedBy: 'tax_id' | 'name' };
  currency: string;
  issueDate: string;
  subtotal: string;
  tax: string;
  total: string;
  invoiceId: string | null;
  originalInvoice: string | null;
  lineMode: 'document_lines' | 'vat_breakdown';
  check: TotalsCheck;
  warnings: string[];
}

const clean = {
  id: (s: string) => s.replace(/[\s.\-/]+/g, '').toUpperCase(),
  name: (s: string) => s.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase(),
};

function ids(p: EInvoiceParty): string[] {
  return [p.vatId, p.legalId, ...p.taxIds].filter((x): x is string => !!x).map(clean.id);
}

function names(p: EInvoiceParty): string[] {
  return [p.name, p.registrationName].filter((x): x is string => !!x).map(clean.name);
}

function describe(p: EInvoiceParty): string {
  return `${p.name ?? p.registrationName ?? '(no name)'}${p.vatId ? ` (tax id ${p.vatId})` : ''}`;
}

const QTY = /^\d+(\.\d{1,6})?$/;
const RATE = /^\d+(\.\d{1,4})?$/;

/** Exact minor units of a document amount, or a clear refusal. */
function minor(value: string, currency: string, what: string): bigint {
  try {
    return toMinor(value, currency);
  } catch (err) {
    throw invalid('einvoice_amount', `${what} ${value} ${currency} cannot be recorded exactly: ${(err as Error).message}`);
  }
}

function ledgerRate(percent: string | null): string | undefined {
  if (percent === null) return undefined;
  const f = percentToFraction(percent);
  return RATE.test(f) && parseDec(f, 'rate') < parseDec('1', 'rate') ? f : undefined;
}

/** Ledger lines whose amounts and taxes add up to the document's totals exactly. */
function ledgerLines(inv: EInvoice, sign: 1n | -1n, warnings: string[]): { lines: InvoiceLineInput[]; mode: EInvoiceImportResult['lineMode'] } {
  const cur = inv.currency;
  const m = (v: string, what: string) => sign * minor(v, cur, what);
  const counted = inv.lines.filter((l) => l.includedInTotal);
  const nets = counted.map((l, i) => m(l.netAmount, `line ${i + 1} net amount`));
  const rounding = inv.totals.rounding ? m(inv.totals.rounding, 'rounding') : 0n;
  const groupKey = (category: string | null, rate: string | null) => `${category ?? ''}|${rate === null ? '' : formatDec(parseDec(rate, 'rate'))}`;
  const breakdown = new Map(inv.taxBreakdown.map((b) => [groupKey(b.category, b.rate), b]));
  const lineMode =
    counted.length > 0 &&
    inv.allowanceCharges.length === 0 &&
    rounding === 0n &&
    nets.every((n) => n >= 0n) &&
    (inv.taxBreakdown.length
      ? counted.every((l) => breakdown.has(groupKey(l.taxCategory, l.taxRate))) && breakdown.size === new Set(counted.map((l) => groupKey(l.taxCategory, l.taxRate))).size
      : counted.every((l) => l.taxAmount !== null));
  if (lineMode) {
    const taxes = new Array<bigint>(counted.length).fill(0n);
    if (inv.taxBreakdown.length) {
      for (const [k, b] of breakdown) {
        const members = counted.map((l, i) => (groupKey(l.taxCategory, l.taxRate) === k ? i : -1)).filter((i) => i >= 0);
        const total = m(b.taxAmount, `VAT ${b.category ?? ''} ${b.rate ?? ''}%`);
        const weights = members.map((i) => nets[i]!);
        const parts = weights.some((w) => w > 0n) ? splitByWeights(total, weights) : members.map((_, j) => (j === 0 ? total : 0n));
        members.forEach((i, j) => {
          taxes[i] = parts[j]!;
        });
      }
    } else {
      counted.forEach((l, i) => {
        taxes[i] = m(l.taxAmount!, `line ${i + 1} tax`);
      });
    }
    if (taxes.some((t) => t < 0n)) return breakdownLines();
    return {
      mode: 'document_lines',
      lines: counted.map((l, i) => {
        const net = nets[i]!;
        const qty = l.quantity !== null ? formatDec(parseDec(l.quantity, 'quantity'), 0) : null;
        let price: bigint | null = null;
        try {
          price = l.unitPrice !== null ? minor(l.unitPrice, cur, 'price') : null;
        } catch {
          price = null;
        }
        // quantity × price must give the net amount exactly, else the line is one unit of its net.
        const exact = qty !== null && QTY.test(qty) && parseDec(qty, 'q') > 0n && price !== null && (parseDec(qty, 'q') * price) % 10n ** 18n === 0n && (parseDec(qty, 'q') * price) / 10n ** 18n === net;
        const rate = ledgerRate(l.taxRate);
        return {
          description: (exact || qty === null ? l.description : `${l.description} (${qty}${l.unitCode ? ` ${l.unitCode}` : ''} × ${l.unitPrice ?? '?'})`).slice(0, 500),
          quantity: exact ? qty! : '1',
          unitPrice: fromMinor(exact ? price! : net, cur),
          amount: fromMinor(net, cur),
          tax: fromMinor(taxes[i]!, cur),
          ...(rate ? { taxRate: rate } : {}),
        };
      }),
    };
  }
  return breakdownLines();

  function breakdownLines(): { lines: InvoiceLineInput[]; mode: 'vat_breakdown' } {
    warnings.push(
      counted.length
        ? 'the document has document-level allowances/charges, negative lines or taxes not tied to its lines: recorded as one ledger line per VAT category'
        : 'the document has no lines: recorded as one ledger line per VAT category',
    );
    const lines: InvoiceLineInput[] = inv.taxBreakdown.map((b) => {
      const taxable = b.taxableAmount !== null ? m(b.taxableAmount, 'VAT taxable amount') : 0n;
      const rate = ledgerRate(b.rate);
      return {
        description: `VAT ${b.category ?? ''} ${b.rate !== null ? `${b.rate}%` : ''}: ${counted.length} line(s)`.replace(/\s+/g, ' ').trim(),
        unitPrice: fromMinor(taxable, cur),
        amount: fromMinor(taxable, cur),
        tax: fromMinor(m(b.taxAmount, 'VAT amount'), cur),
        ...(rate ? { taxRate: rate } : {}),
      };
    });
    if (!lines.length) {
      const net = inv.totals.taxExclusive ? m(inv.totals.taxExclusive, 'total without VAT') : 0n;
      lines.push({
        description: 'total without VAT',
        unitPrice: fromMinor(net, cur),
        amount: fromMinor(net, cur),
        tax: fromMinor(inv.totals.taxTotal ? m(inv.totals.taxTotal, 'VAT total') : 0n, cur),
      });
    }
    if (rounding !== 0n) {
      if (rounding < 0n) throw invalid('einvoice_rounding', 'a negative payable rounding amount cannot be recorded as an invoice line');
      lines.push({ description: 'rounding', unitPrice: fromMinor(rounding, cur), amount: fromMinor(rounding, cur), tax: '0' });
    }
    for (const l of lines) {
      if (l.amount!.startsWith('-') || l.tax!.startsWith('-')) {
        throw invalid('einvoice_negative_line', 'a VAT category with a negative amount cannot be recorded; split the document into an invoice and a credit note');
      }
    }
    return { mode: 'vat_breakdown', lines };
  }
}

export async function importEInvoice(tx: Queryable, actor: Actor, input: EInvoiceImportInput): Promise<EInvoiceImportResult> {
  requireLedgerWriter(actor);
  let parsed: ParsedEInvoice;
  try {
    parsed = input.parsed ?? parseEInvoiceFile(input.bytes ?? new Uint8Array(), input.maxBytes !== undefined ? { maxBytes: input.maxBytes } : {});
  } catch (err) {
    throw formatToAppError(err);
  }
  const { invoice: inv, check } = parsed;
  const warnings = [...inv.warnings];
  if (!check.ok) {
    throw invalid('einvoice_totals_mismatch', `the document does not add up, so it was not imported: ${check.issues.map((i) => `${i.rule} ${i.message}: ${i.expected} stated, ${i.actual} computed`).join('; ')}`);
  }
  const ref = await resolveEntity(tx, input.entity);
  const [entity] = await tx.query<{ name: string; tax_id: string | null }>('SELECT name, tax_id FROM entities WHERE id = $1', [ref.id]);
  const isUs = (p: EInvoiceParty) =>
    (!!entity!.tax_id && ids(p).includes(clean.id(entity!.tax_id))) || names(p).includes(clean.name(entity!.name));
  const seller = isUs(inv.seller);
  const buyer = isUs(inv.buyer);
  if (seller === buyer) {
    throw invalid(
      'entity_not_party',
      seller
        ? `entity ${ref.code} is both seller and buyer of this document`
        : `entity ${ref.code} (${entity!.name}${entity!.tax_id ? `, tax id ${entity!.tax_id}` : ', no tax id set'}) is neither the seller ${describe(inv.seller)} nor the buyer ${describe(inv.buyer)}; choose another entity or set the entity's tax id (shoufu einvoice entity-tax-id ${ref.code} TAXID)`,
    );
  }
  const side = seller ? 'AR' : 'AP';
  const other = seller ? inv.buyer : inv.seller;
  const role = side === 'AR' ? 'customer' : 'supplier';

  const partyRows = await tx.query<{ id: string; code: string; name: string; short_name: string | null; name_en: string | null; uscc: string | null; external_ids: Record<string, string>; is_customer: boolean; is_supplier: boolean }>(
    'SELECT id, code, name, short_name, name_en, uscc, external_ids, is_customer, is_supplier FROM parties',
  );
  const fits = partyRows.filter((p) => (side === 'AR' ? p.is_customer : p.is_supplier));
  const otherIds = ids(other);
  const byId = fits.filter((p) => [p.uscc, ...Object.values(p.external_ids ?? {})].some((v) => typeof v === 'string' && otherIds.includes(clean.id(v))));
  const otherNames = names(other);
  const byName = fits.filter((p) => [p.name, p.short_name, p.name_en].some((n) => !!n && otherNames.includes(clean.name(n))));
  const candidates = byId.length ? byId : byName;
  if (candidates.length !== 1) {
    throw invalid(
      candidates.length ? 'party_ambiguous' : 'party_not_found',
      candidates.length
        ? `several ${role}s match ${describe(other)}: ${candidates.map((p) => p.code).join(', ')}`
        : `no ${role} matches the ${seller ? 'buyer' : 'seller'} ${describe(other)}: create the ${role} with that exact name, or with its tax id as uscc (统一社会信用代码) or in external_ids (e.g. {"vat": "${other.vatId ?? other.legalId ?? '…'}"})`,
    );
  }
  const party = candidates[0]!;

  const enabled = (await tx.query('SELECT 1 FROM currencies WHERE code = $1', [inv.currency])).length > 0;
  if (!enabled || isoScale(inv.currency) === undefined) {
    throw invalid('currency_not_enabled', `the document is in ${inv.currency}, which this ledger does not have (table currencies); add the currency first`);
  }
  const einvoiceNumber = (inv.invoiceCode ? `${inv.invoiceCode}-${inv.number}` : inv.number).slice(0, 64);
  const kind = inv.documentType;
  const dup = await tx.query<{ id: string; number: string }>(
    `SELECT id, number FROM invoices WHERE entity_id = $1 AND side = $2 AND kind = $3 AND party_id = $4 AND einvoice_number = $5`,
    [ref.id, side, kind, party.id, einvoiceNumber],
  );

  const total = inv.totals.taxInclusive ?? inv.totals.payable;
  if (total === null) throw invalid('einvoice_no_total', 'the document states no total (TaxInclusiveAmount / GrandTotalAmount)');
  const totalMinor = minor(total, inv.currency, 'total');
  // Credit notes state positive amounts; a red-letter (negative) one is read as its absolute value.
  const sign: 1n | -1n = kind === 'credit_note' && totalMinor < 0n ? -1n : 1n;
  if (sign * totalMinor <= 0n) {
    throw invalid('einvoice_total_not_positive', `the document total is ${total} ${inv.currency}: a negative or zero invoice is recorded as a credit note against the original instead`);
  }
  const { lines, mode } = ledgerLines(inv, sign, warnings);
  const subtotal = lines.reduce((a, l) => a + minor(l.amount!, inv.currency, 'line'), 0n);
  const tax = lines.reduce((a, l) => a + minor(l.tax!, inv.currency, 'tax'), 0n);
  if (subtotal + tax !== sign * totalMinor) {
    throw new Error(`ledger lines ${subtotal}+${tax} do not add up to the document total ${totalMinor}`);
  }

  let original: { id: string; number: string } | null = null;
  if (kind === 'credit_note') {
    if (!inv.referencedInvoices.length) {
      throw invalid('credit_note_without_original', 'the credit note names no invoice it credits (BillingReference / InvoiceReferencedDocument); record it by hand against the right invoice');
    }
    const found = await tx.query<{ id: string; number: string }>(
      `SELECT id, number FROM invoices WHERE entity_id = $1 AND side = $2 AND kind = 'invoice' AND party_id = $3
          AND (number = ANY($4::text[]) OR einvoice_number = ANY($4::text[])) ORDER BY issue_date LIMIT 1`,
      [ref.id, side, party.id, inv.referencedInvoices],
    );
    if (!found[0]) {
      throw invalid('original_not_found', `the credit note credits invoice ${inv.referencedInvoices.join(', ')}, which is not in the ledger for ${party.code}; import that invoice first`);
    }
    original = found[0];
  }

  const taken = async (n: string) =>
    (await tx.query<{ taken: boolean }>('SELECT document_number_taken($1, $2, $3, $4) AS taken', ['invoices', ref.id, side, n]))[0]!.taken;
  let number = inv.number.slice(0, 64);
  if (!dup[0] && (await taken(number))) {
    // A credit note often carries its invoice's number; the ledger numbers documents uniquely.
    if (kind === 'credit_note' && (await taken(`${number}-CN`)) === false) {
      warnings.push(`number ${number} is taken (by ${original?.number === number ? 'the invoice it credits' : 'another document'}); recorded as ${number}-CN`);
      number = `${number}-CN`;
    } else {
      throw invalid('duplicate_number', `document number ${number} already exists in ${ref.code}/${side} for another document`);
    }
  }
  const result: EInvoiceImportResult = {
    outcome: dup[0] ? 'duplicate' : input.dryRun ? 'planned' : 'created',
    dryRun: !!input.dryRun,
    filename: input.filename ?? null,
    entity: ref.code,
    side,
    kind,
    number: dup[0]?.number ?? number,
    einvoiceNumber,
    party: { code: party.code, name: party.name, matchedBy: byId.length ? 'tax_id' : 'name' },
    currency: inv.currency,
    issueDate: inv.issueDate,
    subtotal: fromMinor(subtotal, inv.currency),
    tax: fromMinor(tax, inv.currency),
    total: fromMinor(subtotal + tax, inv.currency),
    invoiceId: dup[0]?.id ?? null,
    originalInvoice: original?.number ?? null,
    lineMode: mode,
    check,
    warnings,
  };
  if (dup[0] || input.dryRun) return result;

  const description = [inv.notes[0], inv.buyerReference ? `buyer ref ${inv.buyerReference}` : null].filter(Boolean).join(' | ').slice(0, 1000) || null;
  if (kind === 'credit_note') {
    const created = await createCreditNote(tx, actor, {
      originalInvoiceId: original!.id,
      number,
      einvoiceNumber,
      issueDate: inv.issueDate,
      orderRef: inv.orderReference?.slice(0, 64) ?? null,
      description,
      lines,
    });
    result.invoiceId = created.id;
  } else {
    const dueOk = inv.dueDate !== null && inv.dueDate >= inv.issueDate;
    const created = await createInvoice(tx, actor, {
      entity: ref.code,
      side,
      number,
      partyId: party.id,
      currency: inv.currency,
      issueDate: inv.issueDate,
      einvoiceNumber,
      orderRef: inv.orderReference?.slice(0, 64) ?? null,
      description,
      lines,
      ...(dueOk ? { installments: [{ dueDate: inv.dueDate!, amount: fromMinor(subtotal + tax, inv.currency) }] } : {}),
    });
    result.invoiceId = created.id;
  }
  return result;
}
