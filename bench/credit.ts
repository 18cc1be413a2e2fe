/**
 * Credit-model benchmark (npm run bench:credit). Not a test: it prints figures and fails on nothing.
 *
 *  (a) UCI "Default of Credit Card Clients" (24,000 real accounts, PyCaret's copy): each account
 *      is a customer with six monthly bills, payments and repayment statuses; AUC of the default
 *      probability on a stratified, seeded 80/20 split — gradient-boosted trees vs logistic
 *      regression vs the naive "latest status" rate vs the points scorecard. Target ≥ 0.77.
 *  (b) Synthetic ledgers with known behaviour, several seeds: time split (train on the past as
 *      known at the split date, test on the months after), AUC of p_late on installments not yet
 *      due, and payment-date MAE against "pays on the due date" and "pays like last time".
 *      Target AUC ≥ 0.85.
 *
 *   SHOUFU_REALDATA_DIR   folder holding payments-datasets/ (default ../shared/realdata beside the
 *                         repository, then the copy in tests/fixtures/realdata)
 *   SHOUFU_BENCH_SEEDS    synthetic seeds, comma-separated (default 1,2,3)
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { auc, brier } from '../src/domain/credit/metrics';
import { predictGbm, predictLogistic, trainGbm, trainLogistic } from '../src/domain/credit/model';
import { backtest, defaultBacktestOptions } from '../src/domain/credit/predictor';
import { stratifiedSplit } from '../src/domain/credit/random';
import { scoreCustomer } from '../src/domain/credit/scorecard';
import { generateLedger, DEFAULT_SYNTHETIC } from '../src/domain/credit/synthetic';
import { parseUciCsv, type UciAccount, uciCreditFacts, uciFeatures } from '../src/domain/credit/uci';

const UCI_FILE = join('payments-datasets', 'uci-default-of-credit-card-clients_pycaret-24000.csv');
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function uciPath(): string {
  const candidates = [
    process.env.SHOUFU_REALDATA_DIR ? join(process.env.SHOUFU_REALDATA_DIR, UCI_FILE) : null,
    join(repoRoot, '..', 'shared', 'realdata', UCI_FILE),
    join(repoRoot, 'tests', 'fixtures', 'realdata', UCI_FILE),
  ].filter((p): p is string => p !== null);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`UCI data not found; looked in:\n  ${candidates.join('\n  ')}`);
  return found;
}

const f4 = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '   —  ' : x.toFixed(4));
const f1 = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '  —  ' : x.toFixed(1).padStart(5));
const ms = (x: number): string => `${(x / 1000).toFixed(1)} s`;

const GBM = { nTrees: 600, learningRate: 0.05, maxDepth: 4, minSamplesLeaf: 50, subsample: 0.8, colsample: 0.8, earlyStoppingRounds: 50 };

function benchUci(): void {
  const path = uciPath();
  const t0 = performance.now();
  const accounts = parseUciCsv(readFileSync(path, 'utf8'));
  const y = accounts.map((a) => a.defaulted);
  console.log(`\n(a) UCI default of credit card clients — ${accounts.length} accounts, ${((100 * y.filter(Boolean).length) / y.length).toFixed(1)} % default`);
  console.log(`    data: ${path}`);
  console.log(`    features: ${uciFeatures(accounts[0]!).names.length} ledger-only (no sex/education/marriage/age); split: stratified 80/20 by seed\n`);
  const X = accounts.map((a) => uciFeatures(a).values);
  const XD = accounts.map((a) => uciFeatures(a, { demographics: true }).values);
  const scores = accounts.map((a) => scoreCustomer(uciCreditFacts(a)).score);
  console.log('    seed │ GBM AUC  Brier  trees  train │ logistic AUC  Brier │ naive AUC  Brier │ scorecard AUC │ GBM+demogr. AUC');
  const sums = { gbm: 0, lr: 0, naive: 0, card: 0, demo: 0 };
  const seeds = [1, 2, 3];
  for (const seed of seeds) {
    const { train, test } = stratifiedSplit(y, 0.2, seed);
    const yt = test.map((i) => y[i]! as 0 | 1);
    const rows = (M: number[][], idx: number[]) => idx.map((i) => M[i]!);
    const t = performance.now();
    const gbm = trainGbm(rows(X, train), train.map((i) => y[i]!), { ...GBM, seed });
    const trainMs = performance.now() - t;
    const pG = test.map((i) => predictGbm(gbm, X[i]!));
    const lr = trainLogistic(rows(X, train), train.map((i) => y[i]!));
    const pL = test.map((i) => predictLogistic(lr, X[i]!));
    // Naive: the training default rate of the account's latest repayment status ("pays like last time").
    const byStatus = new Map<number, [number, number]>();
    for (const i of train) {
      const s = byStatus.get(accounts[i]!.status[0]!) ?? [0, 0];
      s[0]++;
      s[1] += y[i]!;
      byStatus.set(accounts[i]!.status[0]!, s);
    }
    const base = train.reduce((a, i) => a + y[i]!, 0) / train.length;
    const naiveP = (a: UciAccount): number => {
      const s = byStatus.get(a.status[0]!);
      return s ? s[1] / s[0] : base;
    };
    const pN = test.map((i) => naiveP(accounts[i]!));
    const cardAuc = auc(
      test.map((i) => -scores[i]!),
      yt,
    );
    const gd = trainGbm(rows(XD, train), train.map((i) => y[i]!), { ...GBM, seed });
    const demoAuc = auc(
      test.map((i) => predictGbm(gd, XD[i]!)),
      yt,
    );
    const r = { gbm: auc(pG, yt), lr: auc(pL, yt), naive: auc(pN, yt), card: cardAuc, demo: demoAuc };
    for (const k of Object.keys(sums) as (keyof typeof sums)[]) sums[k] += r[k];
    console.log(
      `    ${String(seed).padStart(4)} │ ${f4(r.gbm)}  ${f4(brier(pG, yt))} ${String(gbm.bestIteration).padStart(5)}  ${ms(trainMs).padStart(5)} │ ${f4(r.lr)}        ${f4(brier(pL, yt))} │ ${f4(r.naive)}     ${f4(brier(pN, yt))} │ ${f4(r.card)}        │ ${f4(r.demo)}`,
    );
  }
  const n = seeds.length;
  console.log(
    `    mean │ ${f4(sums.gbm / n)}                       │ ${f4(sums.lr / n)}               │ ${f4(sums.naive / n)}           │ ${f4(sums.card / n)}        │ ${f4(sums.demo / n)}`,
  );
  const ok = sums.gbm / n >= 0.77;
  console.log(`    target GBM AUC ≥ 0.77: ${ok ? 'met' : 'NOT met'} (${f4(sums.gbm / n)}); UCI total ${ms(performance.now() - t0)}`);
}

function benchSynthetic(): void {
  const seeds = (process.env.SHOUFU_BENCH_SEEDS ?? '1,2,3').split(',').map(Number);
  console.log(
    `\n(b) Synthetic ledgers — ${DEFAULT_SYNTHETIC.customers} customers × ${DEFAULT_SYNTHETIC.months} months, ~${DEFAULT_SYNTHETIC.invoicesPerMonth} invoices per customer-month; time split 10 months before the end`,
  );
  console.log('    p_late on installments not yet due at the snapshot; MAE of the payment date (days) on those later settled\n');
  const aucs: number[] = [];
  for (const seed of seeds) {
    const t0 = performance.now();
    const led = generateLedger({ seed });
    const opts = defaultBacktestOptions(DEFAULT_SYNTHETIC.start, led.end, seed);
    const card = backtest(led.history, opts, () => performance.now());
    const gbm = card.methods.find((m) => m.method === 'gradient-boosted trees');
    if (gbm) aucs.push(gbm.aucLate);
    console.log(
      `    seed ${seed}: ${led.history.installments.length} installments; train snapshots ${card.trainingWindow.from}…${card.trainingWindow.to} (outcomes known at ${card.trainingWindow.knownAt}), ${card.trainingRows} rows; test ${card.testWindow.from}…${card.testWindow.to}, ${card.testRows} rows, ${(100 * card.testPositiveRate).toFixed(0)} % late; model: ${card.source}`,
    );
    console.log('      method                    │ AUC p_late │ Brier  │ MAE days');
    for (const m of card.methods) console.log(`      ${m.method.padEnd(25)} │   ${f4(m.aucLate)}   │ ${f4(m.brierLate)} │ ${f1(m.maeDays)}`);
    const cal = card.calibrationLate
      .filter((b) => b.count > 0)
      .map((b) => `${b.from.toFixed(1)}–${b.to.toFixed(1)}: ${b.observedRate.toFixed(2)} (n=${b.count})`)
      .join(', ');
    console.log(`      p_late30 AUC ${f4(card.aucLate30)}, Brier ${f4(card.brierLate30)}; 10–90 % date range covers ${(100 * card.rangeCoverage).toFixed(0)} % of payments`);
    console.log(`      calibration (predicted bin: observed late rate): ${cal}`);
    console.log(`      training (5 GBMs + logistic) ${ms(card.trainMs)}; seed total ${ms(performance.now() - t0)}\n`);
  }
  const mean = aucs.reduce((a, b) => a + b, 0) / Math.max(1, aucs.length);
  console.log(`    target p_late AUC ≥ 0.85: ${mean >= 0.85 ? 'met' : 'NOT met'} (mean ${f4(mean)} over seeds ${seeds.join(', ')})`);
}

const start = performance.now();
console.log('Shoufu credit benchmark (bench:credit)');
benchUci();
benchSynthetic();
console.log(`\ntotal ${ms(performance.now() - start)}`);
