import { describe, expect, it } from 'vitest';
import { daysBetween } from '../dates';
import { settledOn } from './features';
import { generateLedger } from './synthetic';

describe('synthetic ledgers', () => {
  const a = generateLedger({ seed: 42, customers: 40, months: 18 });

  it('is deterministic for a seed', () => {
    const b = generateLedger({ seed: 42, customers: 40, months: 18 });
    expect(b).toEqual(a);
    expect(generateLedger({ seed: 43, customers: 40, months: 18 })).not.toEqual(a);
  });

  it('has no event after the end of the data and pays no more than the amount', () => {
    for (const i of a.history.installments) {
      expect(i.issueDate <= a.end).toBe(true);
      expect(i.dueDate >= i.issueDate).toBe(true);
      let paid = 0n;
      for (const p of i.payments) {
        expect(p.date <= a.end).toBe(true);
        expect(p.date > i.issueDate).toBe(true);
        paid += p.amountMinor;
      }
      expect(paid <= i.amountMinor).toBe(true);
      if (i.writtenOffOn) expect(i.writtenOffOn <= a.end).toBe(true);
    }
  });

  it('customers behave as their latent habit says', () => {
    const truth = new Map(a.truth.map((t) => [t.id, t]));
    const late = { punctual: [0, 0], chronic: [0, 0] } as Record<string, [number, number]>;
    for (const i of a.history.installments) {
      const s = settledOn(i);
      const t = truth.get(i.customerId)!;
      if (!s || !(t.habit in late) || t.monthEndRuns) continue;
      late[t.habit]![0]++;
      if (daysBetween(i.dueDate, s) > 0) late[t.habit]![1]++;
    }
    const share = (k: string) => late[k]![1] / late[k]![0];
    expect(share('punctual')).toBeLessThan(0.35);
    expect(share('chronic')).toBeGreaterThan(0.9);
  });

  it('defaulting customers stop paying and are written off', () => {
    const big = generateLedger({ seed: 7, customers: 80, months: 30, defaultRate: 0.3 });
    const defaulters = big.truth.filter((t) => t.defaultsOn && t.defaultsOn < '2024-06-01');
    expect(defaulters.length).toBeGreaterThan(0);
    for (const t of defaulters) {
      const after = big.history.installments.filter((i) => i.customerId === t.id && i.payments.some((p) => p.date >= t.defaultsOn!));
      expect(after).toEqual([]);
    }
    expect(big.history.installments.some((i) => i.writtenOffOn)).toBe(true);
  });
});
