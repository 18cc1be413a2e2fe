import { describe, expect, it } from 'vitest';
import { auc, brier, calibrationBins, expectedCalibrationError, logLoss, meanAbsoluteError } from './metrics';

describe('auc', () => {
  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    expect(auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
  });

  it('counts pairs by hand: 3 positives × 2 negatives', () => {
    // Pairs (pos, neg): (0.4,0.1)✓ (0.4,0.5)✗ (0.6,0.1)✓ (0.6,0.5)✓ (0.9,0.1)✓ (0.9,0.5)✓ → 5/6
    expect(auc([0.1, 0.4, 0.5, 0.6, 0.9], [0, 1, 0, 1, 1])).toBeCloseTo(5 / 6, 12);
  });

  it('counts a tie as one half', () => {
    // (0.5 pos vs 0.5 neg) = ½, (0.5 pos vs 0.2 neg) = 1 → 1.5 / 2
    expect(auc([0.2, 0.5, 0.5], [0, 0, 1])).toBeCloseTo(0.75, 12);
    expect(auc([0.3, 0.3, 0.3, 0.3], [0, 1, 0, 1])).toBe(0.5);
  });

  it('is NaN when a class is missing', () => {
    expect(auc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(auc([], [])).toBeNaN();
  });

  it('accepts booleans', () => {
    expect(auc([0.1, 0.9], [false, true])).toBe(1);
  });
});

describe('brier and log loss', () => {
  it('computes the mean squared error of the probabilities', () => {
    // (0.9−1)² + (0.2−0)² + (0.6−1)² = 0.01 + 0.04 + 0.16 = 0.21 → /3
    expect(brier([0.9, 0.2, 0.6], [1, 0, 1])).toBeCloseTo(0.07, 12);
  });

  it('log loss of a coin flip is ln 2', () => {
    expect(logLoss([0.5, 0.5], [0, 1])).toBeCloseTo(Math.LN2, 12);
  });
});

describe('calibration', () => {
  it('bins by predicted probability and reports observed rates', () => {
    const bins = calibrationBins([0.05, 0.15, 0.12, 0.95, 1], [0, 1, 0, 1, 1], 10);
    expect(bins).toHaveLength(10);
    expect(bins[0]).toMatchObject({ count: 1, observedRate: 0 });
    expect(bins[1]!.count).toBe(2);
    expect(bins[1]!.meanPredicted).toBeCloseTo(0.135, 12);
    expect(bins[1]!.observedRate).toBe(0.5);
    expect(bins[9]!.count).toBe(2); // 1.0 falls in the last bin
    expect(bins[5]!.count).toBe(0);
    expect(bins[5]!.observedRate).toBeNaN();
    // ECE = (1·0.05 + 2·|0.135−0.5| + 2·|0.975−1|) / 5
    expect(expectedCalibrationError(bins)).toBeCloseTo((0.05 + 2 * 0.365 + 2 * 0.025) / 5, 12);
  });
});

describe('mean absolute error', () => {
  it('averages absolute day differences', () => {
    expect(meanAbsoluteError([0, 10, -5], [3, 4, -5])).toBe(3);
  });
  it('rejects arrays of different length', () => {
    expect(() => meanAbsoluteError([1], [1, 2])).toThrow(RangeError);
  });
});
