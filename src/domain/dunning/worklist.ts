/**
 * The collector worklist order (催收工作台排序). Each customer gets a transparent score:
 * expected loss = probability of default × open amount when a risk score exists, else the
 * fallback days overdue × overdue amount. Customers with a promise due today or broken come first
 * (broken before due), then by score, then by amount. All arithmetic is exact (bigint): the
 * probability is carried in basis points (1 bp = 0.01 %).
 */

export interface WorklistEntry {
  partyId: string;
  /** Open amount in the ranking currency (minor units). */
  openMinor: bigint;
  /** Overdue amount in the ranking currency (minor units). */
  overdueMinor: bigint;
  /** Days the oldest open overdue item is past due (0 when nothing is overdue). */
  maxDaysOverdue: number;
  /** Probability of default in basis points (0–10000), null when there is no risk score. */
  pDefaultBp: number | null;
  promise: 'broken' | 'due' | null;
}

export interface RankedEntry<E extends WorklistEntry = WorklistEntry> {
  entry: E;
  /** The ranking key, in ranking-currency minor units (expected loss) or minor-unit-days (fallback). */
  score: bigint;
  basis: 'expected_loss' | 'days_x_amount';
  /** Human explanation, e.g. "P(default) 12.50% × 100000.00". */
  explanation: string;
}

export function worklistScore(e: WorklistEntry): { score: bigint; basis: RankedEntry['basis'] } {
  if (e.pDefaultBp !== null) {
    const bp = BigInt(Math.max(0, Math.min(10_000, Math.round(e.pDefaultBp))));
    return { score: (e.openMinor * bp) / 10_000n, basis: 'expected_loss' };
  }
  return { score: BigInt(Math.max(0, e.maxDaysOverdue)) * e.overdueMinor, basis: 'days_x_amount' };
}

const PROMISE_RANK = { broken: 0, due: 1 } as const;

export function rankWorklist<E extends WorklistEntry>(entries: readonly E[]): RankedEntry<E>[] {
  const ranked = entries.map((entry) => {
    const { score, basis } = worklistScore(entry);
    const explanation =
      basis === 'expected_loss'
        ? `P(default) ${(entry.pDefaultBp! / 100).toFixed(2)}% × open ${entry.openMinor}`
        : `${entry.maxDaysOverdue} days overdue × overdue ${entry.overdueMinor}`;
    return { entry, score, basis, explanation };
  });
  const cmp = (a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0);
  return ranked.sort((a, b) => {
    const pa = a.entry.promise ? PROMISE_RANK[a.entry.promise] : 2;
    const pb = b.entry.promise ? PROMISE_RANK[b.entry.promise] : 2;
    return pa - pb || cmp(a.score, b.score) || cmp(a.entry.openMinor, b.entry.openMinor) || a.entry.partyId.localeCompare(b.entry.partyId);
  });
}
