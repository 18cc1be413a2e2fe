/**
 * Allocation (核销) of receipts to invoice installments, reversals and adjustments. Each use case
 * locks the documents it touches in a fixed order, re-reads them under the caller's data scope,
 * checks the domain rules, then appends rows; the database triggers check the same invariants
 * again, so a bug here cannot over-allocate.
 */
import type { Queryable } from '../../db/database';
import { todayIso } from '../../domain/dates';
import { type AllocationLine, checkAllocation, type OpenInstallment } from '../../domain/ledger';
import { formatAmount } from '../../domain/money';
import { type Actor, createdBy, requireLedgerWriter } from '../actor';
import { audit } from '../audit';
import { AppError, invalid, notFound } from '../errors';
import { isoDate, money } from './input';

export interface AllocateInput {
  receiptId: string;
  effectiveDate?: string;
  lines: { installmentId: string; amount: string }[];
  method?: 'manual' | 'auto' | 'import';
  reason?: string | null;
  /** The matching engine's confidence in [0, 1] (method auto). */
  confidence?: number | null;
}

interface InstallmentRow {
  id: string;
  invoice_id: string;
  invoice_number: string;
  kind: string;
  side: string;
  entity_id: string;
  party_id: string;
  parent_id: string | null;
  currency: string;
  issue_date: string;
  due_date: string;
  amount_minor: bigint;
  allocated_minor: bigint;
}

async function loadInstallments(tx: Queryable, ids: string[]): Promise<Map<string, InstallmentRow>> {
  const rows = await tx.query<InstallmentRow>(
    `SELECT n.id, n.invoice_id, i.number AS invoice_number, i.kind, i.side, i.entity_id, i.party_id, p.parent_id,
            i.currency, i.issue_date, n.due_date, n.amount_minor, n.allocated_minor
       FROM installments n JOIN invoices i ON i.id = n.invoice_id JOIN parties p ON p.id = i.party_id
      WHERE n.id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

/** A head office may pay for its subsidiaries: the payer is the invoice's party or its parent. */
function payerMayPay(receiptPartyId: string, inst: InstallmentRow): boolean {
  return inst.party_id === receiptPartyId || inst.parent_id === receiptPartyId;
}

const ALLOCATION_STATUS: Record<string, number> = {
  installment_over_allocated: 409,
  receipt_over_allocated: 409,
  installment_not_found: 404,
};

export async function allocateReceipt(tx: Queryable, actor: Actor, input: AllocateInput) {
  requireLedgerWriter(actor);
  if (!Array.isArray(input.lines) || input.lines.length === 0) throw invalid('allocation_empty', 'at least one line is required', 'lines');
  const ids = input.lines.map((l) => l.installmentId);
  await tx.query('SELECT lock_for_allocation($1::uuid[], $2::uuid[])', [ids, [input.receiptId]]);
  const [receipt] = await tx.query<{
    id: string;
    number: string;
    entity_id: string;
    side: string;
    party_id: string | null;
    currency: string;
    receipt_date: string;
    amount_minor: bigint;
    allocated_minor: bigint;
  }>('SELECT id, number, entity_id, side, party_id, currency, receipt_date, amount_minor, allocated_minor FROM receipts WHERE id = $1', [
    input.receiptId,
  ]);
  if (!receipt) throw notFound('receipt', 'receiptId');
  if (!receipt.party_id) throw invalid('receipt_party_unknown', 'assign the payer before allocating this receipt', 'receiptId');
  const installments = await loadInstallments(tx, ids);
  const lines: AllocationLine[] = input.lines.map((l, i) => ({
    installmentId: l.installmentId,
    amountMinor: money(l.amount, receipt.currency, `lines.${i}.amount`, { positive: true }),
  }));
  for (const [i, l] of lines.entries()) {
    const inst = installments.get(l.installmentId);
    if (!inst) continue; // reported by checkAllocation with its field
    const f = `lines.${i}.installmentId`;
    if (inst.kind !== 'invoice') throw invalid('allocation_target_not_invoice', 'only invoice installments can be allocated to', f);
    if (inst.side !== receipt.side || inst.entity_id !== receipt.entity_id) {
      throw invalid('allocation_entity_mismatch', 'the invoice belongs to another entity or side', f);
    }
    if (!payerMayPay(receipt.party_id, inst)) throw invalid('allocation_party_mismatch', 'the invoice belongs to another customer', f);
  }
  const open = new Map<string, OpenInstallment>(
    [...installments.values()].map((r) => [
      r.id,
      {
        installmentId: r.id,
        currency: r.currency,
        amountMinor: r.amount_minor,
        allocatedMinor: r.allocated_minor,
        dueDate: r.due_date,
        issueDate: r.issue_date,
      },
    ]),
  );
  const error = checkAllocation(
    { currency: receipt.currency, amountMinor: receipt.amount_minor, allocatedMinor: receipt.allocated_minor },
    lines,
    open,
  );
  if (error) {
    const detail =
      error.code === 'installment_over_allocated'
        ? ` (open ${formatAmount(error.openMinor, receipt.currency)})`
        : error.code === 'receipt_over_allocated'
          ? ` (unapplied ${formatAmount(error.unappliedMinor, receipt.currency)})`
          : '';
    throw new AppError(ALLOCATION_STATUS[error.code] ?? 422, error.code, `${error.code.replaceAll('_', ' ')}${detail}`, [error.field]);
  }
  const latestIssue = [...installments.values()].reduce((d, r) => (r.issue_date > d ? r.issue_date : d), receipt.receipt_date);
  const effectiveDate = input.effectiveDate ? isoDate(input.effectiveDate, 'effectiveDate') : latestIssue;
  if (effectiveDate < latestIssue) {
    throw invalid('effective_date_too_early', `an allocation cannot take effect before ${latestIssue}, when both documents exist`, 'effectiveDate');
  }
  const created: { id: string; installmentId: string; amount: string }[] = [];
  for (const l of lines) {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor,
                                source_amount_minor, effective_date, method, reason, confidence, created_by)
       VALUES ($1,$2,$3,'receipt',$4,$5,$5,$6,$7,$8,$9,$10) RETURNING id`,
      [
        receipt.entity_id,
        receipt.side,
        l.installmentId,
        receipt.id,
        l.amountMinor,
        effectiveDate,
        input.method ?? 'manual',
        input.reason ?? null,
        input.confidence === null || input.confidence === undefined ? null : input.confidence.toFixed(4),
        createdBy(actor),
      ],
    );
    created.push({ id: row!.id, installmentId: l.installmentId, amount: formatAmount(l.amountMinor, receipt.currency) });
  }
  const [after] = await tx.query<{ allocated_minor: bigint }>('SELECT allocated_minor FROM receipts WHERE id = $1', [receipt.id]);
  const unapplied = receipt.amount_minor - after!.allocated_minor;
  await audit(tx, actor, 'allocation.create', 'receipt', receipt.id, null, {
    receipt: receipt.number,
    effectiveDate,
    method: input.method ?? 'manual',
    ...(input.confidence !== null && input.confidence !== undefined ? { confidence: input.confidence.toFixed(4), reason: input.reason ?? null } : {}),
    lines: created.map((c) => ({ ...c, invoice: installments.get(c.installmentId)?.invoice_number })),
  });
  return {
    receiptId: receipt.id,
    effectiveDate,
    currency: receipt.currency,
    allocations: created,
    unapplied: formatAmount(unapplied, receipt.currency),
  };
}

export async function reverseAllocation(tx: Queryable, actor: Actor, allocationId: string, input: { effectiveDate?: string; reason?: string | null } = {}) {
  requireLedgerWriter(actor);
  const [orig] = await tx.query<{
    id: string;
    entity_id: string;
    side: string;
    target_installment_id: string;
    source_kind: string;
    source_receipt_id: string | null;
    source_installment_id: string | null;
    adjustment_kind: string | null;
    amount_minor: bigint;
    source_amount_minor: bigint;
    fx_rate: string | null;
    effective_date: string;
    reverses_allocation_id: string | null;
  }>('SELECT * FROM allocations WHERE id = $1', [allocationId]);
  if (!orig) throw notFound('allocation');
  if (orig.reverses_allocation_id) throw invalid('cannot_reverse_reversal', 'a reversal cannot itself be reversed', 'allocationId');
  const installmentIds = [orig.target_installment_id, ...(orig.source_installment_id ? [orig.source_installment_id] : [])];
  await tx.query('SELECT lock_for_allocation($1::uuid[], $2::uuid[])', [installmentIds, orig.source_receipt_id ? [orig.source_receipt_id] : []]);
  const already = await tx.query('SELECT 1 FROM allocations WHERE reverses_allocation_id = $1', [orig.id]);
  if (already.length) throw new AppError(409, 'allocation_already_reversed', 'this allocation was already reversed', ['allocationId']);
  const today = todayIso();
  const effectiveDate = input.effectiveDate ? isoDate(input.effectiveDate, 'effectiveDate') : today < orig.effective_date ? orig.effective_date : today;
  if (effectiveDate < orig.effective_date) {
    throw invalid('effective_date_too_early', 'a reversal cannot take effect before the allocation it reverses', 'effectiveDate');
  }
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, source_installment_id,
                              adjustment_kind, amount_minor, source_amount_minor, fx_rate, effective_date, method, reason,
                              reverses_allocation_id, created_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'manual',$12,$13,$14) RETURNING id`,
    [
      orig.entity_id,
      orig.side,
      orig.target_installment_id,
      orig.source_kind,
      orig.source_receipt_id,
      orig.source_installment_id,
      orig.adjustment_kind,
      -orig.amount_minor,
      -orig.source_amount_minor,
      orig.fx_rate,
      effectiveDate,
      input.reason ?? (orig.adjustment_kind ? '冲销调整' : '冲销核销'),
      orig.id,
      createdBy(actor),
    ],
  );
  await audit(tx, actor, 'allocation.reverse', 'allocation', orig.id, { amountMinor: orig.amount_minor }, { reversalId: row!.id, effectiveDate });
  return { id: row!.id, reverses: orig.id, effectiveDate };
}

export interface AdjustmentInput {
  installmentId: string;
  kind: 'discount' | 'bank_fee' | 'small_difference' | 'write_off';
  amount: string;
  reason: string;
  effectiveDate?: string;
  method?: 'manual' | 'auto' | 'import';
}

/** Discounts, bank fees and small differences close part of an installment without money. */
export async function addAdjustment(tx: Queryable, actor: Actor, input: AdjustmentInput) {
  requireLedgerWriter(actor);
  if (!['discount', 'bank_fee', 'small_difference', 'write_off'].includes(input.kind)) {
    throw invalid('invalid_adjustment_kind', 'kind must be discount, bank_fee, small_difference or write_off', 'kind');
  }
  if (!input.reason?.trim()) throw invalid('reason_required', 'an adjustment needs a reason', 'reason');
  await tx.query('SELECT lock_for_allocation($1::uuid[], $2::uuid[])', [[input.installmentId], []]);
  const inst = (await loadInstallments(tx, [input.installmentId])).get(input.installmentId);
  if (!inst) throw notFound('installment', 'installmentId');
  if (inst.kind !== 'invoice') throw invalid('allocation_target_not_invoice', 'adjust invoice installments only', 'installmentId');
  const amountMinor = money(input.amount, inst.currency, 'amount', { positive: true });
  const open = inst.amount_minor - inst.allocated_minor;
  if (amountMinor > open) {
    throw new AppError(409, 'installment_over_allocated', `the adjustment exceeds the open amount ${formatAmount(open, inst.currency)}`, ['amount']);
  }
  const effectiveDate = input.effectiveDate ? isoDate(input.effectiveDate, 'effectiveDate') : todayIso();
  if (effectiveDate < inst.issue_date) throw invalid('effective_date_too_early', 'an adjustment cannot predate the invoice', 'effectiveDate');
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, adjustment_kind, amount_minor,
                              source_amount_minor, effective_date, method, reason, created_by)
     VALUES ($1,$2,$3,'adjustment',$4,$5,$5,$6,$7,$8,$9) RETURNING id`,
    [inst.entity_id, inst.side, inst.id, input.kind, amountMinor, effectiveDate, input.method ?? 'manual', input.reason.trim(), createdBy(actor)],
  );
  await audit(tx, actor, 'adjustment.create', 'installment', inst.id, null, {
    invoice: inst.invoice_number,
    kind: input.kind,
    amount: formatAmount(amountMinor, inst.currency),
    reason: input.reason.trim(),
    effectiveDate,
  });
  return { id: row!.id, effectiveDate };
}
