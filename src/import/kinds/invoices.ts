/**
 * AR invoices and AP bills, one row per document, posted through createInvoice. Matched by
 * number within the entity and side: a posted document is immutable, so re-importing the same
 * invoice is "unchanged" and a row that differs from the posted one is an error (a correction is
 * a credit note). A credit note (红字发票: kind 红字, or negative amounts) names its original
 * invoice (原发票号) and is posted through createCreditNote against it, applied to its open
 * installments; the original may be an earlier row of the same file.
 *
 * Amounts: 价税合计 (total), 税额 (tax) and 不含税金额 (subtotal) — any two give the third; a total
 * alone has no tax unless a tax rate splits it. The due date is the file's, else the issue date
 * plus the file's payment terms, else plus the party's terms.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/database';
import { addDays } from '../../domain/dates';
import { convert, formatAmount } from '../../domain/money';
import { type Actor, createdBy, requireLedgerWriter } from '../../services/actor';
import { audit } from '../../services/audit';
import { invalid } from '../../services/errors';
import { createCreditNote, createInvoice } from '../../services/ledger/invoices';
import {
  parseCode,
  parseCount,
  parseCurrency,
  parseDate,
  parseDays,
  parseInvoiceKind,
  parseMoney,
  parseRate,
  parseText,
} from '../tabular/values';
import { actorIsScoped, EntityCache, KeySet, loadDocumentRefs, numberTaken, partyWord, resolveDocumentRef } from './common';
import { type BatchInfo, FieldReader, type FieldError, type ImportEnv, type KindHandler, type KindState, type MappedRow, type Outcome, reject, type Row } from './types';

export interface InvoiceValue {
  number: string;
  entityCode: string | null;
  partyCode: string | null;
  partyName: string | null;
  issueDate: string;
  dueDate: string | null;
  termsDays: number | null;
  currency: string;
  totalMinor: bigint;
  subtotalMinor: bigint;
  taxMinor: bigint;
  /** Whether the file states the tax (else only the total is compared on re-import). */
  taxGiven: boolean;
  taxRate: string | null;
  description: string | null;
  orderRef: string | null;
  einvoiceNumber: string | null;
  installmentCount: number | null;
  /** A credit note (红字发票): the number of the invoice it corrects. */
  originalNumber: string | null;
}

export interface InvoicePlan {
  entityCode: string;
  entityId: string;
  /** A credit note: its original, when posted already (else an earlier row of the file, found when written). */
  originalId?: string | null;
  partyId: string;
  dueDate: string;
}

export class InvoiceState implements KindState {
  entities = new EntityCache();
  /** entity id | number of the rows accepted so far (one entity may be named or implied). */
  seen = KeySet.empty();
  /** Credit notes only: what the file's credit notes take from each original (entity id | number). */
  credited = new Map<string, bigint>();
  /** Small numbers for entity ids, so that a key per row costs a few bytes, not a uuid. */
  private entityNos = new Map<string, number>();
  fileKey(entityId: string, number: string): string {
    let n = this.entityNos.get(entityId);
    if (n === undefined) {
      n = this.entityNos.size;
      this.entityNos.set(entityId, n);
    }
    return `${n}|${number}`;
  }
  clone(): this {
    const c = new InvoiceState() as this;
    c.entities = this.entities.copy();
    c.seen = this.seen.branch();
    c.credited = new Map(this.credited);
    c.entityNos = new Map(this.entityNos);
    return c;
  }
}

interface OriginalInvoice {
  id: string;
  number: string;
  entity_id: string;
  party_id: string;
  party_code: string;
  currency: string;
  issue_date: string;
  total_minor: bigint;
  credited: bigint;
}

/** The original of a credit-note row, checked: same party and currency, not predated, not over-credited. */
function checkCreditNote(v: InvoiceValue, original: OriginalInvoice | undefined, partyId: string, state: InvoiceState, origKey: string, origFileKey: string): FieldError | null {
  if (!original) {
    // An invoice earlier in this file: posted when this row is written, and checked then.
    if (state.seen.has(origFileKey)) return null;
    return { field: 'originalInvoice', code: 'original_not_found', message: `no invoice ${v.originalNumber} to correct (原发票号不存在)` };
  }
  if (original.party_id !== partyId) return { field: 'originalInvoice', code: 'original_other_party', message: `invoice ${original.number} belongs to ${original.party_code}` };
  if (original.currency !== v.currency) return { field: 'currency', code: 'currency_mismatch', message: `invoice ${original.number} is in ${original.currency}` };
  if (v.issueDate < original.issue_date) return { field: 'issueDate', code: 'credit_before_invoice', message: `a credit note cannot predate its invoice (${original.issue_date})` };
  const already = original.credited + (state.credited.get(origKey) ?? 0n);
  if (already + v.totalMinor > original.total_minor) {
    const money = (m: bigint) => formatAmount(m, original.currency);
    return { field: 'total', code: 'credit_exceeds_invoice', message: `credit notes would exceed invoice ${original.number}: ${money(already)} credited + ${money(v.totalMinor)} > ${money(original.total_minor)}` };
  }
  return null;
}

function parse(row: MappedRow, env: ImportEnv): { value: InvoiceValue; errors?: undefined } | { value?: undefined; errors: FieldError[] } {
  const r = new FieldReader(row);
  const number = r.required('number', 'the document number (单据编号)', (c) => parseCode(c, 64));
  const entityCode = r.read('entity', (c) => parseCode(c, 32));
  const kind = r.read('kind', parseInvoiceKind);
  const original = r.read('originalInvoice', (c) => parseCode(c, 64));
  const partyCode = r.read('partyCode', (c) => parseCode(c, 64));
  const partyName = r.read('partyName', (c) => parseText(c, 200));
  if (!partyCode && !partyName && !r.errors.some((e) => e.field === 'partyCode' || e.field === 'partyName')) {
    r.fail(row.has('partyCode') ? 'partyCode' : 'partyName', 'required', `the ${partyWord(env.side)} code or name is required`);
  }
  const issueDate = r.required('issueDate', 'the issue date (开票日期)', parseDate);
  const dueDate = r.read('dueDate', parseDate);
  const termsDays = r.read('paymentTerms', parseDays);
  const currency = r.read('currency', parseCurrency) ?? env.entity.baseCurrency;
  const signedTotal = r.read('total', (c) => parseMoney(c, currency));
  const signedSubtotal = r.read('subtotal', (c) => parseMoney(c, currency));
  const signedTax = r.read('tax', (c) => parseMoney(c, currency));
  const taxRate = r.read('taxRate', parseRate);
  const description = r.read('description', (c) => parseText(c, 1000));
  const orderRef = r.read('orderRef', (c) => parseCode(c, 64));
  const einvoiceNumber = r.read('einvoiceNumber', (c) => parseCode(c, 64));
  const installmentCount = r.read('installmentCount', parseCount);

  // 红字: a credit note is marked as such, names its original, or carries negative amounts (as ERP
  // exports write them). Its amounts are read as magnitudes, all of one sign.
  const amounts = [signedTotal, signedSubtotal, signedTax];
  const negative = amounts.some((a) => a && a.minor < 0n);
  const creditNote = kind === 'credit_note' || original !== null || negative;
  if (negative && amounts.some((a) => a && a.minor > 0n)) r.fail('total', 'amounts_disagree', 'the amounts of a row are all negative (红字) or all positive');
  const magnitude = (a: typeof signedTotal) => (a && a.minor < 0n ? { ...a, minor: -a.minor } : a);
  const [total, subtotal, tax] = [magnitude(signedTotal), magnitude(signedSubtotal), magnitude(signedTax)];
  if (creditNote && kind === 'invoice') r.fail('kind', 'kind_disagrees', 'the row is marked 蓝字 but has negative amounts or an original invoice');
  if (creditNote && !original && !r.errors.some((e) => e.field === 'originalInvoice')) {
    r.fail(row.has('originalInvoice') ? 'originalInvoice' : 'kind', 'original_required', 'a credit note (红字发票) needs the number of the invoice it corrects (原发票号)');
  }
  if (original !== null && original === number) r.fail('originalInvoice', 'original_is_self', 'a credit note cannot correct itself');
  let totalMinor: bigint | null = null;
  let subtotalMinor: bigint | null = null;
  let taxMinor: bigint | null = null;
  if (!r.errors.some((e) => ['total', 'subtotal', 'tax', 'taxRate', 'currency'].includes(e.field ?? ''))) {
    if (total && subtotal && tax) {
      if (subtotal.minor + tax.minor !== total.minor) {
        r.fail('total', 'amounts_disagree', `不含税金额 ${subtotal.text} + 税额 ${tax.text} ≠ 价税合计 ${total.text}`);
      }
      [totalMinor, subtotalMinor, taxMinor] = [total.minor, subtotal.minor, tax.minor];
    } else if (total && tax) [totalMinor, subtotalMinor, taxMinor] = [total.minor, total.minor - tax.minor, tax.minor];
    else if (total && subtotal) [totalMinor, subtotalMinor, taxMinor] = [total.minor, subtotal.minor, total.minor - subtotal.minor];
    else if (subtotal && tax) [totalMinor, subtotalMinor, taxMinor] = [subtotal.minor + tax.minor, subtotal.minor, tax.minor];
    else if (subtotal && taxRate) {
      const t = convert(subtotal.minor, currency, currency, taxRate);
      [totalMinor, subtotalMinor, taxMinor] = [subtotal.minor + t, subtotal.minor, t];
    } else if (total && taxRate) {
      // 价税分离: the amount before tax is total ÷ (1 + rate), rounded half away from zero.
      const [w = '0', f = ''] = taxRate.split('.');
      const scale = 10n ** BigInt(f.length);
      const num = total.minor * scale;
      const den = scale + BigInt(w + f);
      const s = (num * 2n + den) / (2n * den);
      [totalMinor, subtotalMinor, taxMinor] = [total.minor, s, total.minor - s];
    } else if (total) [totalMinor, subtotalMinor, taxMinor] = [total.minor, total.minor, 0n];
    else if (subtotal) [totalMinor, subtotalMinor, taxMinor] = [subtotal.minor, subtotal.minor, 0n];
    else r.fail(row.has('total') ? 'total' : 'subtotal', 'required', 'the amount (价税合计) is required');
    if (totalMinor !== null && subtotalMinor !== null && (totalMinor <= 0n || subtotalMinor < 0n)) {
      r.fail('total', totalMinor <= 0n ? 'total_not_positive' : 'amounts_disagree', totalMinor <= 0n ? 'the total must be greater than zero' : 'the tax is larger than the total');
    }
  }
  if (issueDate && dueDate && dueDate < issueDate) r.fail('dueDate', 'due_before_issue', `the due date ${dueDate} is before the issue date ${issueDate}`);
  if (r.errors.length || number === null || issueDate === null || totalMinor === null) return { errors: r.errors };
  return {
    value: {
      number,
      entityCode,
      partyCode,
      partyName,
      issueDate,
      dueDate,
      termsDays,
      currency,
      totalMinor,
      subtotalMinor: subtotalMinor!,
      taxMinor: taxMinor!,
      taxGiven: tax !== null || subtotal !== null || taxRate !== null,
      taxRate,
      description,
      orderRef,
      einvoiceNumber,
      installmentCount,
      originalNumber: creditNote ? original : null,
    },
  };
}

interface ExistingInvoice {
  id: string;
  number: string;
  entity_id: string;
  kind: string;
  party_id: string;
  party_code: string;
  currency: string;
  issue_date: string;
  total_minor: bigint;
  tax_minor: bigint;
  einvoice_number: string | null;
  installments: number;
  first_due: string;
}

async function check(tx: Queryable, actor: Actor, rows: Row<InvoiceValue>[], state: InvoiceState, env: ImportEnv): Promise<Outcome<InvoicePlan>[]> {
  const parties = await loadDocumentRefs(tx, rows, state.entities);
  const existing = await tx.query<ExistingInvoice>(
    `SELECT i.id, i.number, i.entity_id, i.kind, i.party_id, p.code AS party_code, i.currency, i.issue_date, i.total_minor, i.tax_minor,
            i.einvoice_number, s.n::int AS installments, s.first_due
       FROM invoices i JOIN parties p ON p.id = i.party_id
       JOIN LATERAL (SELECT count(*) AS n, min(due_date) AS first_due FROM installments WHERE invoice_id = i.id) s ON true
      WHERE i.entity_id = ANY($1::uuid[]) AND i.side = $2 AND i.number = ANY($3::text[])`,
    [state.entities.ids(env), env.side, rows.map((r) => r.value.number)],
  );
  const byKey = new Map(existing.map((e) => [`${e.entity_id}|${e.number}`, e]));
  const originalNumbers = rows.flatMap((r) => (r.value.originalNumber ? [r.value.originalNumber] : []));
  const originals = originalNumbers.length
    ? await tx.query<OriginalInvoice>(
        `SELECT i.id, i.number, i.entity_id, i.party_id, p.code AS party_code, i.currency, i.issue_date, i.total_minor,
                (SELECT coalesce(sum(c.total_minor), 0)::bigint FROM invoices c WHERE c.original_invoice_id = i.id) AS credited
           FROM invoices i JOIN parties p ON p.id = i.party_id
          WHERE i.entity_id = ANY($1::uuid[]) AND i.side = $2 AND i.kind = 'invoice' AND i.number = ANY($3::text[])`,
        [state.entities.ids(env), env.side, originalNumbers],
      )
    : [];
  const originalByKey = new Map(originals.map((o) => [`${o.entity_id}|${o.number}`, o]));
  const scoped = actorIsScoped(actor);

  const out: Outcome<InvoicePlan>[] = [];
  for (const { value: v } of rows) {
    const ref = resolveDocumentRef(v, parties, state.entities, env, actor);
    if (ref.error) {
      out.push({ action: 'reject', errors: [ref.error] });
      continue;
    }
    const { entity, party } = ref;
    const key = `${entity.id}|${v.number}`;
    const fileKey = state.fileKey(entity.id, v.number);
    if (state.seen.has(fileKey)) {
      out.push(reject('number', 'duplicate_in_file', `document number ${v.number} appears twice in the file`));
      continue;
    }
    const posted = byKey.get(key);
    if (posted) {
      const o = compare(v, posted, party.id);
      if (o.action !== 'reject') state.seen.add(fileKey);
      out.push(o);
      continue;
    }
    let originalId: string | null = null;
    if (v.originalNumber) {
      const origKey = `${entity.id}|${v.originalNumber}`;
      const original = originalByKey.get(origKey);
      const problem = checkCreditNote(v, original, party.id, state, origKey, state.fileKey(entity.id, v.originalNumber));
      if (problem) {
        out.push({ action: 'reject', errors: [problem] });
        continue;
      }
      originalId = original?.id ?? null;
      state.credited.set(origKey, (state.credited.get(origKey) ?? 0n) + v.totalMinor);
    }
    if (scoped && (await numberTaken(tx, 'invoices', entity.id, env.side, v.number))) {
      out.push(reject('number', 'number_taken', `document number ${v.number} is already used by a document outside your data scope`));
      continue;
    }
    if (v.installmentCount !== null && v.installmentCount > 1) {
      out.push(reject('installmentCount', 'installments_not_imported', `this document has ${v.installmentCount} installments; one row can post a single due date only`));
      continue;
    }
    const dueDate = v.dueDate ?? addDays(v.issueDate, v.termsDays ?? party.payment_terms_days);
    state.seen.add(fileKey);
    out.push({ action: 'create', plan: { entityCode: entity.code, entityId: entity.id, partyId: party.id, dueDate, ...(v.originalNumber ? { originalId } : {}) } });
  }
  return out;
}

/** A posted document is immutable: the same values are "unchanged", anything else an error. */
function compare(v: InvoiceValue, posted: ExistingInvoice, partyId: string): Outcome<InvoicePlan> {
  const diffs: string[] = [];
  const money = (m: bigint) => formatAmount(m, posted.currency);
  if (posted.kind !== (v.originalNumber ? 'credit_note' : 'invoice')) diffs.push(posted.kind === 'invoice' ? 'it is an invoice (蓝字)' : 'it is a credit note (红字)');
  if (posted.party_id !== partyId) diffs.push(`party ${posted.party_code}`);
  if (posted.currency !== v.currency) diffs.push(`currency ${posted.currency}`);
  if (posted.issue_date !== v.issueDate) diffs.push(`issue date ${posted.issue_date}`);
  if (posted.currency === v.currency && posted.total_minor !== v.totalMinor) diffs.push(`total ${money(posted.total_minor)}`);
  if (posted.currency === v.currency && v.taxGiven && posted.tax_minor !== v.taxMinor) diffs.push(`tax ${money(posted.tax_minor)}`);
  if (v.dueDate && posted.installments === 1 && posted.first_due !== v.dueDate) diffs.push(`due date ${posted.first_due}`);
  if (v.installmentCount !== null && v.installmentCount !== posted.installments) diffs.push(`${posted.installments} installments`);
  if (v.einvoiceNumber && v.einvoiceNumber !== posted.einvoice_number) diffs.push(`e-invoice number ${posted.einvoice_number ?? '(none)'}`);
  if (diffs.length === 0) return { action: 'unchanged' };
  return reject('number', 'posted_invoice_differs', `posted ${v.number} differs (${diffs.join(', ')}); a posted document cannot change — use a credit note (红字发票)`);
}

async function write(tx: Queryable, actor: Actor, { value: v }: Row<InvoiceValue>, outcome: { action: 'create' | 'update'; plan: InvoicePlan }, _state: InvoiceState, env: ImportEnv): Promise<void> {
  const { plan } = outcome;
  const text = (m: bigint) => formatAmount(m, v.currency);
  if (v.originalNumber) {
    await writeCreditNote(tx, actor, v, plan, env);
    return;
  }
  await createInvoice(tx, actor, {
    entity: plan.entityCode,
    side: env.side,
    number: v.number,
    partyId: plan.partyId,
    currency: v.currency,
    issueDate: v.issueDate,
    description: v.description,
    orderRef: v.orderRef,
    einvoiceNumber: v.einvoiceNumber,
    lines: [
      {
        description: v.description?.slice(0, 500) || `导入 ${env.fileName}`.slice(0, 500),
        unitPrice: text(v.subtotalMinor),
        amount: text(v.subtotalMinor),
        tax: text(v.taxMinor),
        ...(v.taxRate ? { taxRate: v.taxRate } : {}),
      },
    ],
    installments: [{ dueDate: plan.dueDate, amount: text(v.totalMinor) }],
  });
}

/** A 红字 row through createCreditNote: applied at once to its original's open installments. */
async function writeCreditNote(tx: Queryable, actor: Actor, v: InvoiceValue, plan: InvoicePlan, env: ImportEnv): Promise<void> {
  let originalId = plan.originalId ?? null;
  if (!originalId) {
    const [o] = await tx.query<{ id: string }>("SELECT id FROM invoices WHERE entity_id = $1 AND side = $2 AND kind = 'invoice' AND number = $3", [plan.entityId, env.side, v.originalNumber]);
    if (!o) throw invalid('original_not_found', `no invoice ${v.originalNumber} to correct (原发票号不存在)`, 'originalInvoice');
    originalId = o.id;
  }
  const text = (m: bigint) => formatAmount(m, v.currency);
  await createCreditNote(tx, actor, {
    originalInvoiceId: originalId,
    number: v.number,
    issueDate: v.issueDate,
    description: v.description,
    einvoiceNumber: v.einvoiceNumber,
    lines: [
      {
        description: v.description?.slice(0, 500) || `红字 ${v.originalNumber} · 导入 ${env.fileName}`.slice(0, 500),
        unitPrice: text(v.subtotalMinor),
        amount: text(v.subtotalMinor),
        tax: text(v.taxMinor),
        ...(v.taxRate ? { taxRate: v.taxRate } : {}),
      },
    ],
  });
}

/**
 * The same documents as write() row by row — invoice, one line, one installment each — in three
 * INSERT … SELECT FROM unnest(…) statements for the whole chunk, and ONE audit entry for the chunk
 * that lists every document posted (id, number, party, amounts, due date). The database checks
 * (unique numbers, constraints, row-level security, the control-total trigger) apply exactly as
 * to a single invoice; the checks createInvoice makes in code were made by check() above.
 */
async function writeBatch(
  tx: Queryable,
  actor: Actor,
  batchRows: { row: Row<InvoiceValue>; outcome: { action: 'create' | 'update'; plan: InvoicePlan } }[],
  _state: InvoiceState,
  env: ImportEnv,
  batch: BatchInfo,
): Promise<void> {
  requireLedgerWriter(actor);
  // Credit notes allocate against their originals: after the invoices, one by one.
  const creditNotes = batchRows.filter((r) => r.row.value.originalNumber);
  const rows = creditNotes.length ? batchRows.filter((r) => !r.row.value.originalNumber) : batchRows;
  const n = rows.length;
  if (n > 0) await insertInvoices(tx, actor, rows, env, batch);
  for (const { row, outcome } of creditNotes) await writeCreditNote(tx, actor, row.value, outcome.plan, env);
}

async function insertInvoices(
  tx: Queryable,
  actor: Actor,
  rows: { row: Row<InvoiceValue>; outcome: { action: 'create' | 'update'; plan: InvoicePlan } }[],
  env: ImportEnv,
  batch: BatchInfo,
): Promise<void> {
  const n = rows.length;
  const ids: string[] = new Array(n);
  const entityIds: string[] = new Array(n);
  const numbers: string[] = new Array(n);
  const partyIds: string[] = new Array(n);
  const orderRefs: (string | null)[] = new Array(n);
  const einvoices: (string | null)[] = new Array(n);
  const currencies: string[] = new Array(n);
  const issueDates: string[] = new Array(n);
  const dueDates: string[] = new Array(n);
  const subtotals: string[] = new Array(n);
  const taxes: string[] = new Array(n);
  const totals: string[] = new Array(n);
  const descriptions: (string | null)[] = new Array(n);
  const lineTexts: string[] = new Array(n);
  const taxRates: string[] = new Array(n);
  const documents: unknown[] = new Array(n);
  const fallbackLine = `导入 ${env.fileName}`.slice(0, 500);
  for (let i = 0; i < n; i++) {
    const { row, outcome } = rows[i]!;
    const v = row.value;
    const id = randomUUID();
    ids[i] = id;
    entityIds[i] = outcome.plan.entityId;
    numbers[i] = v.number;
    partyIds[i] = outcome.plan.partyId;
    orderRefs[i] = v.orderRef;
    einvoices[i] = v.einvoiceNumber;
    currencies[i] = v.currency;
    issueDates[i] = v.issueDate;
    dueDates[i] = outcome.plan.dueDate;
    subtotals[i] = v.subtotalMinor.toString();
    taxes[i] = v.taxMinor.toString();
    totals[i] = v.totalMinor.toString();
    descriptions[i] = v.description;
    lineTexts[i] = v.description?.slice(0, 500) || fallbackLine;
    taxRates[i] = v.taxRate ?? '0';
    const total = formatAmount(v.totalMinor, v.currency);
    documents[i] = {
      id,
      number: v.number,
      partyId: outcome.plan.partyId,
      currency: v.currency,
      issueDate: v.issueDate,
      total,
      installments: [{ dueDate: outcome.plan.dueDate, amount: total }],
    };
  }
  await tx.query(
    `INSERT INTO invoices (id, entity_id, side, kind, number, party_id, order_ref, einvoice_number, currency, issue_date,
                          subtotal_minor, tax_minor, total_minor, description, created_by)
     SELECT t.id, t.entity_id, $1, 'invoice', t.number, t.party_id, t.order_ref, t.einvoice_number, t.currency, t.issue_date,
            t.subtotal, t.tax, t.total, t.description, $2
       FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::date[],
                   $11::bigint[], $12::bigint[], $13::bigint[], $14::text[])
         AS t(id, entity_id, number, party_id, order_ref, einvoice_number, currency, issue_date, subtotal, tax, total, description)`,
    [env.side, createdBy(actor), ids, entityIds, numbers, partyIds, orderRefs, einvoices, currencies, issueDates, subtotals, taxes, totals, descriptions],
  );
  await tx.query(
    `INSERT INTO invoice_lines (invoice_id, line_no, description, quantity, unit_price_minor, tax_rate, amount_minor, tax_minor)
     SELECT t.id, 1, t.description, 1, t.amount, t.rate, t.amount, t.tax
       FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::numeric[], $5::bigint[]) AS t(id, description, amount, rate, tax)`,
    [ids, lineTexts, subtotals, taxRates, taxes],
  );
  await tx.query(
    `INSERT INTO installments (invoice_id, seq, due_date, amount_minor)
     SELECT t.id, 1, t.due, t.amount FROM unnest($1::uuid[], $2::date[], $3::bigint[]) AS t(id, due, amount)`,
    [ids, dueDates, totals],
  );
  await audit(tx, actor, env.side === 'AR' ? 'invoice.import' : 'bill.import', 'import_batch', batch.runId ? `${batch.runId}:${batch.firstRow}` : null, null, {
    file: env.fileName,
    rows: { first: batch.firstRow, last: batch.lastRow },
    side: env.side,
    count: n,
    documents,
  });
}

export const invoicesHandler: KindHandler<InvoiceValue, InvoicePlan, InvoiceState> = {
  parse,
  key: (v) => ({ key: `${v.entityCode ?? ''}|${v.number}`, field: 'number', text: v.number }),
  newState: () => new InvoiceState(),
  check,
  write,
  writeBatch,
};
