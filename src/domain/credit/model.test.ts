import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auc } from './metrics';
import { modelFromJson, predict, predictGbm, predictLogistic, trainGbm, trainLogistic } from './model';
import { createRng, stratifiedSplit } from './random';
import { parseUciCsv, uciCreditFacts, uciFeatures } from './uci';
import { scoreCustomer } from './scorecard';

/** y = 1 when x0 + x1·x2 > 0.8 (an interaction a linear model cannot express), with label noise. */
function interactionData(n: number, seed: number, noise = 0.05): { X: number[][]; y: number[] } {
  const rng = createRng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [rng.next(), rng.next(), rng.next(), rng.next()];
    X.push(row);
    const truth = row[0]! + row[1]! * row[2]! > 0.8 ? 1 : 0;
    y.push(rng.next() < noise ? 1 - truth : truth);
  }
  return { X, y };
}

describe('gradient-boosted trees', () => {
  const train = interactionData(3000, 1);
  const test = interactionData(1000, 2);

  it('learns an interaction and beats logistic regression on it', () => {
    const gbm = trainGbm(train.X, train.y, { seed: 7, nTrees: 150, learningRate: 0.1 });
    const lr = trainLogistic(train.X, train.y);
    const aGbm = auc(test.X.map((r) => predictGbm(gbm, r)), test.y as (0 | 1)[]);
    const aLr = auc(test.X.map((r) => predictLogistic(lr, r)), test.y as (0 | 1)[]);
    expect(aGbm).toBeGreaterThan(0.93);
    expect(aGbm).toBeGreaterThan(aLr);
    // x3 is pure noise: the model should barely use it.
    expect(gbm.featureGain[3]!).toBeLessThan(gbm.featureGain[0]! / 10);
  });

  it('is deterministic for a seed and differs with another seed', () => {
    const a = trainGbm(train.X, train.y, { seed: 3, nTrees: 30 });
    const b = trainGbm(train.X, train.y, { seed: 3, nTrees: 30 });
    const c = trainGbm(train.X, train.y, { seed: 4, nTrees: 30 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('survives a JSON round trip with identical predictions', () => {
    const m = trainGbm(train.X, train.y, { seed: 3, nTrees: 40 });
    const back = modelFromJson(JSON.stringify(m));
    for (const r of test.X.slice(0, 50)) expect(predict(back, r)).toBe(predictGbm(m, r));
    expect(() => modelFromJson('{"kind":"other","version":1}')).toThrow();
  });

  it('stops early on a validation split', () => {
    const noisy = interactionData(2000, 5, 0.45);
    const m = trainGbm(noisy.X, noisy.y, { seed: 1, nTrees: 500, learningRate: 0.3, earlyStoppingRounds: 10 });
    expect(m.bestIteration).toBeLessThan(500);
    expect(m.trees).toHaveLength(m.bestIteration);
  });

  it('sends missing values left and still predicts', () => {
    const X = train.X.map((r, i) => (i % 5 === 0 ? [Number.NaN, r[1]!, r[2]!, r[3]!] : r));
    const m = trainGbm(X, train.y, { seed: 1, nTrees: 50 });
    const p = predictGbm(m, [Number.NaN, 0.5, 0.5, 0.5]);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m); // no NaN or Infinity inside
  });

  it('quantile regression brackets the target (10 % / 50 % / 90 %)', () => {
    const rng = createRng(11);
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const x = rng.next();
      X.push([x]);
      y.push(20 * x + 5 * rng.normal()); // days late grow with x, noise σ = 5
    }
    const fitQuantile = (alpha: number) => trainGbm(X, y, { objective: 'quantile', alpha, seed: 1, nTrees: 120, learningRate: 0.25 });
    const [q10, q50, q90] = [fitQuantile(0.1), fitQuantile(0.5), fitQuantile(0.9)];
    const at = (m: ReturnType<typeof fitQuantile>, x: number) => predictGbm(m, [x]);
    expect(Math.abs(at(q50, 0.5) - 10)).toBeLessThan(1.5); // local median of ~150 noisy points
    expect(at(q90, 0.5) - at(q10, 0.5)).toBeGreaterThan(2 * 1.28 * 5 * 0.75); // ≈ 12.8 wide
    const covered = X.filter((r, i) => y[i]! >= at(q10, r[0]!) && y[i]! <= at(q90, r[0]!)).length / X.length;
    expect(covered).toBeGreaterThan(0.7);
    expect(covered).toBeLessThan(0.9);
  });

  it('squared loss fits a mean', () => {
    const X = Array.from({ length: 500 }, (_, i) => [i % 2]);
    const y = X.map((r) => (r[0] ? 10 : 2));
    const m = trainGbm(X, y, { objective: 'squared', seed: 1, nTrees: 100, learningRate: 0.3, validationFraction: 0 });
    expect(predictGbm(m, [1])).toBeCloseTo(10, 1);
    expect(predictGbm(m, [0])).toBeCloseTo(2, 1);
  });
});

describe('logistic regression', () => {
  it('recovers known coefficients', () => {
    const rng = createRng(5);
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 6000; i++) {
      const a = rng.normal();
      const b = rng.normal();
      X.push([a, b]);
      y.push(rng.next() < 1 / (1 + Math.exp(-(0.5 + 2 * a - 1 * b))) ? 1 : 0);
    }
    const m = trainLogistic(X, y, { l2: 0.01 });
    // Inputs are standard normal already, so standardised weights ≈ the true ones.
    expect(m.weights[0]! / m.scales[0]!).toBeCloseTo(2, 0);
    expect(m.weights[1]! / m.scales[1]!).toBeCloseTo(-1, 0);
    expect(predictLogistic(m, [0, 0])).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 1);
  });
});

describe('UCI default data (fixed small sample)', () => {
  const path = fileURLToPath(new URL('../../../tests/fixtures/realdata/payments-datasets/uci-default-of-credit-card-clients_pycaret-24000.csv', import.meta.url));
  const accounts = parseUciCsv(readFileSync(path, 'utf8')).slice(0, 8000);
  const X = accounts.map((a) => uciFeatures(a).values);
  const y = accounts.map((a) => a.defaulted);
  const { train, test } = stratifiedSplit(y, 0.3, 1);
  const yt = test.map((i) => y[i]! as 0 | 1);

  it('parses the file', () => {
    expect(accounts[0]).toMatchObject({ limit: 20000, status: [2, 2, -1, -1, -2, -2], defaulted: 1 });
    expect(X[0]).toHaveLength(uciFeatures(accounts[0]!).names.length);
  });

  it('the GBM reaches a sane AUC and beats the naive "latest status" ranking', () => {
    const m = trainGbm(
      train.map((i) => X[i]!),
      train.map((i) => y[i]!),
      { seed: 1, nTrees: 120, learningRate: 0.08, minSamplesLeaf: 50 },
    );
    const lr = trainLogistic(
      train.map((i) => X[i]!),
      train.map((i) => y[i]!),
    );
    const aGbm = auc(test.map((i) => predictGbm(m, X[i]!)), yt);
    const aLr = auc(test.map((i) => predictLogistic(lr, X[i]!)), yt);
    const aNaive = auc(test.map((i) => accounts[i]!.status[0]!), yt);
    // Measured: GBM 0.765, logistic 0.746, naive 0.660 on this fixed sample and split.
    expect(aGbm).toBeGreaterThan(0.74);
    expect(aGbm).toBeGreaterThan(aLr);
    expect(aGbm).toBeGreaterThan(aNaive + 0.05);
  });

  it('the points scorecard ranks defaulters lower (AUC of −score)', () => {
    const scores = test.map((i) => -scoreCustomer(uciCreditFacts(accounts[i]!)).score);
    expect(auc(scores, yt)).toBeGreaterThan(0.69); // measured 0.713
  });
});
