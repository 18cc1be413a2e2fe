/**
 * Payment predictions for open installments, trained on the organisation's own history, and the
 * time-split backtest that produces the model card.
 *
 * Models: p_late (paid after due; trained on installments not yet due at the snapshot),
 * p_late30 (paid > 30 days late or never; all open installments) and three quantile regressions
 * of days late (10 %, 50 %, 90 %) for the expected payment date and its range. With too little
 * history (fewer than `minRows` labelled rows or `minPositives` of either class) training declines
 * and the rule model (rules.ts) predicts instead, saying so.
 *
 * Point in time: a model trained at date S sees feature rows from snapshots ≤ S − labelDelayDays
 * with outcomes known at S, so almost every outcome is already settled; no event after S is used.
 */
import { addDays, addMonths, daysBetween } from '../dates';
import { buildDataset, type DatasetRow, type FeatureRow, FEATURE_NAMES, featureValue, type LedgerHistory } from './features';
import { auc, brier, type CalibrationBin, calibrationBins, meanAbsoluteError } from './metrics';
import { type GbmModel, type GbmParams, predictGbm, predictLogistic, trainGbm, trainLogistic } from './model';
import { type PaymentPrediction, predictByRules, priorFromOutcomes, type RulePrior } from './rules';

export interface PaymentModels {
  kind: 'payment-models';
  version: 1;
  trainedAt: string;
  trainingWindow: { from: string; to: string };
  trainingRows: number;
  featureNames: string[];
  pLate: GbmModel;
  pLate30: GbmModel;
  daysLateP10: GbmModel;
  daysLateP50: GbmModel;
  daysLateP90: GbmModel;
  prior: RulePrior;
}

export interface TrainOptions {
  seed: number;
  trainedAt: string;
  minRows: number;
  minPositives: number;
  gbm: Partial<GbmParams>;
}

export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, 'trainedAt'> = {
  seed: 1,
  minRows: 300,
  minPositives: 30,
  gbm: { nTrees: 200, learningRate: 0.1, maxDepth: 4, minSamplesLeaf: 20, earlyStoppingRounds: 20 },
};

export type TrainResult = { ok: true; models: PaymentModels } | { ok: false; code: 'cold_start'; prior: RulePrior; rows: number; messageZh: string; messageEn: string };

/** The organisation's prior from the outcomes in a dataset (settled days late, never-paid). */
export function priorFromDataset(rows: readonly DatasetRow[]): RulePrior {
  const seen = new Set<string>();
  const days: number[] = [];
  let never = 0;
  for (const r of rows) {
    if (seen.has(r.installmentId)) continue;
    seen.add(r.installmentId);
    if (r.label.daysLate !== null) days.push(r.label.daysLate);
    else if (r.label.late30 === true) never++;
  }
  return priorFromOutcomes(days, never);
}

/** Trains the payment models from a point-in-time dataset, or declines (cold start). */
export function trainPaymentModels(rows: readonly DatasetRow[], options: Partial<TrainOptions> & { trainedAt: string }): TrainResult {
  const o: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...options, gbm: { ...DEFAULT_TRAIN_OPTIONS.gbm, ...options.gbm } };
  const prior = priorFromDataset(rows);
  const notDue = rows.filter((r) => r.dueDate >= r.asOf && r.label.late !== null);
  const late30 = rows.filter((r) => r.label.late30 !== null || r.label.daysLate !== null);
  const dated = rows.filter((r) => r.label.daysLate !== null);
  const pos = notDue.filter((r) => r.label.late).length;
  const enough = notDue.length >= o.minRows && pos >= o.minPositives && notDue.length - pos >= o.minPositives && dated.length >= o.minRows;
  if (!enough) {
    return {
      ok: false,
      code: 'cold_start',
      prior,
      rows: notDue.length,
      messageZh: `历史数据不足（${notDue.length} 条可用样本，其中逾期 ${pos} 条），使用规则模型`,
      messageEn: `Too little history (${notDue.length} usable rows, ${pos} late): using the rule-based model`,
    };
  }
  const names = [...FEATURE_NAMES];
  const gbm = (objective: GbmParams['objective'], alpha = 0.5, seedOffset = 0): Partial<GbmParams> => ({
    ...o.gbm,
    objective,
    alpha,
    seed: o.seed + seedOffset,
    featureNames: names,
  });
  const y30 = (r: DatasetRow): number => (r.label.late30 ?? (r.label.daysLate !== null && r.label.daysLate > 30) ? 1 : 0);
  const dates = rows.map((r) => r.asOf).sort();
  return {
    ok: true,
    models: {
      kind: 'payment-models',
      version: 1,
      trainedAt: o.trainedAt,
      trainingWindow: { from: dates[0] ?? o.trainedAt, to: dates[dates.length - 1] ?? o.trainedAt },
      trainingRows: rows.length,
      featureNames: names,
      pLate: trainGbm(
        notDue.map((r) => r.values),
        notDue.map((r) => (r.label.late ? 1 : 0)),
        gbm('logistic'),
      ),
      pLate30: trainGbm(
        late30.map((r) => r.values),
        late30.map(y30),
        gbm('logistic', 0.5, 1),
      ),
      daysLateP10: trainGbm(
        dated.map((r) => r.values),
        dated.map((r) => r.label.daysLate!),
        gbm('quantile', 0.1, 2),
      ),
      daysLateP50: trainGbm(
        dated.map((r) => r.values),
        dated.map((r) => r.label.daysLate!),
        gbm('quantile', 0.5, 3),
      ),
      daysLateP90: trainGbm(
        dated.map((r) => r.values),
        dated.map((r) => r.label.daysLate!),
        gbm('quantile', 0.9, 4),
      ),
      prior,
    },
  };
}

/** Predictions for open installments: the trained models when given, the rule model otherwise. */
export function predictPayments(models: PaymentModels | null, rows: readonly FeatureRow[], prior?: RulePrior): PaymentPrediction[] {
  if (models === null) return rows.map((r) => predictByRules(r, prior, 'cold_start'));
  return rows.map((r) => {
    const overdue = featureValue(r, 'days_overdue_now') > 0;
    const pLate = overdue ? 1 : predictGbm(models.pLate, r.values);
    const pLate30 = featureValue(r, 'days_overdue_now') > 30 ? 1 : predictGbm(models.pLate30, r.values);
    const q = [predictGbm(models.daysLateP10, r.values), predictGbm(models.daysLateP50, r.values), predictGbm(models.daysLateP90, r.values)].sort((a, b) => a - b);
    const tomorrow = addDays(r.asOf, 1);
    const at = (days: number): string => {
      const d = addDays(r.dueDate, Math.round(days));
      return d < tomorrow ? tomorrow : d;
    };
    const expectedDate = at(q[1]!);
    const days = daysBetween(r.dueDate, expectedDate);
    return {
      installmentId: r.installmentId,
      customerId: r.customerId,
      asOf: r.asOf,
      dueDate: r.dueDate,
      pLate,
      pLate30: Math.max(pLate30, 0),
      expectedDate,
      expectedLow: at(q[0]!),
      expectedHigh: at(q[2]!),
      source: 'gbm',
      fallback: false,
      noteZh: `机器学习模型（训练于 ${models.trainedAt}）：逾期概率 ${Math.round(pLate * 100)}%，预计到期后 ${days} 天付款`,
      noteEn: `Learned model (trained ${models.trainedAt}): ${Math.round(pLate * 100)}% chance of late payment, expected ${days} days after due`,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Backtest and model card
// ---------------------------------------------------------------------------------------------

export interface BacktestOptions {
  /** Training uses snapshots up to here (outcomes known at this date); the test starts after it. */
  splitDate: string;
  /** First training snapshot. */
  start: string;
  /** Last date of the data. */
  end: string;
  /** Days between snapshots. */
  stepDays: number;
  /** Training snapshots stop this many days before the split, so their outcomes are known. */
  labelDelayDays: number;
  seed: number;
  gbm?: Partial<GbmParams>;
}

export interface MethodFigures {
  method: string;
  aucLate: number;
  brierLate: number | null;
  maeDays: number | null;
}

export interface ModelCard {
  trainingWindow: { from: string; to: string; knownAt: string };
  testWindow: { from: string; to: string; knownAt: string };
  trainingRows: number;
  testRows: number;
  testPositiveRate: number;
  source: 'gbm' | 'rules';
  coldStartMessage: string | null;
  /** On not-yet-due installments: p_late AUC/Brier, expected-date MAE (settled ones). */
  methods: MethodFigures[];
  aucLate30: number;
  brierLate30: number;
  calibrationLate: CalibrationBin[];
  /** Share of settled test installments paid within the predicted [low, high] range. */
  rangeCoverage: number;
  trainMs: number;
}

function snapshots(from: string, to: string, stepDays: number): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, stepDays)) out.push(d);
  return out;
}

/**
 * Trains at the split date on the past only and scores the future: the backtest behind the
 * model card, with the naive baselines "pays on the due date" and "pays like last time", the rule
 * model and a logistic regression measured on the same rows.
 */
export function backtest(history: LedgerHistory, o: BacktestOptions, now: () => number = () => 0): ModelCard {
  const trainTo = addDays(o.splitDate, -o.labelDelayDays);
  const trainSnaps = snapshots(o.start, trainTo, o.stepDays);
  const testTo = addDays(o.end, -150);
  const testSnaps = snapshots(addDays(o.splitDate, 1), testTo, o.stepDays);
  const train = buildDataset(history, trainSnaps, { knownAt: o.splitDate });
  const t0 = now();
  const trained = trainPaymentModels(train, { seed: o.seed, trainedAt: o.splitDate, gbm: o.gbm ?? {} });
  const trainMs = now() - t0;
  const test = buildDataset(history, testSnaps, { knownAt: o.end });
  const notDue = test.filter((r) => r.dueDate >= r.asOf && r.label.late !== null);
  const models = trained.ok ? trained.models : null;
  const prior = trained.ok ? trained.models.prior : trained.prior;
  const preds = predictPayments(models, notDue, prior);
  const rulePreds = notDue.map((r) => predictByRules(r, prior, 'fallback'));
  // The transparent baseline: logistic regression on the same features, same training rows.
  const trNotDue = train.filter((r) => r.dueDate >= r.asOf && r.label.late !== null);
  const lr = trNotDue.length > 0 ? trainLogistic(trNotDue.map((r) => r.values), trNotDue.map((r) => (r.label.late ? 1 : 0))) : null;

  const y = notDue.map((r) => (r.label.late ? 1 : 0) as 0 | 1);
  const settled = notDue.map((r, i) => ({ r, i })).filter(({ r }) => r.label.daysLate !== null);
  const actual = settled.map(({ r }) => r.label.daysLate!);
  const lastTime = (r: FeatureRow): number => {
    const v = featureValue(r, 'last_days_late');
    return Number.isNaN(v) ? 0 : v;
  };
  const expectedDays = (p: PaymentPrediction): number => daysBetween(p.dueDate, p.expectedDate);
  const methods: MethodFigures[] = [
    { method: 'pays on due date', aucLate: 0.5, brierLate: null, maeDays: meanAbsoluteError(actual.map(() => 0), actual) },
    {
      method: 'pays like last time',
      aucLate: auc(notDue.map(lastTime), y),
      brierLate: null,
      maeDays: meanAbsoluteError(settled.map(({ r }) => Math.max(lastTime(r), daysBetween(r.dueDate, addDays(r.asOf, 1)))), actual),
    },
    {
      method: 'rules (cold start)',
      aucLate: auc(rulePreds.map((p) => p.pLate), y),
      brierLate: brier(rulePreds.map((p) => p.pLate), y),
      maeDays: meanAbsoluteError(settled.map(({ i }) => expectedDays(rulePreds[i]!)), actual),
    },
  ];
  if (lr) {
    const p = notDue.map((r) => predictLogistic(lr, r.values));
    methods.push({ method: 'logistic regression', aucLate: auc(p, y), brierLate: brier(p, y), maeDays: null });
  }
  if (models) {
    methods.push({
      method: 'gradient-boosted trees',
      aucLate: auc(preds.map((p) => p.pLate), y),
      brierLate: brier(preds.map((p) => p.pLate), y),
      maeDays: meanAbsoluteError(settled.map(({ i }) => expectedDays(preds[i]!)), actual),
    });
  }
  const all30 = test.filter((r) => r.label.late30 !== null);
  const p30 = predictPayments(models, all30, prior).map((p) => p.pLate30);
  const y30 = all30.map((r) => (r.label.late30 ? 1 : 0) as 0 | 1);
  const covered = settled.filter(({ r, i }) => r.label.settledOn! >= preds[i]!.expectedLow && r.label.settledOn! <= preds[i]!.expectedHigh).length;
  return {
    trainingWindow: { from: trainSnaps[0] ?? o.start, to: trainTo, knownAt: o.splitDate },
    testWindow: { from: testSnaps[0] ?? o.splitDate, to: testTo, knownAt: o.end },
    trainingRows: train.length,
    testRows: notDue.length,
    testPositiveRate: y.length ? y.reduce<number>((a, b) => a + b, 0) / y.length : Number.NaN,
    source: models ? 'gbm' : 'rules',
    coldStartMessage: trained.ok ? null : trained.messageEn,
    methods,
    aucLate30: auc(p30, y30),
    brierLate30: brier(p30, y30),
    calibrationLate: calibrationBins(
      preds.map((p) => p.pLate),
      y,
      10,
    ),
    rangeCoverage: settled.length ? covered / settled.length : Number.NaN,
    trainMs,
  };
}

/** A default backtest layout for a ledger: split `testMonths` before the end. */
export function defaultBacktestOptions(start: string, end: string, seed: number, testMonths = 10): BacktestOptions {
  return { start: addMonths(start, 3), end, splitDate: addMonths(end, -testMonths), stepDays: 28, labelDelayDays: 120, seed };
}
