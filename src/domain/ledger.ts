/**
 * Ledger rules: installment schedules, derived status and open balance as of a date, and the
 * checks an allocation (核销) must pass. Pure: data in, data out.
 */
import { addDays, addMonths, daysBetween, endOfMonth } from './dates';
import { splitByPercents, splitByWeights, sum } from './money';

// ---------------------------------------------------------------------------------------------
// Installment schedules
// ---------------------------------------------------------------------------------------------

export type DueRule =
  | { kind: 'days_after_invoice'; days: number }
  /** 月结 N 天: end of the invoice month plus N days, the common Chinese "月结30天". */
  | { kind: 'month_end_plus'; days: number }
  | { kind: 'fixed_date'; date: string }
  | { kind: 'months_after_invoice'; months: number };

export type Milestone = { name: string; dueRule: DueRule } & ({ percent: string } | { amountMinor: bigint });

export interface ScheduledInstallment {
  seq: number;
  dueDate: string;
  amountMinor: bigint;
  milestone: string | null;
}

export function dueDateFor(issueDate: string, rule: DueRule): string {
  switch (rule.kind) {
    case 'days_after_invoice':
      return addDays(issueDate, rule.days);
    case 'month_end_plus':
      return addDays(endOfMonth(issueDate), rule.days);
    case 'fixed_date':
      return rule.date;
    case 'months_after_invoice':
      return addMonths(issueDate, rule.months);
  }
}

export class ScheduleError extends Error {
  constructor(
    readonly code: 'schedule_mismatch' | 'schedule_empty' | 'schedule_mixed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Installments for an invoice total. Without milestones: one installment due after the payment
 * terms. With milestones: all by percent (parts sum to the total exactly), or all by amount (which
 * must add up to the total).
 */
export function scheduleInstallments(
  totalMinor: bigint,
  issueDate: string,
  terms: { paymentTermsDays: number } | { milestones: readonly Milestone[] },
): ScheduledInstallment[] {
  if ('paymentTermsDays' in terms) {
    return [{ seq: 1, dueDate: addDays(issueDate, terms.paymentTermsDays), amountMinor: totalMinor, milestone: null }];
  }
  const ms = terms.milestones;
  if (ms.length === 0) throw new ScheduleError('schedule_empty', 'a schedule needs at least one milestone');
  const byPercent = ms.every((m) => 'percent' in m);
  const byAmount = ms.every((m) => 'amountMinor' in m);
  let amounts: bigint[];
  if (byPercent) {
    amounts = splitByPercents(
      totalMinor,
      ms.map((m) => (m as { percent: string }).percent),
    );
  } else if (byAmount) {
    amounts = ms.map((m) => (m as { amountMinor: bigint }).amountMinor);
    if (sum(amounts) !== totalMinor) {
      throw new ScheduleError('schedule_mismatch', 'milestone amounts must add up to the invoice total');
    }
  } else {
    throw new ScheduleError('schedule_mixed', 'milestones must be all percentages or all amounts');
  }
  return ms.map((m, i) => ({
    seq: i + 1,
    dueDate: dueDateFor(issueDate, m.dueRule),
    amountMinor: amounts[i]!,
    milestone: m.name,
  }));
}

/** Splits a total into n equal installments a month apart (remainder to the first ones). */
export function equalInstallments(totalMinor: bigint, firstDue: string, n: number): ScheduledInstallment[] {
  const parts = splitByWeights(totalMinor, Array.from({ length: n }, () => 1n));
  return parts.map((amountMinor, i) => ({ seq: i + 1, dueDate: addMonths(firstDue, i), amountMinor, milestone: null }));
}

// ---------------------------------------------------------------------------------------------
// Balances and status as of a date
// ---------------------------------------------------------------------------------------------

export interface AllocationFact {
  amountMinor: bigint; // negative for a reversal
  effectiveDate: string;
}

/** Allocated amount counting only allocations effective on or before asOf. */
export function allocatedAsOf(allocations: readonly AllocationFact[], asOf: string): bigint {
  let s = 0n;
  for (const a of allocations) if (a.effectiveDate <= asOf) s += a.amountMinor;
  return s;
}

export type InvoiceStatus = 'open' | 'partially_paid' | 'paid' | 'overdue' | 'disputed' | 'written_off';

export interface InstallmentFacts {
  amountMinor: bigint;
  dueDate: string;
  allocations: readonly AllocationFact[];
  /** Part of allocatedAsOf that came from write-off adjustments. */
  writtenOffMinor?: bigint;
}

export interface InvoiceStatusInput {
  issueDate: string;
  installments: readonly InstallmentFacts[];
  disputeOpen: boolean;
  writtenOffMinor: bigint;
}

export interface InvoiceBalance {
  totalMinor: bigint;
  allocatedMinor: bigint;
  openMinor: bigint;
  overdueMinor: bigint;
  status: InvoiceStatus;
  /** Days past the earliest due date still open; 0 when nothing is overdue. */
  daysOverdue: number;
}

/**
 * Status precedence: paid (nothing open; written_off if a write-off closed it) → disputed →
 * overdue (some open installment past due) → partially_paid → open.
 */
export function invoiceBalanceAsOf(inv: InvoiceStatusInput, asOf: string): InvoiceBalance {
  let total = 0n;
  let allocated = 0n;
  let overdue = 0n;
  let earliestOverdue: string | null = null;
  for (const inst of inv.installments) {
    const alloc = allocatedAsOf(inst.allocations, asOf);
    const open = inst.amountMinor - alloc;
    total += inst.amountMinor;
    allocated += alloc;
    if (open > 0n && inst.dueDate < asOf) {
      overdue += open;
      if (earliestOverdue === null || inst.dueDate < earliestOverdue) earliestOverdue = inst.dueDate;
    }
  }
  const open = total - allocated;
  let status: InvoiceStatus;
  if (open === 0n) status = inv.writtenOffMinor > 0n ? 'written_off' : 'paid';
  else if (inv.disputeOpen) status = 'disputed';
  else if (overdue > 0n) status = 'overdue';
  else if (allocated > 0n) status = 'partially_paid';
  else status = 'open';
  return {
    totalMinor: total,
    allocatedMinor: allocated,
    openMinor: open,
    overdueMinor: overdue,
    status,
    daysOverdue: earliestOverdue ? daysBetween(earliestOverdue, asOf) : 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Allocation (核销) checks
// ---------------------------------------------------------------------------------------------

export interface OpenInstallment {
  installmentId: string;
  currency: string;
  amountMinor: bigint;
  allocatedMinor: bigint;
  dueDate: string;
  issueDate: string;
}

export interface AllocationLine {
  installmentId: string;
  amountMinor: bigint;
}

/** Result codes in order of precedence; the first that applies is returned. */
export type AllocationError =
  | { code: 'allocation_empty'; field: string }
  | { code: 'allocation_amount_not_positive'; field: string }
  | { code: 'allocation_duplicate_installment'; field: string }
  | { code: 'installment_not_found'; field: string }
  | { code: 'currency_mismatch'; field: string }
  | { code: 'installment_over_allocated'; field: string; openMinor: bigint }
  | { code: 'receipt_over_allocated'; field: string; unappliedMinor: bigint };

export function checkAllocation(
  source: { currency: string; amountMinor: bigint; allocatedMinor: bigint },
  lines: readonly AllocationLine[],
  installments: ReadonlyMap<string, OpenInstallment>,
): AllocationError | null {
  if (lines.length === 0) return { code: 'allocation_empty', field: 'lines' };
  const seen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    if (line.amountMinor <= 0n) return { code: 'allocation_amount_not_positive', field: `lines.${i}.amount` };
    if (seen.has(line.installmentId)) {
      return { code: 'allocation_duplicate_installment', field: `lines.${i}.installmentId` };
    }
    seen.add(line.installmentId);
  }
  for (const [i, line] of lines.entries()) {
    const inst = installments.get(line.installmentId);
    if (!inst) return { code: 'installment_not_found', field: `lines.${i}.installmentId` };
    if (inst.currency !== source.currency) return { code: 'currency_mismatch', field: `lines.${i}.installmentId` };
    const open = inst.amountMinor - inst.allocatedMinor;
    if (line.amountMinor > open) {
      return { code: 'installment_over_allocated', field: `lines.${i}.amount`, openMinor: open };
    }
  }
  const unapplied = source.amountMinor - source.allocatedMinor;
  if (sum(lines.map((l) => l.amountMinor)) > unapplied) {
    return { code: 'receipt_over_allocated', field: 'lines', unappliedMinor: unapplied };
  }
  return null;
}

/**
 * Oldest-first plan: spreads the unapplied amount over open installments by due date, then issue
 * date, then id, partially paying the last one reached. The common default for partial payments.
 */
export function planOldestFirst(unappliedMinor: bigint, candidates: readonly OpenInstallment[]): AllocationLine[] {
  const sorted = [...candidates].sort(
    (a, b) =>
      a.dueDate.localeCompare(b.dueDate) ||
      a.issueDate.localeCompare(b.issueDate) ||
      a.installmentId.localeCompare(b.installmentId),
  );
  const lines: AllocationLine[] = [];
  let left = unappliedMinor;
  for (const c of sorted) {
    if (left <= 0n) break;
    const open = c.amountMinor - c.allocatedMinor;
    if (open <= 0n) continue;
    const take = open < left ? open : left;
    lines.push({ installmentId: c.installmentId, amountMinor: take });
    left -= take;
  }
  return lines;
}
