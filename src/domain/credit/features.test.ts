import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from '../dates';
import {
  buildDataset,
  creditFactsAsOf,
  defaultWithin,
  extractFeatures,
  featureValue,
  historyAsOf,
  type InstallmentRecord,
  labelAsKnownAt,
  type LedgerHistory,
  settledOn,
} from './features';

const inst = (id: string, issueDate: string, dueDate: string, amountMinor: bigint, payments: Array<[string, bigint]>, customerId = 'C1'): InstallmentRecord => ({
  id,
  customerId,
  issueDate,
  dueDate,
  amountMinor,
  payments: payments.map(([date, amount]) => ({ date, amountMinor: amount })),
});

const ledger: LedgerHistory = {
  installments: [
    inst('I1', '2025-01-01', '2025-01-31', 100_000n, [['2025-02-10', 100_000n]]), // 10 days late
    inst('I2', '2025-02-01', '2025-03-03', 300_000n, [['2025-03-01', 300_000n]]), // 2 days early
    inst('I3', '2025-03-01', '2025-03-31', 200_000n, [
      ['2025-03-20', 50_000n],
      ['2025-04-15', 150_000n],
    ]),
    inst('I4', '2025-03-10', '2025-04-09', 100_000n, []),
  ],
  customers: [{ id: 'C1', creditLimitMinor: 1_000_000n }],
};

describe('point-in-time features — hand-computed', () => {
  const rows = extractFeatures(ledger, '2025-03-25');

  it('lists the installments open at the date', () => {
    expect(rows.map((r) => r.installmentId)).toEqual(['I3', 'I4']);
  });

  it('computes the customer history and the installment features', () => {
    const r = rows[0]!;
    const f = (n: Parameters<typeof featureValue>[1]) => featureValue(r, n);
    expect(f('hist_count')).toBe(2);
    expect(f('hist_mean_days_late')).toBe(4); // (10 − 2) / 2
    expect(f('hist_wmean_days_late')).toBe(2.5); // (1000·10 + 3000·0) / 4000
    expect(f('hist_share_late')).toBe(0.5);
    expect(f('hist_share_late30')).toBe(0);
    expect(f('last_days_late')).toBe(-2); // I2 was settled last
    expect(f('terms_days')).toBe(30);
    expect(f('days_until_due')).toBe(6);
    expect(f('days_overdue_now')).toBe(0);
    expect(f('paid_share_now')).toBe(0.25);
    expect(f('amount_rel')).toBeCloseTo(2000 / 1500, 12); // median of 1000, 1000, 2000, 3000
    expect(f('cust_open_count')).toBe(2);
    expect(f('cust_tenure_days')).toBe(83);
    expect(f('cust_days_since_payment')).toBe(5);
    expect(f('cust_utilisation')).toBeCloseTo(250_000 / 1_000_000, 12);
    expect(f('due_month_end')).toBe(1);
    expect(f('due_quarter_end')).toBe(1);
  });

  it('a customer without history has NaN statistics, not zeros', () => {
    const r = extractFeatures({ installments: [inst('N1', '2025-03-01', '2025-03-31', 1n, [], 'C9')] }, '2025-03-02')[0]!;
    expect(featureValue(r, 'hist_count')).toBe(0);
    expect(featureValue(r, 'hist_mean_days_late')).toBeNaN();
    expect(featureValue(r, 'last_days_late')).toBeNaN();
  });

  it('labels come from later events, as known at a date', () => {
    const i3 = ledger.installments[2]!;
    expect(labelAsKnownAt(i3, '2025-05-01')).toEqual({ late: true, late30: false, settledOn: '2025-04-15', daysLate: 15 });
    expect(labelAsKnownAt(i3, '2025-04-01')).toEqual({ late: true, late30: null, settledOn: null, daysLate: null });
    expect(labelAsKnownAt(i3, '2025-03-25')).toEqual({ late: null, late30: null, settledOn: null, daysLate: null });
    expect(settledOn(i3)).toBe('2025-04-15');
  });

  it('buildDataset refuses snapshots after the knowledge date', () => {
    expect(() => buildDataset(ledger, ['2025-04-01'], { knownAt: '2025-03-31' })).toThrow(RangeError);
    const ds = buildDataset(ledger, ['2025-03-25'], { knownAt: '2025-05-01', notYetDueOnly: true });
    expect(ds.map((r) => [r.installmentId, r.label.daysLate])).toEqual([
      ['I3', 15],
      ['I4', null],
    ]);
  });

  it('scorecard facts as of a date', () => {
    const facts = creditFactsAsOf(ledger, '2025-03-25').get('C1')!;
    expect(facts).toMatchObject({
      avgDaysLate6m: 2.5,
      paidCount12m: 2,
      paidLateCount12m: 1,
      overdueMinor: 0n,
      oldestDaysOverdue: 0,
      openMinor: 250_000n,
      creditLimitMinor: 1_000_000n,
      tenureMonths: 2,
      volume12mMinor: 700_000n,
    });
    const later = creditFactsAsOf(ledger, '2025-04-20').get('C1')!;
    expect(later).toMatchObject({ overdueMinor: 100_000n, oldestDaysOverdue: 11, paidLateCount12m: 2, paidCount12m: 3 });
  });

  it('default within 12 months: 90+ days overdue after the date', () => {
    expect(defaultWithin(ledger, 'C1', '2025-03-25', 12, '2026-06-01')).toBe(true); // I4 never paid
    expect(defaultWithin(ledger, 'C1', '2025-03-25', 12, '2025-06-01')).toBeNull(); // not known yet
    const paid: LedgerHistory = { installments: ledger.installments.slice(0, 3) };
    expect(defaultWithin(paid, 'C1', '2025-03-25', 12, '2026-06-01')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: events after T never change the features as of T
// ---------------------------------------------------------------------------------------------

const BASE = '2024-01-01';
const arbInstallment = (idx: number, maxDay: number) =>
  fc
    .record({
      customer: fc.integer({ min: 0, max: 4 }),
      issue: fc.integer({ min: 0, max: maxDay }),
      terms: fc.constantFrom(0, 15, 30, 60, 90),
      amount: fc.bigInt({ min: 1n, max: 10_000_000n }),
      payments: fc.array(fc.record({ after: fc.integer({ min: 0, max: 200 }), share: fc.integer({ min: 1, max: 100 }) }), { maxLength: 3 }),
      writeOff: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
    })
    .map(
      (r): InstallmentRecord => ({
        id: `I${idx}`,
        customerId: `C${r.customer}`,
        issueDate: addDays(BASE, r.issue),
        dueDate: addDays(BASE, r.issue + r.terms),
        amountMinor: r.amount,
        payments: r.payments.map((p) => ({ date: addDays(BASE, r.issue + p.after), amountMinor: (r.amount * BigInt(p.share)) / 100n })),
        writtenOffOn: r.writeOff === null ? null : addDays(BASE, r.issue + r.writeOff),
      }),
    );

const arbHistory = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => arbInstallment(i, 300))).map((installments) => ({ installments }) as LedgerHistory),
);

describe('point-in-time property', () => {
  it('appending events dated after T leaves every feature as of T unchanged', () => {
    fc.assert(
      fc.property(
        arbHistory,
        fc.integer({ min: 0, max: 400 }),
        fc.array(fc.record({ target: fc.nat(), after: fc.integer({ min: 1, max: 300 }), amount: fc.bigInt({ min: 1n, max: 5_000_000n }) }), { maxLength: 8 }),
        fc.array(arbInstallment(1000, 200), { maxLength: 4 }),
        fc.array(fc.record({ customer: fc.integer({ min: 0, max: 4 }), after: fc.integer({ min: 1, max: 200 }) }), { maxLength: 4 }),
        (history, tDay, extraPayments, extraInstallments, extraEvents) => {
          const T = addDays(BASE, tDay);
          const installments = history.installments.map((i) => ({ ...i, payments: [...i.payments] }));
          // Later payments on existing installments.
          for (const p of extraPayments) {
            const target = installments[p.target % installments.length]!;
            target.payments.push({ date: addDays(T, p.after), amountMinor: p.amount });
          }
          // Write-offs after T on installments that had none.
          for (const i of installments) if (!i.writtenOffOn && i.amountMinor % 3n === 0n) i.writtenOffOn = addDays(T, 10);
          // New installments issued after T.
          extraInstallments.forEach((x, k) => {
            const shift = 1 + k;
            installments.push({
              ...x,
              id: `X${k}`,
              issueDate: addDays(T, shift),
              dueDate: addDays(T, shift + 30),
              payments: x.payments.map((p) => ({ ...p, date: addDays(T, shift + 1) })),
              writtenOffOn: null,
            });
          });
          const later: LedgerHistory = {
            installments,
            disputes: extraEvents.map((e) => ({ customerId: `C${e.customer}`, date: addDays(T, e.after) })),
            brokenPromises: extraEvents.map((e) => ({ customerId: `C${e.customer}`, date: addDays(T, e.after) })),
          };
          expect(extractFeatures(later, T)).toEqual(extractFeatures(history, T));
          expect(creditFactsAsOf(later, T)).toEqual(creditFactsAsOf(history, T));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('historyAsOf keeps no event dated after T', () => {
    fc.assert(
      fc.property(arbHistory, fc.integer({ min: 0, max: 400 }), (history, tDay) => {
        const T = addDays(BASE, tDay);
        for (const i of historyAsOf(history, T).installments) {
          expect(i.issueDate <= T).toBe(true);
          for (const p of i.payments) expect(p.date <= T).toBe(true);
          if (i.writtenOffOn) expect(i.writtenOffOn <= T).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
