/**
 * Remittance advice (付款通知 / UBL RemittanceAdvice / the payer's Excel list): when attached to a
 * line it drives the allocation line by line — each advice line pays its invoice's installments
 * (lowest seq first) up to the amount stated. Unknown invoice numbers and amounts beyond what is
 * open stay on account. When the bank amount is short of the advice total by a bank fee, the fee
 * closes the last allocated installment; a larger shortfall cuts allocations from the end (and the
 * proposal's confidence). A discount stated on an advice line becomes the adjustment (one per line).
 */
import type { RefIndex } from './references';
import type { Adjustment, OpenItem, ProposedAllocation, RemittanceAdvice } from './types';

export interface AdviceAllocation {
  allocations: ProposedAllocation[];
  adjustment: Adjustment | null;
  onAccountMinor: bigint;
  /** Advice invoice numbers not found among open items. */
  unresolved: string[];
  /** Advice lines asking for more than is open. */
  overstated: number;
  /** Line amount − advice total (negative when the bank paid less). */
  differenceMinor: bigint;
  feeMinor: bigint;
  cutMinor: bigint;
}

export function allocateAdvice(
  amountMinor: bigint,
  advice: RemittanceAdvice,
  index: RefIndex,
  usable: (item: OpenItem) => bigint,
  feeToleranceMinor: bigint,
): AdviceAllocation {
  const alloc = new Map<string, bigint>();
  const order: string[] = [];
  const unresolved: string[] = [];
  let overstated = 0;
  let onAccount = 0n;
  let adviceTotal = 0n;
  let adjustment: Adjustment | null = null;
  for (const l of advice.lines) {
    adviceTotal += l.amountMinor;
    const inv = index.lookupInvoice(l.invoiceNumber);
    const items = inv ? (index.itemsByInvoice.get(inv) ?? []) : [];
    let want = l.amountMinor;
    let lastId: string | null = null;
    let lastRoom = 0n;
    for (const it of items) {
      if (want <= 0n) break;
      const room = usable(it) - (alloc.get(it.installmentId) ?? 0n);
      if (room <= 0n) continue;
      const take = room < want ? room : want;
      if (!alloc.has(it.installmentId)) order.push(it.installmentId);
      alloc.set(it.installmentId, (alloc.get(it.installmentId) ?? 0n) + take);
      want -= take;
      lastId = it.installmentId;
      lastRoom = room - take;
    }
    if (!inv || lastId === null) unresolved.push(l.invoiceNumber);
    else if (want > 0n) overstated++;
    onAccount += want;
    const disc = l.discountMinor ?? 0n;
    if (disc > 0n && adjustment === null && lastId !== null && lastRoom >= disc) {
      adjustment = { kind: 'discount', installmentId: lastId, amountMinor: disc };
    }
  }
  let allocations = order.map((id) => ({ installmentId: id, amountMinor: alloc.get(id)! }));
  const difference = amountMinor - adviceTotal;
  let feeMinor = 0n;
  let cutMinor = 0n;
  if (difference > 0n) onAccount += difference;
  else if (difference < 0n) {
    let short = -difference;
    // First from what would have gone on account.
    const fromAccount = onAccount < short ? onAccount : short;
    onAccount -= fromAccount;
    short -= fromAccount;
    const last = allocations[allocations.length - 1];
    if (short > 0n && short <= feeToleranceMinor && adjustment === null && last && last.amountMinor > short) {
      feeMinor = short;
      adjustment = { kind: 'bank_fee', installmentId: last.installmentId, amountMinor: short };
      allocations = allocations.map((a, i) => (i === allocations.length - 1 ? { ...a, amountMinor: a.amountMinor - short } : a));
      short = 0n;
    }
    cutMinor = short;
    for (let i = allocations.length - 1; i >= 0 && short > 0n; i--) {
      const a = allocations[i]!;
      const take = a.amountMinor < short ? a.amountMinor : short;
      allocations[i] = { ...a, amountMinor: a.amountMinor - take };
      short -= take;
    }
    allocations = allocations.filter((a) => a.amountMinor > 0n);
    if (adjustment && !allocations.some((a) => a.installmentId === adjustment!.installmentId)) adjustment = null;
  }
  return {
    allocations,
    adjustment,
    onAccountMinor: onAccount,
    unresolved,
    overstated,
    differenceMinor: difference,
    feeMinor,
    cutMinor,
  };
}
