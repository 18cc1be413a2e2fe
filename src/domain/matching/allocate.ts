/**
 * Turning "this money pays these items" into allocations, one rule for every relation between the
 * amount and the items' open total:
 *   equal                        every item in full                                  → exact
 *   short by a bank fee          every item in full, the newest one closed by a fee  → fee_short
 *   short by an agreed discount  (one item) closed by a discount adjustment          → fee_short
 *   otherwise short              oldest first (ledger.planOldestFirst), last partly  → partial
 *   more                         every item in full, the rest on account (预收)      → overpayment
 * Invariant: Σ allocations + onAccount = amount; allocation + adjustment ≤ open per item.
 */
import { planOldestFirst } from '../ledger';
import { matchDiscount, matchFee } from './tolerance';
import type { Adjustment, MatchConfig, OpenItem, ProposedAllocation } from './types';

/** An item with what is still open on it (after earlier lines of the same run). */
export interface Slot {
  item: OpenItem;
  remaining: bigint;
}

export type SetOutcome = 'exact' | 'fee_short' | 'discount' | 'partial' | 'overpayment';

export interface SetAllocation {
  outcome: SetOutcome;
  allocations: ProposedAllocation[];
  adjustment: Adjustment | null;
  onAccountMinor: bigint;
  discountRateBp: number | null;
}

/** Oldest-first order: due date, issue date, installment id. */
export function compareOldest(a: OpenItem, b: OpenItem): number {
  return (
    a.dueDate.localeCompare(b.dueDate) ||
    a.issueDate.localeCompare(b.issueDate) ||
    (a.installmentId < b.installmentId ? -1 : a.installmentId > b.installmentId ? 1 : 0)
  );
}

export function oldestFirst(amountMinor: bigint, slots: readonly Slot[]): ProposedAllocation[] {
  return planOldestFirst(
    amountMinor,
    slots.map((s) => ({
      installmentId: s.item.installmentId,
      currency: s.item.currency,
      amountMinor: s.remaining,
      allocatedMinor: 0n,
      dueDate: s.item.dueDate,
      issueDate: s.item.issueDate,
    })),
  );
}

/** Allocates `amount` over a set of items the payer is known (or said) to pay. */
export function allocateToSet(
  amountMinor: bigint,
  slots: readonly Slot[],
  feeToleranceMinor: bigint,
  config: Pick<MatchConfig, 'discountRatesBp' | 'discountSlackMinor'>,
): SetAllocation {
  const sorted = [...slots].sort((a, b) => compareOldest(a.item, b.item));
  const total = sorted.reduce((s, x) => s + x.remaining, 0n);
  const full = sorted.map((s) => ({ installmentId: s.item.installmentId, amountMinor: s.remaining }));
  if (amountMinor === total) {
    return { outcome: 'exact', allocations: full, adjustment: null, onAccountMinor: 0n, discountRateBp: null };
  }
  if (amountMinor > total) {
    return {
      outcome: 'overpayment',
      allocations: full,
      adjustment: null,
      onAccountMinor: amountMinor - total,
      discountRateBp: null,
    };
  }
  const last = sorted[sorted.length - 1];
  // An exact agreed-discount shortfall is more specific than "some bank fee": checked first.
  if (sorted.length === 1 && last) {
    const d = matchDiscount(total, amountMinor, config);
    if (d) {
      return {
        outcome: 'discount',
        allocations: [{ installmentId: last.item.installmentId, amountMinor }],
        adjustment: { kind: 'discount', installmentId: last.item.installmentId, amountMinor: d.discountMinor },
        onAccountMinor: 0n,
        discountRateBp: d.rateBp,
      };
    }
  }
  const fee = matchFee(total, amountMinor, feeToleranceMinor);
  if (last && fee !== null && last.remaining > fee) {
    const allocations = full.map((a, i) => (i === full.length - 1 ? { ...a, amountMinor: a.amountMinor - fee } : a));
    return {
      outcome: 'fee_short',
      allocations,
      adjustment: { kind: 'bank_fee', installmentId: last.item.installmentId, amountMinor: fee },
      onAccountMinor: 0n,
      discountRateBp: null,
    };
  }
  return {
    outcome: 'partial',
    allocations: oldestFirst(amountMinor, sorted),
    adjustment: null,
    onAccountMinor: 0n,
    discountRateBp: null,
  };
}
