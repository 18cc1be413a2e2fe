/**
 * Synthetic receivables ledgers with known payment behaviour, for testing and benchmarking the
 * credit models. Each customer has a latent habit (typical days late and how much it varies),
 * may pay only in month-end payment runs, may deteriorate from some month on, and may default
 * (stop paying; the rest is written off six months later). Lateness also depends on the invoice
 * (larger than usual → later) and the season (Chinese New Year and quarter ends). Deterministic
 * for a given seed.
 *
 * The ground truth (`truth`) is returned beside the ledger so tests can check that the features
 * and models recover it; the models themselves only ever see the ledger.
 */
import { addDays, addMonths, daysBetween, endOfMonth } from '../dates';
import type { CustomerEvent, CustomerRecord, InstallmentRecord, LedgerHistory, PaymentEvent } from './features';
import { createRng } from './random';

export interface SyntheticOptions {
  seed: number;
  customers: number;
  /** First issue date (YYYY-MM-DD) and how many months of invoices follow it. */
  start: string;
  months: number;
  /** Mean invoices per customer per month. */
  invoicesPerMonth: number;
  /** Share of customers that default at some point. */
  defaultRate: number;
  /** Share of customers whose lateness grows from some month on. */
  deteriorationRate: number;
}

export const DEFAULT_SYNTHETIC: SyntheticOptions = {
  seed: 1,
  customers: 150,
  start: '2023-01-01',
  months: 30,
  invoicesPerMonth: 2.5,
  defaultRate: 0.06,
  deteriorationRate: 0.15,
};

export type HabitKind = 'punctual' | 'slightly_late' | 'late' | 'chronic';

export interface CustomerTruth {
  id: string;
  habit: HabitKind;
  /** Mean days late of the customer's habit and the spread around it. */
  meanDaysLate: number;
  spreadDays: number;
  /** Pays only in a month-end payment run (the first run on or after the target date). */
  monthEndRuns: boolean;
  deterioratesFrom: string | null;
  /** Extra days late per month after deterioratesFrom. */
  deteriorationPerMonth: number;
  defaultsOn: string | null;
  termsDays: number;
  typicalAmountMinor: bigint;
}

export interface SyntheticLedger {
  history: LedgerHistory;
  truth: CustomerTruth[];
  /** The last date of the data: no event is dated later. */
  end: string;
}

const HABITS: Array<{ kind: HabitKind; weight: number; mean: [number, number]; spread: [number, number] }> = [
  { kind: 'punctual', weight: 0.5, mean: [-15, -4], spread: [1, 4] },
  { kind: 'slightly_late', weight: 0.27, mean: [0, 8], spread: [3, 8] },
  { kind: 'late', weight: 0.15, mean: [12, 30], spread: [5, 12] },
  { kind: 'chronic', weight: 0.08, mean: [35, 70], spread: [10, 25] },
];

/** Chinese New Year falls in late January or February: payments due then slip. */
function seasonalDelay(dueDate: string): number {
  const m = Number(dueDate.slice(5, 7));
  let d = 0;
  if (m === 1 || m === 2) d += 8;
  if (m % 3 === 0 && Number(dueDate.slice(8, 10)) >= 25) d += 4;
  return d;
}

export function generateLedger(options: Partial<SyntheticOptions> = {}): SyntheticLedger {
  const o: SyntheticOptions = { ...DEFAULT_SYNTHETIC, ...options };
  const rng = createRng(o.seed);
  const uniform = (a: number, b: number): number => a + (b - a) * rng.next();
  const end = addDays(addMonths(o.start, o.months), -1);
  const installments: InstallmentRecord[] = [];
  const customers: CustomerRecord[] = [];
  const truth: CustomerTruth[] = [];

  for (let c = 0; c < o.customers; c++) {
    const id = `C${String(c + 1).padStart(4, '0')}`;
    let r = rng.next();
    let habit = HABITS[HABITS.length - 1]!;
    for (const h of HABITS) {
      if (r < h.weight) {
        habit = h;
        break;
      }
      r -= h.weight;
    }
    const joinOffsetMonths = rng.next() < 0.7 ? 0 : rng.int(Math.max(1, o.months - 6));
    const joined = addMonths(o.start, joinOffsetMonths);
    const activeMonths = o.months - joinOffsetMonths;
    const deteriorates = rng.next() < o.deteriorationRate && activeMonths > 8;
    const defaults = rng.next() < o.defaultRate && activeMonths > 6;
    const t: CustomerTruth = {
      id,
      habit: habit.kind,
      meanDaysLate: uniform(...habit.mean),
      spreadDays: uniform(...habit.spread),
      monthEndRuns: rng.next() < 0.2,
      deterioratesFrom: deteriorates ? addMonths(joined, 4 + rng.int(activeMonths - 6)) : null,
      deteriorationPerMonth: deteriorates ? uniform(2, 6) : 0,
      defaultsOn: defaults ? addMonths(joined, 6 + rng.int(Math.max(1, activeMonths - 6))) : null,
      termsDays: [30, 30, 45, 60, 60, 90][rng.int(6)]!,
      typicalAmountMinor: BigInt(Math.round(Math.exp(uniform(Math.log(5_000), Math.log(500_000))))) * 100n,
    };
    truth.push(t);
    customers.push({ id, creditLimitMinor: t.typicalAmountMinor * BigInt(2 + rng.int(6)) });
    const rate = o.invoicesPerMonth * uniform(0.3, 1.7);

    let n = 0;
    for (let m = joinOffsetMonths; m < o.months; m++) {
      const monthStart = addMonths(o.start, m);
      // Poisson count by inversion.
      let k = 0;
      let p = Math.exp(-rate);
      let cum = p;
      const u = rng.next();
      while (u > cum && k < 30) {
        k++;
        p *= rate / k;
        cum += p;
      }
      for (let j = 0; j < k; j++) {
        const issueDate = addDays(monthStart, rng.int(28));
        if (t.defaultsOn && issueDate > addDays(t.defaultsOn, 30)) continue; // sales stop after a default
        const amountFactor = Math.exp(rng.normal() * 0.6);
        const amountMinor = BigInt(Math.max(100, Math.round(Number(t.typicalAmountMinor / 100n) * amountFactor))) * 100n;
        const terms = rng.next() < 0.9 ? t.termsDays : [15, 30, 60, 90][rng.int(4)]!;
        const dueDate = addDays(issueDate, terms);
        let late = t.meanDaysLate + t.spreadDays * rng.normal() + 6 * Math.log(amountFactor) + seasonalDelay(dueDate);
        if (t.deterioratesFrom && dueDate > t.deterioratesFrom) late += t.deteriorationPerMonth * (daysBetween(t.deterioratesFrom, dueDate) / 30);
        if (rng.next() < 0.05) late += uniform(10, 45); // an occasional slip
        let payOn = addDays(dueDate, Math.round(late));
        if (payOn <= issueDate) payOn = addDays(issueDate, 1);
        if (t.monthEndRuns) payOn = endOfMonth(payOn);
        const payments: PaymentEvent[] = [];
        const neverPaid = t.defaultsOn !== null && payOn >= t.defaultsOn;
        if (!neverPaid) {
          if (rng.next() < 0.12) {
            // Part payment some days earlier, the rest on the payment date.
            const part = (amountMinor * BigInt(30 + rng.int(50))) / 100n;
            const early = addDays(payOn, -(3 + rng.int(20)));
            payments.push({ date: early > issueDate ? early : addDays(issueDate, 1), amountMinor: part });
            payments.push({ date: payOn, amountMinor: amountMinor - part });
          } else payments.push({ date: payOn, amountMinor });
        }
        const writtenOffOn = neverPaid ? addDays(t.defaultsOn! > dueDate ? t.defaultsOn! : dueDate, 180) : null;
        installments.push({
          id: `${id}-${String(++n).padStart(4, '0')}`,
          customerId: id,
          issueDate,
          dueDate,
          amountMinor,
          // The data ends at `end`: later events have not happened yet.
          payments: payments.filter((x) => x.date <= end),
          writtenOffOn: writtenOffOn && writtenOffOn <= end ? writtenOffOn : null,
        });
      }
    }
  }
  // Disputes and broken promises are more frequent for late payers.
  const disputes: CustomerEvent[] = [];
  const brokenPromises: CustomerEvent[] = [];
  for (const t of truth) {
    const lateness = Math.max(0, t.meanDaysLate) / 40;
    for (let m = 0; m < o.months; m++) {
      const date = addDays(addMonths(o.start, m), rng.int(28));
      if (rng.next() < 0.01 + 0.03 * lateness) disputes.push({ customerId: t.id, date });
      if (rng.next() < 0.005 + 0.05 * lateness) brokenPromises.push({ customerId: t.id, date: addDays(date, 1) });
    }
  }
  return { history: { installments, customers, disputes, brokenPromises }, truth, end };
}
