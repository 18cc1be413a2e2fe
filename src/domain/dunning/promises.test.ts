import { describe, expect, it } from 'vitest';
import { evaluatePromise, pausesDunning } from './promises';
import { rankWorklist, type WorklistEntry } from './worklist';

const promise = { amountMinor: 500_00n, currency: 'CNY', madeOn: '2026-03-01', promisedDate: '2026-03-10', cancelledOn: null };

describe('promises to pay', () => {
  it('is open before its date, due on it, kept when receipts reach the amount by then, broken after', () => {
    expect(evaluatePromise(promise, [], '2026-03-05').state).toBe('open');
    expect(evaluatePromise(promise, [], '2026-03-10').state).toBe('due');
    expect(evaluatePromise(promise, [], '2026-03-11').state).toBe('broken');
    const receipts = [
      { date: '2026-03-04', currency: 'CNY', amountMinor: 200_00n },
      { date: '2026-03-09', currency: 'CNY', amountMinor: 300_00n },
      { date: '2026-03-09', currency: 'USD', amountMinor: 999_00n },
    ];
    expect(evaluatePromise(promise, receipts, '2026-03-20')).toEqual({ state: 'kept', receivedMinor: 500_00n, keptOn: '2026-03-09' });
    // Part paid only: broken after the date; money received before the promise was made does not count.
    expect(evaluatePromise(promise, [{ date: '2026-02-28', currency: 'CNY', amountMinor: 500_00n }, receipts[0]!], '2026-03-11').state).toBe('broken');
    // Late money does not turn a broken promise into a kept one.
    expect(evaluatePromise(promise, [{ date: '2026-03-12', currency: 'CNY', amountMinor: 500_00n }], '2026-03-15').state).toBe('broken');
    expect(evaluatePromise({ ...promise, cancelledOn: '2026-03-03' }, [], '2026-03-05').state).toBe('cancelled');
    expect(pausesDunning('open') && pausesDunning('due') && !pausesDunning('broken') && !pausesDunning('kept')).toBe(true);
  });
});

describe('worklist order', () => {
  const e = (partyId: string, over: Partial<WorklistEntry>): WorklistEntry => ({
    partyId,
    openMinor: 0n,
    overdueMinor: 0n,
    maxDaysOverdue: 0,
    pDefaultBp: null,
    promise: null,
    ...over,
  });

  it('puts broken then due promises on top, then by expected loss or days × amount', () => {
    const ranked = rankWorklist([
      e('small-old', { openMinor: 1_000_00n, overdueMinor: 1_000_00n, maxDaysOverdue: 120 }), // 120 000 00
      e('big-new', { openMinor: 50_000_00n, overdueMinor: 50_000_00n, maxDaysOverdue: 3 }), // 150 000 00
      e('due', { openMinor: 10n, overdueMinor: 10n, maxDaysOverdue: 1, promise: 'due' }),
      e('broken', { openMinor: 10n, overdueMinor: 10n, maxDaysOverdue: 1, promise: 'broken' }),
      e('scored', { openMinor: 10_000_000_00n, overdueMinor: 0n, pDefaultBp: 1250 }), // 1 250 000 00
    ]);
    expect(ranked.map((r) => r.entry.partyId)).toEqual(['broken', 'due', 'scored', 'big-new', 'small-old']);
    expect(ranked[2]).toMatchObject({ basis: 'expected_loss', score: 1_250_000_00n });
    expect(ranked[3]).toMatchObject({ basis: 'days_x_amount', score: 150_000_00n });
  });
});
