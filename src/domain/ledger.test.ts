import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from './dates';
import {
  type AllocationError,
  type AllocationFact,
  type AllocationLine,
  checkAllocation,
  type DueRule,
  dueDateFor,
  equalInstallments,
  type InstallmentFacts,
  type InvoiceStatus,
  invoiceBalanceAsOf,
  type Milestone,
  type OpenInstallment,
  planOldestFirst,
  ScheduleError,
  scheduleInstallments,
} from './ledger';
import { sum } from './money';

const yuan = (n: number) => BigInt(Math.round(n * 100)); // readable amounts in the tables: yuan(1000) = ¥1,000.00
const dateArb = fc.integer({ min: 0, max: 3 * 365 }).map((n) => addDays('2023-01-01', n));

describe('dueDateFor: payment terms', () => {
  it.each<[string, DueRule, string]>([
    ['30 days after invoice', { kind: 'days_after_invoice', days: 30 }, '2024-02-14'],
    ['月结30天 (month end + 30, leap February)', { kind: 'month_end_plus', days: 30 }, '2024-03-01'],
    ['月结0天 (month end)', { kind: 'month_end_plus', days: 0 }, '2024-01-31'],
    ['fixed date', { kind: 'fixed_date', date: '2024-06-30' }, '2024-06-30'],
    ['1 month after invoice', { kind: 'months_after_invoice', months: 1 }, '2024-02-15'],
  ])('invoice of 2024-01-15, %s → due %s', (_label, rule, due) => {
    expect(dueDateFor('2024-01-15', rule)).toBe(due);
  });

  it('months after an invoice of the 31st end on the last day of a short month', () => {
    expect(dueDateFor('2024-01-31', { kind: 'months_after_invoice', months: 1 })).toBe('2024-02-29');
  });
});

describe('scheduleInstallments', () => {
  it('without milestones: one installment due after the party’s payment terms', () => {
    expect(scheduleInstallments(yuan(1130), '2024-01-15', { paymentTermsDays: 30 })).toEqual([
      { seq: 1, dueDate: '2024-02-14', amountMinor: yuan(1130), milestone: null },
    ]);
  });

  it('预付30% / 到货60% / 质保10% of ¥100,000.00', () => {
    const milestones: Milestone[] = [
      { name: '预付款', percent: '30', dueRule: { kind: 'days_after_invoice', days: 0 } },
      { name: '到货款', percent: '60', dueRule: { kind: 'month_end_plus', days: 30 } },
      { name: '质保金', percent: '10', dueRule: { kind: 'months_after_invoice', months: 12 } },
    ];
    expect(scheduleInstallments(yuan(100_000), '2024-01-15', { milestones })).toEqual([
      { seq: 1, dueDate: '2024-01-15', amountMinor: yuan(30_000), milestone: '预付款' },
      { seq: 2, dueDate: '2024-03-01', amountMinor: yuan(60_000), milestone: '到货款' },
      { seq: 3, dueDate: '2025-01-15', amountMinor: yuan(10_000), milestone: '质保金' },
    ]);
  });

  it('thirds of ¥100.00: the cent left over goes to the earliest installment', () => {
    const third = (name: string, days: number): Milestone => ({
      name,
      percent: '33.333333',
      dueRule: { kind: 'days_after_invoice', days },
    });
    const s = scheduleInstallments(yuan(100), '2024-01-01', { milestones: [third('1', 0), third('2', 30), third('3', 60)] });
    expect(s.map((i) => i.amountMinor)).toEqual([3334n, 3333n, 3333n]);
  });

  it('milestones by amount must add up to the total', () => {
    const byAmount = (a: bigint, b: bigint): Milestone[] => [
      { name: '首付', amountMinor: a, dueRule: { kind: 'fixed_date', date: '2024-02-01' } },
      { name: '尾款', amountMinor: b, dueRule: { kind: 'fixed_date', date: '2024-03-01' } },
    ];
    expect(scheduleInstallments(yuan(1000), '2024-01-01', { milestones: byAmount(yuan(400), yuan(600)) })).toHaveLength(2);
    expect(scheduleErrorCode(() => scheduleInstallments(yuan(1000), '2024-01-01', { milestones: byAmount(yuan(400), yuan(500)) }))).toBe(
      'schedule_mismatch',
    );
  });

  it('refuses an empty or mixed schedule', () => {
    const rule: DueRule = { kind: 'days_after_invoice', days: 0 };
    expect(scheduleErrorCode(() => scheduleInstallments(100n, '2024-01-01', { milestones: [] }))).toBe('schedule_empty');
    expect(
      scheduleErrorCode(() =>
        scheduleInstallments(100n, '2024-01-01', {
          milestones: [
            { name: 'a', percent: '50', dueRule: rule },
            { name: 'b', amountMinor: 50n, dueRule: rule },
          ],
        }),
      ),
    ).toBe('schedule_mixed');
  });

  it('property: installments always add up to the invoice total, numbered 1..n', () => {
    const percentMilestone = fc
      .tuple(fc.integer({ min: 1, max: 100 }), fc.nat(99), fc.nat(400))
      .map(([p, f, days]): Milestone => ({ name: `M${p}`, percent: `${p}.${f}`, dueRule: { kind: 'days_after_invoice', days } }));
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 14n }),
        dateArb,
        fc.array(percentMilestone, { minLength: 1, maxLength: 10 }),
        (total, issue, milestones) => {
          const s = scheduleInstallments(total, issue, { milestones });
          expect(sum(s.map((i) => i.amountMinor))).toBe(total);
          expect(s.map((i) => i.seq)).toEqual(milestones.map((_m, i) => i + 1));
          for (const i of s) expect(i.dueDate >= issue).toBe(true);
        },
      ),
    );
  });

  it('property: equal installments a month apart add up to the total and differ by at most 1 minor unit', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 14n }), dateArb, fc.integer({ min: 1, max: 36 }), (total, first, n) => {
        const s = equalInstallments(total, first, n);
        expect(s).toHaveLength(n);
        expect(sum(s.map((i) => i.amountMinor))).toBe(total);
        const amounts = s.map((i) => i.amountMinor);
        const max = amounts.reduce((a, b) => (a > b ? a : b));
        const min = amounts.reduce((a, b) => (a < b ? a : b));
        expect(max - min <= 1n).toBe(true);
        expect(s[0]!.dueDate).toBe(first);
      }),
    );
  });

  it('equal installments: ¥100.00 in 3 monthly parts from 31 January', () => {
    expect(equalInstallments(yuan(100), '2024-01-31', 3)).toEqual([
      { seq: 1, dueDate: '2024-01-31', amountMinor: 3334n, milestone: null },
      { seq: 2, dueDate: '2024-02-29', amountMinor: 3333n, milestone: null },
      { seq: 3, dueDate: '2024-03-31', amountMinor: 3333n, milestone: null },
    ]);
  });
});

function scheduleErrorCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScheduleError) return err.code;
    throw err;
  }
  throw new Error('expected a ScheduleError');
}

// ---------------------------------------------------------------------------------------------
// Balance and status as of a date
// ---------------------------------------------------------------------------------------------

const paid = (yuanAmount: number, effectiveDate: string): AllocationFact => ({ amountMinor: yuan(yuanAmount), effectiveDate });
const inst = (yuanAmount: number, dueDate: string, ...allocations: AllocationFact[]): InstallmentFacts => ({
  amountMinor: yuan(yuanAmount),
  dueDate,
  allocations,
});

describe('invoiceBalanceAsOf: status as of 2024-03-31', () => {
  const asOf = '2024-03-31';
  it.each<{
    case: string;
    installments: InstallmentFacts[];
    disputed?: boolean;
    writtenOff?: number;
    status: InvoiceStatus;
    open: number;
    overdue: number;
    days: number;
  }>([
    {
      case: 'fully received, even though a dispute is open → paid',
      installments: [inst(1000, '2024-01-31', paid(1000, '2024-02-15'))],
      disputed: true,
      status: 'paid',
      open: 0,
      overdue: 0,
      days: 0,
    },
    {
      case: 'closed by a ¥400 write-off (核销坏账) → written_off',
      installments: [inst(1000, '2024-01-31', paid(600, '2024-02-01'), paid(400, '2024-03-01'))],
      disputed: true,
      writtenOff: 400,
      status: 'written_off',
      open: 0,
      overdue: 0,
      days: 0,
    },
    {
      case: 'past due but disputed → disputed',
      installments: [inst(1000, '2024-01-31', paid(300, '2024-02-01'))],
      disputed: true,
      status: 'disputed',
      open: 700,
      overdue: 700,
      days: 60,
    },
    {
      case: 'past due, partly received → overdue',
      installments: [inst(1000, '2024-01-31', paid(300, '2024-02-01'))],
      status: 'overdue',
      open: 700,
      overdue: 700,
      days: 60,
    },
    {
      case: 'not yet due, partly received → partially_paid',
      installments: [inst(1000, '2024-04-30', paid(300, '2024-02-01'))],
      status: 'partially_paid',
      open: 700,
      overdue: 0,
      days: 0,
    },
    {
      case: 'not yet due, nothing received → open',
      installments: [inst(1000, '2024-04-30')],
      status: 'open',
      open: 1000,
      overdue: 0,
      days: 0,
    },
    {
      case: 'due today is not overdue yet → open',
      installments: [inst(1000, '2024-03-31')],
      status: 'open',
      open: 1000,
      overdue: 0,
      days: 0,
    },
    {
      case: 'payment booked with effect after the as-of date does not count → open',
      installments: [inst(1000, '2024-04-30', paid(1000, '2024-04-01'))],
      status: 'open',
      open: 1000,
      overdue: 0,
      days: 0,
    },
    {
      case: 'a reversed allocation (冲销) reopens the invoice → overdue',
      installments: [inst(1000, '2024-02-29', paid(1000, '2024-02-01'), paid(-1000, '2024-03-01'))],
      status: 'overdue',
      open: 1000,
      overdue: 1000,
      days: 31,
    },
    {
      case: 'first installment paid, second past due → overdue (overdue beats partially_paid)',
      installments: [inst(500, '2024-01-31', paid(500, '2024-01-30')), inst(500, '2024-03-15')],
      status: 'overdue',
      open: 500,
      overdue: 500,
      days: 16,
    },
    {
      case: 'days overdue count from the earliest open due date',
      installments: [inst(500, '2024-03-15'), inst(500, '2024-01-31')],
      status: 'overdue',
      open: 1000,
      overdue: 1000,
      days: 60,
    },
    {
      case: 'a partial write-off does not make it written_off while money is still open → partially_paid',
      installments: [inst(1000, '2024-04-30', paid(100, '2024-03-01'))],
      writtenOff: 100,
      status: 'partially_paid',
      open: 900,
      overdue: 0,
      days: 0,
    },
  ])('$case', (c) => {
    const b = invoiceBalanceAsOf(
      { issueDate: '2024-01-01', installments: c.installments, disputeOpen: c.disputed ?? false, writtenOffMinor: yuan(c.writtenOff ?? 0) },
      asOf,
    );
    expect(b.status).toBe(c.status);
    expect(b.openMinor).toBe(yuan(c.open));
    expect(b.overdueMinor).toBe(yuan(c.overdue));
    expect(b.daysOverdue).toBe(c.days);
    expect(b.totalMinor).toBe(sum(c.installments.map((i) => i.amountMinor)));
  });

  /** Installments with allocations that never exceed the installment (as the database ensures). */
  const installmentArb = fc
    .tuple(fc.bigInt({ min: 1n, max: 10n ** 9n }), dateArb, fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), dateArb), { maxLength: 4 }))
    .map(([amount, due, parts]): InstallmentFacts => {
      let left = amount;
      const allocations: AllocationFact[] = [];
      for (const [pct, d] of parts) {
        const a = (amount * BigInt(pct)) / 100n;
        if (a === 0n || a > left) continue;
        left -= a;
        allocations.push({ amountMinor: a, effectiveDate: d });
      }
      return { amountMinor: amount, dueDate: due, allocations };
    });
  const invoiceArb = fc.record({
    installments: fc.array(installmentArb, { minLength: 1, maxLength: 4 }),
    disputeOpen: fc.boolean(),
    writtenOffMinor: fc.constantFrom(0n, 1n),
  });

  it('property: allocations effective after the as-of date change nothing', () => {
    fc.assert(
      fc.property(invoiceArb, dateArb, fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 400 }), fc.bigInt({ min: -100n, max: 100n }))), (inv, asOf, later) => {
        const base = invoiceBalanceAsOf({ issueDate: '2023-01-01', ...inv }, asOf);
        const installments = inv.installments.map((i, k) => ({
          ...i,
          allocations: [
            ...i.allocations,
            ...later.filter(([at]) => at % inv.installments.length === k).map(([, days, a]) => ({ amountMinor: a, effectiveDate: addDays(asOf, days) })),
          ],
        }));
        expect(invoiceBalanceAsOf({ issueDate: '2023-01-01', ...inv, installments }, asOf)).toEqual(base);
      }),
    );
  });

  it('property: balances add up and the status follows the precedence paid/written_off → disputed → overdue → partially_paid → open', () => {
    fc.assert(
      fc.property(invoiceArb, dateArb, (inv, asOf) => {
        const b = invoiceBalanceAsOf({ issueDate: '2023-01-01', ...inv }, asOf);
        expect(b.openMinor).toBe(b.totalMinor - b.allocatedMinor);
        expect(b.overdueMinor >= 0n && b.overdueMinor <= b.openMinor).toBe(true);
        expect(b.daysOverdue > 0).toBe(b.overdueMinor > 0n);
        const expected: InvoiceStatus =
          b.openMinor === 0n
            ? inv.writtenOffMinor > 0n
              ? 'written_off'
              : 'paid'
            : inv.disputeOpen
              ? 'disputed'
              : b.overdueMinor > 0n
                ? 'overdue'
                : b.allocatedMinor > 0n
                  ? 'partially_paid'
                  : 'open';
        expect(b.status).toBe(expected);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Allocation checks (核销校验)
// ---------------------------------------------------------------------------------------------

const openInst = (id: string, currency: string, amount: number, allocated = 0): OpenInstallment => ({
  installmentId: id,
  currency,
  amountMinor: yuan(amount),
  allocatedMinor: yuan(allocated),
  dueDate: '2024-02-01',
  issueDate: '2024-01-01',
});
const line = (installmentId: string, amount: number): AllocationLine => ({ installmentId, amountMinor: yuan(amount) });

describe('checkAllocation: the first rule broken is reported', () => {
  // A ¥1,000.00 receipt, nothing applied yet; installments A and C open ¥500, D open ¥300 of ¥500,
  // B is in USD; X does not exist (or is outside the user's data scope).
  const installments = new Map(
    [openInst('A', 'CNY', 500), openInst('C', 'CNY', 500), openInst('D', 'CNY', 500, 200), openInst('B', 'USD', 500)].map((i) => [
      i.installmentId,
      i,
    ]),
  );
  const receipt = { currency: 'CNY', amountMinor: yuan(1000), allocatedMinor: 0n };

  it.each<[string, AllocationLine[], { amountMinor: bigint; allocatedMinor: bigint } | null, AllocationError | null]>([
    ['no lines', [], null, { code: 'allocation_empty', field: 'lines' }],
    ['a zero amount', [line('A', 0)], null, { code: 'allocation_amount_not_positive', field: 'lines.0.amount' }],
    ['a negative amount', [line('A', -5)], null, { code: 'allocation_amount_not_positive', field: 'lines.0.amount' }],
    ['the same installment twice', [line('A', 100), line('A', 100)], null, { code: 'allocation_duplicate_installment', field: 'lines.1.installmentId' }],
    [
      'a bad amount on a later line beats an unknown installment on an earlier one',
      [line('X', 100), line('A', -5)],
      null,
      { code: 'allocation_amount_not_positive', field: 'lines.1.amount' },
    ],
    ['an unknown installment', [line('X', 100)], null, { code: 'installment_not_found', field: 'lines.0.installmentId' }],
    ['an invoice in another currency', [line('A', 100), line('B', 100)], null, { code: 'currency_mismatch', field: 'lines.1.installmentId' }],
    [
      'more than the installment’s open ¥300.00',
      [line('D', 300.01)],
      null,
      { code: 'installment_over_allocated', field: 'lines.0.amount', openMinor: yuan(300) },
    ],
    [
      'lines are checked in order: over-allocation on line 0 before the unknown installment on line 1',
      [line('D', 400), line('X', 1)],
      null,
      { code: 'installment_over_allocated', field: 'lines.0.amount', openMinor: yuan(300) },
    ],
    [
      'more than the receipt’s unapplied ¥1,000.00',
      [line('A', 500), line('C', 500), line('D', 0.01)],
      null,
      { code: 'receipt_over_allocated', field: 'lines', unappliedMinor: yuan(1000) },
    ],
    [
      'more than what is left of a partly applied receipt',
      [line('A', 500)],
      { amountMinor: yuan(1000), allocatedMinor: yuan(600) },
      { code: 'receipt_over_allocated', field: 'lines', unappliedMinor: yuan(400) },
    ],
    ['exactly the receipt over two installments', [line('A', 500), line('C', 500)], null, null],
    ['exactly the open part of an installment', [line('D', 300)], null, null],
  ])('%s', (_label, lines, source, expected) => {
    expect(checkAllocation({ ...receipt, ...(source ?? {}) }, lines, installments)).toEqual(expected);
  });

  /** The rules written out once more, independently: phase 1 per line, phase 2 per line, phase 3. */
  function reference(
    source: { currency: string; amountMinor: bigint; allocatedMinor: bigint },
    lines: AllocationLine[],
    insts: Map<string, OpenInstallment>,
  ): string | null {
    if (lines.length === 0) return 'allocation_empty';
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.amountMinor <= 0n) return `allocation_amount_not_positive@${i}`;
      if (lines.slice(0, i).some((l) => l.installmentId === lines[i]!.installmentId)) return `allocation_duplicate_installment@${i}`;
    }
    for (let i = 0; i < lines.length; i++) {
      const inst = insts.get(lines[i]!.installmentId);
      if (!inst) return `installment_not_found@${i}`;
      if (inst.currency !== source.currency) return `currency_mismatch@${i}`;
      if (lines[i]!.amountMinor > inst.amountMinor - inst.allocatedMinor) return `installment_over_allocated@${i}`;
    }
    return sum(lines.map((l) => l.amountMinor)) > source.amountMinor - source.allocatedMinor ? 'receipt_over_allocated' : null;
  }

  it('property: agrees with the rules written out independently, and null means every rule holds', () => {
    const ids = ['I1', 'I2', 'I3', 'I4', 'I5'];
    const instArb = fc
      .tuple(fc.constantFrom('CNY', 'CNY', 'CNY', 'USD'), fc.bigInt({ min: 1n, max: 10_000n }), fc.nat(100))
      .map(([currency, amount, pct]) => ({ currency, amount, allocated: (amount * BigInt(pct)) / 100n }));
    fc.assert(
      fc.property(
        fc.tuple(...ids.map(() => fc.option(instArb, { nil: undefined }))),
        fc.array(fc.tuple(fc.constantFrom(...ids, 'I404'), fc.bigInt({ min: -10n, max: 6_000n })), { maxLength: 5 }),
        fc.bigInt({ min: 1n, max: 20_000n }),
        fc.nat(100),
        (instSpecs, lineSpecs, receiptAmount, pct) => {
          const insts = new Map<string, OpenInstallment>();
          instSpecs.forEach((s, k) => {
            if (s) {
              insts.set(ids[k]!, {
                installmentId: ids[k]!,
                currency: s.currency,
                amountMinor: s.amount,
                allocatedMinor: s.allocated,
                dueDate: '2024-02-01',
                issueDate: '2024-01-01',
              });
            }
          });
          const source = { currency: 'CNY', amountMinor: receiptAmount, allocatedMinor: (receiptAmount * BigInt(pct)) / 100n };
          const lines = lineSpecs.map(([installmentId, amountMinor]) => ({ installmentId, amountMinor }));
          const got = checkAllocation(source, lines, insts);
          const want = reference(source, lines, insts);
          const index = got?.field.match(/^lines\.(\d+)\./)?.[1];
          expect(got === null ? null : index === undefined ? got.code : `${got.code}@${index}`).toBe(want);
        },
      ),
    );
  });
});

describe('planOldestFirst: partial payments go to the oldest due installments', () => {
  it('¥450.00 over four installments', () => {
    const c = (id: string, due: string, issue: string, amount: number, allocated = 0): OpenInstallment => ({
      installmentId: id,
      currency: 'CNY',
      amountMinor: yuan(amount),
      allocatedMinor: yuan(allocated),
      dueDate: due,
      issueDate: issue,
    });
    const plan = planOldestFirst(yuan(450), [
      c('late', '2024-01-31', '2024-01-01', 300),
      c('mid-b', '2024-01-15', '2024-01-10', 200),
      c('mid-a', '2024-01-15', '2024-01-05', 100), // same due date, issued earlier → first
      c('paid', '2024-01-01', '2024-01-01', 100, 100), // nothing open: skipped
    ]);
    expect(plan).toEqual([line('mid-a', 100), line('mid-b', 200), line('late', 150)]);
  });

  it('nothing to apply → no lines', () => {
    expect(planOldestFirst(0n, [openInst('A', 'CNY', 100)])).toEqual([]);
    expect(planOldestFirst(-5n, [openInst('A', 'CNY', 100)])).toEqual([]);
  });

  const candidatesArb = fc
    .uniqueArray(
      fc.record({
        installmentId: fc.uuid(),
        currency: fc.constant('CNY'),
        amountMinor: fc.bigInt({ min: 1n, max: 100_000n }),
        allocatedPct: fc.nat(100),
        dueDate: dateArb,
        issueDate: dateArb,
      }),
      { selector: (c) => c.installmentId, maxLength: 12 },
    )
    .map((cs) =>
      cs.map(({ allocatedPct, ...c }): OpenInstallment => ({ ...c, allocatedMinor: (c.amountMinor * BigInt(allocatedPct)) / 100n })),
    );

  it('property: never more than open or unapplied, everything applicable is applied, oldest first', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -10n, max: 1_000_000n }), candidatesArb, (unapplied, candidates) => {
        const plan = planOldestFirst(unapplied, candidates);
        const byId = new Map(candidates.map((c) => [c.installmentId, c]));
        const openOf = (c: OpenInstallment) => c.amountMinor - c.allocatedMinor;
        const totalOpen = sum(candidates.map(openOf));
        const applied = sum(plan.map((l) => l.amountMinor));
        expect(applied).toBe(unapplied <= 0n ? 0n : unapplied < totalOpen ? unapplied : totalOpen);
        expect(new Set(plan.map((l) => l.installmentId)).size).toBe(plan.length);
        for (const l of plan) {
          expect(l.amountMinor > 0n).toBe(true);
          expect(l.amountMinor <= openOf(byId.get(l.installmentId)!)).toBe(true);
        }
        // The plan is a prefix of the open installments in (due, issue, id) order; every line but
        // the last pays its installment in full.
        const order = candidates
          .filter((c) => openOf(c) > 0n)
          .sort(
            (a, b) =>
              a.dueDate.localeCompare(b.dueDate) || a.issueDate.localeCompare(b.issueDate) || a.installmentId.localeCompare(b.installmentId),
          );
        expect(plan.map((l) => l.installmentId)).toEqual(order.slice(0, plan.length).map((c) => c.installmentId));
        plan.slice(0, -1).forEach((l) => {
          expect(l.amountMinor).toBe(openOf(byId.get(l.installmentId)!));
        });
        // No installment due later receives money while an earlier one stays open.
        const partlyOpen = order.findIndex((c) => (plan.find((l) => l.installmentId === c.installmentId)?.amountMinor ?? 0n) < openOf(c));
        if (partlyOpen >= 0) expect(plan.length <= partlyOpen + 1).toBe(true);
      }),
    );
  });
});
