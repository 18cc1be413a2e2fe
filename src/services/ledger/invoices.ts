/**
 * Posting AR invoices, AP bills and credit notes (红字发票). A posted document is immutable; its
 * installments carry the due dates (from the explicit schedule, the contract version's schedule,
 * or the party's payment terms).
 */
import type { Queryable } from '../../db/database';
import { daysBetween, todayIso } from '../../domain/dates';
import {
  type Milestone,
  planOldestFirst,
  type ScheduledInstallment,
  ScheduleError,
  scheduleInstallments,
} from '../../domain/ledger';
import { convert, formatAmount, sum } from '../../domain/money';
import { type Actor, createdBy, requireLedgerWriter } from '../actor';
import { audit } from '../audit';
import { invalid, notFound } from '../errors';
import { currencyCode, isoDate, money, nextDocumentNumber, resolveEntity } from './input';
import { findPartyId } from './parties';

export interface InvoiceLineInput {
  description: string;
  quantity?: string;
  unitPrice: string;
  /** e.g. "0.13" for 13% VAT */
  taxRate?: string;
  /** Line amount before tax; computed from quantity × unit price when omitted. */
  amount?: string;
  /** Tax of the line; computed from amount × rate (half away from zero) when omitted. */
  tax?: string;
}

export interface InvoiceInput {
  entity?: string;
  side?: 'AR' | 'AP';
  number?: string;
  partyId?: string;
  partyCode?: string;
  contractId?: string;
  orderRef?: string | null;
  einvoiceNumber?: string | null;
  currency: string;
  issueDate: string;
  description?: string | null;
  lines: InvoiceLineInput[];
  installments?: { dueDate: string; amount: string }[];
}

const RATE = /^\d+(\.\d{1,4})?$/;
const QTY = /^\d+(\.\d{1,6})?$/;

function computeLines(input: InvoiceInput, currency: string) {
  if (!input.lines?.length) throw invalid('lines_required', 'an invoice needs at least one line', 'lines');
  return input.lines.map((l, i) => {
    const f = `lines.${i}`;
    if (!l.description?.trim()) throw invalid('description_required', `${f}.description is required`, `${f}.description`);
    const quantity = l.quantity ?? '1';
    if (!QTY.test(quantity) || /^0+(\.0*)?$/.test(quantity)) {
      throw invalid('invalid_quantity', `${f}.quantity must be a positive decimal`, `${f}.quantity`);
    }
    const taxRate = l.taxRate ?? '0';
    if (!RATE.test(taxRate) || Number(taxRate) >= 1) {
      throw invalid('invalid_tax_rate', `${f}.taxRate must be a decimal fraction below 1, e.g. 0.13`, `${f}.taxRate`);
    }
    const unitPriceMinor = money(l.unitPrice, currency, `${f}.unitPrice`);
    const amountMinor =
      l.amount !== undefined ? money(l.amount, currency, `${f}.amount`) : convert(unitPriceMinor, currency, currency, quantity);
    const taxMinor = l.tax !== undefined ? money(l.tax, currency, `${f}.tax`) : convert(amountMinor, currency, currency, taxRate);
    return { lineNo: i + 1, description: l.description.trim(), quantity, unitPriceMinor, taxRate, amountMinor, taxMinor };
  });
}

async function contractSchedule(tx: Queryable, contractId: string, partyId: string) {
  const [c] = await tx.query<{ version_id: string; schedule: unknown; party_id: string; currency: string }>(
    `SELECT v.id AS version_id, v.schedule, c.party_id, c.currency
       FROM contracts c JOIN contract_versions v ON v.contract_id = c.id AND v.version = c.current_version
      WHERE c.id = $1`,
    [contractId],
  );
  if (!c) throw notFound('contract', 'contractId');
  if (c.party_id !== partyId) throw invalid('contract_party_mismatch', 'the contract belongs to another party', 'contractId');
  const milestones = (c.schedule as { name: string; percent?: string; amount?: string; dueRule: Milestone['dueRule'] }[]).map(
    (m) =>
      (m.percent !== undefined
        ? { name: m.name, percent: m.percent, dueRule: m.dueRule }
        : { name: m.name, amountMinor: BigInt(m.amount ?? '0'), dueRule: m.dueRule }) as Milestone,
  );
  return { versionId: c.version_id, milestones, currency: c.currency };
}

export async function createInvoice(tx: Queryable, actor: Actor, input: InvoiceInput, kind: 'invoice' | 'credit_note' = 'invoice', originalInvoiceId: string | null = null) {
  requireLedgerWriter(actor);
  const side = input.side ?? 'AR';
  if (side !== 'AR' && side !== 'AP') throw invalid('invalid_side', 'side must be AR or AP', 'side');
  const currency = currencyCode(input.currency);
  const issueDate = isoDate(input.issueDate, 'issueDate');
  const entity = await resolveEntity(tx, input.entity);
  const partyId = await findPartyId(tx, input);
  const [party] = await tx.query<{ payment_terms_days: number; is_customer: boolean; is_supplier: boolean }>(
    'SELECT payment_terms_days, is_customer, is_supplier FROM parties WHERE id = $1',
    [partyId],
  );
  if (side === 'AR' && !party!.is_customer) throw invalid('party_not_customer', 'the party is not a customer', 'partyId');
  if (side === 'AP' && !party!.is_supplier) throw invalid('party_not_supplier', 'the party is not a supplier', 'partyId');

  const lines = computeLines(input, currency);
  const subtotal = sum(lines.map((l) => l.amountMinor));
  const tax = sum(lines.map((l) => l.taxMinor));
  const total = subtotal + tax;
  if (total <= 0n) throw invalid('total_not_positive', 'the invoice total must be greater than zero', 'lines');

  let contractVersionId: string | null = null;
  let schedule: ScheduledInstallment[];
  try {
    if (input.installments?.length) {
      schedule = input.installments.map((s, i) => ({
        seq: i + 1,
        dueDate: isoDate(s.dueDate, `installments.${i}.dueDate`),
        amountMinor: money(s.amount, currency, `installments.${i}.amount`, { positive: true }),
        milestone: null,
      }));
      if (sum(schedule.map((s) => s.amountMinor)) !== total) {
        throw invalid('schedule_mismatch', `installments must add up to the total ${formatAmount(total, currency)}`, 'installments');
      }
    } else if (input.contractId) {
      const c = await contractSchedule(tx, input.contractId, partyId);
      if (c.currency !== currency) throw invalid('currency_mismatch', 'the contract is in another currency', 'currency');
      contractVersionId = c.versionId;
      schedule = scheduleInstallments(total, issueDate, { milestones: c.milestones });
    } else {
      schedule = scheduleInstallments(total, issueDate, { paymentTermsDays: party!.payment_terms_days });
    }
  } catch (err) {
    if (err instanceof ScheduleError) throw invalid(err.code, err.message, 'installments');
    throw err;
  }
  for (const [i, s] of schedule.entries()) {
    if (s.dueDate < issueDate) throw invalid('due_before_issue', 'a due date cannot be before the issue date', `installments.${i}.dueDate`);
  }

  // Numbers are unique per entity and side; RLS must not hide a clash, so ask as the owner.
  const taken = async (n: string) => (await tx.query<{ taken: boolean }>('SELECT document_number_taken($1, $2, $3, $4) AS taken', ['invoices', entity.id, side, n]))[0]!.taken;
  const prefix = kind === 'credit_note' ? 'CN' : side === 'AR' ? 'INV' : 'BILL';
  const number = input.number?.trim() || (await nextDocumentNumber(tx, 'invoice_number_seq', prefix, issueDate, taken));
  if (await taken(number)) throw invalid('duplicate_number', `document number ${number} already exists`, 'number');

  const [inv] = await tx.query<{ id: string }>(
    `INSERT INTO invoices (entity_id, side, kind, number, party_id, contract_version_id, order_ref, einvoice_number,
                           original_invoice_id, currency, issue_date, subtotal_minor, tax_minor, total_minor, description, created_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) RETURNING id`,
    [
      entity.id,
      side,
      kind,
      number,
      partyId,
      contractVersionId,
      input.orderRef ?? null,
      input.einvoiceNumber ?? null,
      originalInvoiceId,
      currency,
      issueDate,
      subtotal,
      tax,
      total,
      input.description ?? null,
      createdBy(actor),
    ],
  );
  const id = inv!.id;
  for (const l of lines) {
    await tx.query(
      `INSERT INTO invoice_lines (invoice_id, line_no, description, quantity, unit_price_minor, tax_rate, amount_minor, tax_minor)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [id, l.lineNo, l.description, l.quantity, l.unitPriceMinor, l.taxRate, l.amountMinor, l.taxMinor],
    );
  }
  for (const s of schedule) {
    await tx.query('INSERT INTO installments (invoice_id, seq, due_date, amount_minor, milestone) VALUES ($1,$2,$3,$4,$5)', [
      id,
      s.seq,
      s.dueDate,
      s.amountMinor,
      s.milestone,
    ]);
  }
  await audit(tx, actor, kind === 'credit_note' ? 'credit_note.post' : side === 'AR' ? 'invoice.post' : 'bill.post', 'invoice', id, null, {
    number,
    side,
    kind,
    partyId,
    currency,
    issueDate,
    total: formatAmount(total, currency),
    installments: schedule.map((s) => ({ dueDate: s.dueDate, amount: formatAmount(s.amountMinor, currency) })),
  });
  return { id, number, totalMinor: total, currency };
}

export interface CreditNoteInput extends Omit<InvoiceInput, 'partyId' | 'partyCode' | 'currency' | 'side' | 'installments' | 'contractId'> {
  originalInvoiceId: string;
  /** Apply the credit to the original invoice's open installments now (default true). */
  applyToOriginal?: boolean;
}

/**
 * A credit note (红字发票) references its original invoice; by default it is applied at once to
 * that invoice's open installments, oldest first, and any rest stays as the customer's credit.
 */
export async function createCreditNote(tx: Queryable, actor: Actor, input: CreditNoteInput) {
  requireLedgerWriter(actor);
  const [orig] = await tx.query<{ id: string; entity_code: string; side: 'AR' | 'AP'; kind: string; party_id: string; currency: string; issue_date: string; total_minor: bigint }>(
    `SELECT i.id, e.code AS entity_code, i.side, i.kind, i.party_id, i.currency, i.issue_date, i.total_minor
       FROM invoices i JOIN entities e ON e.id = i.entity_id WHERE i.id = $1`,
    [input.originalInvoiceId],
  );
  if (!orig) throw notFound('original invoice', 'originalInvoiceId');
  if (orig.kind !== 'invoice') throw invalid('original_not_invoice', 'a credit note must reference an invoice', 'originalInvoiceId');
  const issueDate = isoDate(input.issueDate, 'issueDate');
  if (issueDate < orig.issue_date) throw invalid('credit_before_invoice', 'a credit note cannot predate its invoice', 'issueDate');
  // Lock the original's installments first: concurrent credit notes on one invoice then queue, and
  // the "credits never exceed the invoice" check below sees the ones committed before it.
  const origInstallments = await tx.query<{ id: string }>('SELECT id FROM installments WHERE invoice_id = $1', [orig.id]);
  await tx.query('SELECT lock_for_allocation($1::uuid[], $2::uuid[])', [origInstallments.map((r) => r.id), []]);
  const created = await createInvoice(
    tx,
    actor,
    { ...input, entity: orig.entity_code, side: orig.side, partyId: orig.party_id, currency: orig.currency, installments: undefined, contractId: undefined, issueDate },
    'credit_note',
    orig.id,
  );
  const [{ credited }] = (await tx.query<{ credited: bigint }>(
    `SELECT coalesce(sum(total_minor), 0)::bigint AS credited FROM invoices WHERE original_invoice_id = $1`,
    [orig.id],
  )) as [{ credited: bigint }];
  if (credited > orig.total_minor) {
    throw invalid('credit_exceeds_invoice', 'credit notes would exceed the original invoice total', 'lines');
  }
  if (input.applyToOriginal ?? true) {
    const [cnInst] = await tx.query<{ id: string }>('SELECT id FROM installments WHERE invoice_id = $1 ORDER BY seq LIMIT 1', [created.id]);
    const targets = await tx.query<{ id: string; amount_minor: bigint; allocated_minor: bigint; due_date: string }>(
      'SELECT id, amount_minor, allocated_minor, due_date FROM installments WHERE invoice_id = $1 ORDER BY seq',
      [orig.id],
    );
    await tx.query('SELECT lock_for_allocation($1::uuid[], $2::uuid[])', [[cnInst!.id, ...targets.map((t) => t.id)], []]);
    const fresh = await tx.query<{ id: string; amount_minor: bigint; allocated_minor: bigint; due_date: string }>(
      'SELECT id, amount_minor, allocated_minor, due_date FROM installments WHERE invoice_id = $1 ORDER BY seq',
      [orig.id],
    );
    const plan = planOldestFirst(
      created.totalMinor,
      fresh.map((t) => ({
        installmentId: t.id,
        currency: orig.currency,
        amountMinor: t.amount_minor,
        allocatedMinor: t.allocated_minor,
        dueDate: t.due_date,
        issueDate: orig.issue_date,
      })),
    );
    const [ent] = await tx.query<{ entity_id: string }>('SELECT entity_id FROM invoices WHERE id = $1', [orig.id]);
    for (const line of plan) {
      await tx.query(
        `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_installment_id, amount_minor,
                                  source_amount_minor, effective_date, method, reason, created_by)
         VALUES ($1,$2,$3,'credit_note',$4,$5,$5,$6,'manual',$7,$8)`,
        [ent!.entity_id, orig.side, line.installmentId, cnInst!.id, line.amountMinor, issueDate, `红字发票 ${created.number}`, createdBy(actor)],
      );
    }
    if (plan.length) {
      await audit(tx, actor, 'allocation.credit_note', 'invoice', orig.id, null, {
        creditNote: created.number,
        lines: plan.map((p) => ({ installmentId: p.installmentId, amount: formatAmount(p.amountMinor, orig.currency) })),
      });
    }
  }
  return created;
}

export function daysOverdue(dueDate: string, asOf: string = todayIso()): number {
  return Math.max(0, daysBetween(dueDate, asOf));
}
