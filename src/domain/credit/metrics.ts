/**
 * Model quality figures for the credit predictions: AUC, Brier score, log loss, calibration bins
 * and mean absolute error in days. Probabilities and day counts are plain numbers (they are not
 * money). Every function is pure and takes parallel arrays.
 */

function checkLengths(a: readonly unknown[], b: readonly unknown[]): void {
  if (a.length !== b.length) throw new RangeError(`length mismatch: ${a.length} vs ${b.length}`);
}

/**
 * Area under the ROC curve by ranks (Mann–Whitney U): the probability that a random positive is
 * scored above a random negative, ties counting one half (tied scores get their average rank).
 * NaN when either class is absent — there is nothing to rank.
 */
export function auc(scores: readonly number[], labels: readonly (0 | 1 | boolean)[]): number {
  checkLengths(scores, labels);
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => scores[i]! - scores[j]!);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]!] = avg;
    i = j + 1;
  }
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i]) {
      nPos++;
      rankSum += ranks[i]!;
    }
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Mean squared difference between the predicted probability and the 0/1 outcome. */
export function brier(probs: readonly number[], labels: readonly (0 | 1 | boolean)[]): number {
  checkLengths(probs, labels);
  if (probs.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const d = probs[i]! - (labels[i] ? 1 : 0);
    s += d * d;
  }
  return s / probs.length;
}

/** Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(probs: readonly number[], labels: readonly (0 | 1 | boolean)[]): number {
  checkLengths(probs, labels);
  if (probs.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probs[i]!));
    s -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return s / probs.length;
}

export interface CalibrationBin {
  /** Bin bounds on the predicted probability: [from, to), the last bin includes 1. */
  from: number;
  to: number;
  count: number;
  /** Mean predicted probability in the bin (NaN when empty). */
  meanPredicted: number;
  /** Observed share of positives in the bin (NaN when empty). */
  observedRate: number;
}

/** Equal-width calibration bins over [0, 1] — the data for a reliability chart. */
export function calibrationBins(probs: readonly number[], labels: readonly (0 | 1 | boolean)[], bins = 10): CalibrationBin[] {
  checkLengths(probs, labels);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a whole number ≥ 1, got ${bins}`);
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    count[b]!++;
    sumP[b]! += p;
    sumY[b]! += labels[i] ? 1 : 0;
  }
  return count.map((c, b) => ({
    from: b / bins,
    to: (b + 1) / bins,
    count: c,
    meanPredicted: c ? sumP[b]! / c : Number.NaN,
    observedRate: c ? sumY[b]! / c : Number.NaN,
  }));
}

/** Expected calibration error: count-weighted mean |predicted − observed| over the bins. */
export function expectedCalibrationError(binsData: readonly CalibrationBin[]): number {
  let n = 0;
  let s = 0;
  for (const b of binsData) {
    if (b.count === 0) continue;
    n += b.count;
    s += b.count * Math.abs(b.meanPredicted - b.observedRate);
  }
  return n ? s / n : Number.NaN;
}

/** Mean absolute error, e.g. between predicted and actual payment dates in days. */
export function meanAbsoluteError(predicted: readonly number[], actual: readonly number[]): number {
  checkLengths(predicted, actual);
  if (predicted.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < predicted.length; i++) s += Math.abs(predicted[i]! - actual[i]!);
  return s / predicted.length;
}
