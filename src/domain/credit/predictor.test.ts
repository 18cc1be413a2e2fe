import { describe, expect, it } from 'vitest';
import { buildDataset, extractFeatures } from './features';
import { backtest, predictPayments, trainPaymentModels } from './predictor';
import { generateLedger } from './synthetic';

describe('payment predictions', () => {
  it('falls back to the rule model on a cold start and says so', () => {
    const small = generateLedger({ seed: 3, customers: 4, months: 6 });
    const ds = buildDataset(small.history, ['2023-03-01', '2023-04-01'], { knownAt: '2023-06-30' });
    const trained = trainPaymentModels(ds, { trainedAt: '2023-06-30' });
    expect(trained.ok).toBe(false);
    if (trained.ok) return;
    expect(trained.code).toBe('cold_start');
    expect(trained.messageZh).toContain('规则模型');
    const preds = predictPayments(null, extractFeatures(small.history, '2023-06-30'), trained.prior);
    expect(preds.length).toBeGreaterThan(0);
    for (const p of preds) {
      expect(p).toMatchObject({ source: 'rules', fallback: true });
      expect(p.pLate).toBeGreaterThanOrEqual(0);
      expect(p.pLate).toBeLessThanOrEqual(1);
      expect(p.expectedDate > p.asOf).toBe(true);
      expect(p.expectedLow <= p.expectedDate && p.expectedDate <= p.expectedHigh).toBe(true);
    }
  });

  it('backtests on a time split and beats the naive baselines', () => {
    const led = generateLedger({ seed: 5, customers: 40, months: 22 });
    const card = backtest(led.history, {
      start: '2023-04-01',
      splitDate: '2024-03-01',
      end: led.end,
      stepDays: 30,
      labelDelayDays: 120,
      seed: 1,
      gbm: { nTrees: 50, learningRate: 0.2 },
    });
    expect(card.source).toBe('gbm');
    expect(card.trainingWindow.knownAt).toBe('2024-03-01');
    expect(card.testWindow.from > card.trainingWindow.knownAt).toBe(true);
    const by = Object.fromEntries(card.methods.map((m) => [m.method, m]));
    const gbm = by['gradient-boosted trees']!;
    expect(gbm.aucLate).toBeGreaterThan(0.8);
    expect(gbm.aucLate).toBeGreaterThan(by['pays like last time']!.aucLate);
    expect(gbm.maeDays!).toBeLessThan(by['pays on due date']!.maeDays!);
    expect(gbm.maeDays!).toBeLessThan(by['pays like last time']!.maeDays!);
    expect(card.calibrationLate).toHaveLength(10);
    expect(card.rangeCoverage).toBeGreaterThan(0.5);
  });

  it('trained predictions keep dates in order and overdue installments certain to be late', () => {
    const led = generateLedger({ seed: 9, customers: 30, months: 18 });
    const snaps = ['2023-04-01', '2023-05-15', '2023-07-01', '2023-08-15', '2023-10-01', '2023-11-01'];
    const trained = trainPaymentModels(buildDataset(led.history, snaps, { knownAt: '2024-03-01' }), { trainedAt: '2024-03-01', gbm: { nTrees: 40, learningRate: 0.2 } });
    expect(trained.ok).toBe(true);
    if (!trained.ok) return;
    const models = JSON.parse(JSON.stringify(trained.models));
    const rows = extractFeatures(led.history, '2024-03-01');
    const preds = predictPayments(models, rows);
    for (const [k, p] of preds.entries()) {
      expect(p.source).toBe('gbm');
      expect(p.expectedLow <= p.expectedDate && p.expectedDate <= p.expectedHigh).toBe(true);
      expect(p.expectedLow > p.asOf).toBe(true);
      if (rows[k]!.dueDate < p.asOf) expect(p.pLate).toBe(1);
    }
  });
});
