/**
 * Credit risk on the ledger (docs/credit.md): train the payment models as of a date and keep them
 * with their model card, predict every open installment as of any date (point in time), and score
 * customers with the explainable scorecard, keeping each score's history.
 *
 * Point in time: `predictAsOf(D)` reads only the ledger as it was at the end of D
 * (loadCreditHistory) and uses a model trained as of D or earlier — a model trained later has seen
 * outcomes after D. With no such model it trains one as of D in memory; with too little history
 * the transparent rule model predicts, and every row says so.
 */
import type { Database, Queryable } from '../../db/database';
import { addDays, addMonths, daysBetween } from '../../domain/dates';
import { buildDataset, creditFactsAsOf, extractFeatures, type LedgerHistory } from '../../domain/credit/features';
import { backtest, defaultBacktestOptions, type ModelCard, type PaymentModels, predictPayments, trainPaymentModels } from '../../domain/credit/predictor';
import type { RulePrior } from '../../domain/credit/rules';
import { type CreditScore, scoreCustomer } from '../../domain/credit/scorecard';
import { formatAmount } from '../../domain/money';
import { type Actor, createdBy, requireLedgerWriter, withActor } from '../actor';
import { audit } from '../audit';
import { toJson } from '../json';
import { loadCreditHistory } from './history';

export interface StoredModel {
  id: string | null;
  trainedAsOf: string;
  status: 'trained' | 'cold_start';
  models: PaymentModels | null;
  prior: RulePrior;
  card: ModelCard | null;
  trainingRows: number;
  message: string | null;
  trainMs: number;
}

const SNAPSHOT_STEP_DAYS = 28;
const LABEL_DELAY_DAYS = 120;

function firstIssue(history: LedgerHistory): string | null {
  let first: string | null = null;
  for (const i of history.installments) if (first === null || i.issueDate < first) first = i.issueDate;
  return first;
}

/**
 * Trains on snapshots every four weeks from three months after the first invoice to 120 days
 * before the date (so their outcomes are known at it), outcomes as known at the date; and
 * backtests the same way on a time split before the date for the model card.
 */
export function trainAsOf(history: LedgerHistory, asOf: string, seed = 1): StoredModel {
  const t0 = performance.now();
  const first = firstIssue(history);
  const start = first ? addMonths(first, 3) : asOf;
  const to = addDays(asOf, -LABEL_DELAY_DAYS);
  const snaps: string[] = [];
  for (let d = start; d <= to; d = addDays(d, SNAPSHOT_STEP_DAYS)) snaps.push(d);
  const rows = snaps.length ? buildDataset(history, snaps, { knownAt: asOf }) : [];
  const trained = trainPaymentModels(rows, { seed, trainedAt: asOf });
  const trainMs = Math.round(performance.now() - t0);
  let card: ModelCard | null = null;
  if (trained.ok && first) {
    // The card: the same training on the months before a split, scored on the months after it.
    const months = Math.max(1, Math.floor(daysBetween(first, asOf) / 30));
    const testMonths = Math.min(10, Math.max(3, Math.floor(months / 3)));
    card = backtest(history, defaultBacktestOptions(first, asOf, seed, testMonths), () => performance.now());
  }
  return {
    id: null,
    trainedAsOf: asOf,
    status: trained.ok ? 'trained' : 'cold_start',
    models: trained.ok ? trained.models : null,
    prior: trained.ok ? trained.models.prior : trained.prior,
    card,
    trainingRows: rows.length,
    message: trained.ok ? null : `${trained.messageZh} / ${trained.messageEn}`,
    trainMs,
  };
}

/** `shoufu model train`: trains as of the date and stores the model with its card. */
export async function trainModel(db: Database, actor: Actor, asOf: string, seed = 1): Promise<StoredModel> {
  requireLedgerWriter(actor);
  const history = await withActor(db, actor, (tx) => loadCreditHistory(tx, asOf));
  const model = trainAsOf(history, asOf, seed);
  const id = await withActor(db, actor, async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO credit_models (trained_as_of, status, model, prior, card, training_rows, message, train_ms, created_by)
       VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7, $8, $9) RETURNING id`,
      [asOf, model.status, model.models ? JSON.stringify(model.models) : null, JSON.stringify(model.prior), model.card ? JSON.stringify(model.card) : null, model.trainingRows, model.message, model.trainMs, createdBy(actor)],
    );
    await audit(tx, actor, 'credit_model.train', 'credit_model', row!.id, null, {
      trainedAsOf: asOf,
      status: model.status,
      trainingRows: model.trainingRows,
      auc: model.card?.methods.find((m) => m.method === 'gradient-boosted trees')?.aucLate ?? null,
    });
    return row!.id;
  });
  return { ...model, id };
}

/** The latest stored model trained as of the date or before. */
export async function latestModel(tx: Queryable, asOf: string): Promise<StoredModel | null> {
  const [row] = await tx.query<{ id: string; trained_as_of: string; status: 'trained' | 'cold_start'; model: PaymentModels | null; prior: RulePrior; card: ModelCard | null; training_rows: number; message: string | null; train_ms: number }>(
    `SELECT id, trained_as_of, status, model, prior, card, training_rows, message, train_ms FROM credit_models
      WHERE kind = 'payment' AND trained_as_of <= $1 ORDER BY trained_as_of DESC, created_at DESC LIMIT 1`,
    [asOf],
  );
  if (!row) return null;
  return {
    id: row.id,
    trainedAsOf: row.trained_as_of,
    status: row.status,
    models: row.model,
    prior: row.prior,
    card: row.card,
    trainingRows: row.training_rows,
    message: row.message,
    trainMs: row.train_ms,
  };
}

export interface InstallmentPrediction {
  invoice_number: string;
  installment: number;
  customer_code: string;
  customer_name: string;
  currency: string;
  due_date: string;
  open_amount: string;
  p_late: number;
  p_late_30: number;
  expected_payment_date: string;
  expected_payment_low: string;
  expected_payment_high: string;
  source: string;
  fallback: boolean;
  note_zh: string;
  note_en: string;
}

export interface PredictionRun {
  asOf: string;
  model: { id: string | null; trainedAsOf: string; status: string; stored: boolean; message: string | null };
  predictions: InstallmentPrediction[];
}

const round4 = (p: number) => Math.round(p * 10_000) / 10_000;

/** `shoufu predict --as-of D`: every installment open at the end of D, as if it were D. */
export async function predictAsOf(db: Database, actor: Actor, asOf: string): Promise<PredictionRun> {
  const { history, stored, names } = await withActor(db, actor, async (tx) => {
    const history = await loadCreditHistory(tx, asOf);
    const stored = await latestModel(tx, asOf);
    const names = await tx.query<{ id: string; number: string; seq: number; currency: string; code: string; name: string; amount_minor: bigint }>(
      `SELECT n.id, i.number, n.seq, i.currency, p.code, p.name, n.amount_minor
         FROM installments n JOIN invoices i ON i.id = n.invoice_id JOIN parties p ON p.id = i.party_id
        WHERE i.side = 'AR' AND i.kind = 'invoice' AND i.issue_date <= $1`,
      [asOf],
    );
    return { history, stored, names: new Map(names.map((n) => [n.id, n])) };
  });
  const model = stored ?? trainAsOf(history, asOf);
  const rows = extractFeatures(history, asOf);
  const predictions = predictPayments(model.models, rows, model.prior);
  const paid = new Map(history.installments.map((i) => [i.id, i.payments.reduce((a, p) => a + p.amountMinor, 0n)]));
  return {
    asOf,
    model: { id: model.id, trainedAsOf: model.trainedAsOf, status: model.status, stored: stored !== null, message: model.message },
    predictions: predictions
      .map((p) => {
        const n = names.get(p.installmentId)!;
        return {
          invoice_number: n.number,
          installment: n.seq,
          customer_code: n.code,
          customer_name: n.name,
          currency: n.currency,
          due_date: p.dueDate,
          open_amount: formatAmount(n.amount_minor - (paid.get(p.installmentId) ?? 0n), n.currency),
          p_late: round4(p.pLate),
          p_late_30: round4(p.pLate30),
          expected_payment_date: p.expectedDate,
          expected_payment_low: p.expectedLow,
          expected_payment_high: p.expectedHigh,
          source: p.source,
          fallback: p.fallback,
          note_zh: p.noteZh,
          note_en: p.noteEn,
        };
      })
      .sort((a, b) => (a.invoice_number < b.invoice_number ? -1 : a.invoice_number > b.invoice_number ? 1 : a.installment - b.installment)),
  };
}

export interface CustomerScore extends CreditScore {
  partyId: string;
  code: string;
  name: string;
  asOf: string;
}

/**
 * Scores every customer the actor may see as of the date with the scorecard, and keeps the score
 * (one row per customer and date, so the history shows how a grade moved).
 */
export async function scoreCustomers(db: Database, actor: Actor, asOf: string, options: { store?: boolean } = {}): Promise<CustomerScore[]> {
  return withActor(db, actor, async (tx) => {
    const history = await loadCreditHistory(tx, asOf);
    const facts = creditFactsAsOf(history, asOf);
    const parties = await tx.query<{ id: string; code: string; name: string }>('SELECT id, code, name FROM parties WHERE is_customer ORDER BY code');
    const out: CustomerScore[] = [];
    for (const p of parties) {
      const f = facts.get(p.id);
      if (!f) continue;
      out.push({ partyId: p.id, code: p.code, name: p.name, asOf, ...scoreCustomer(f) });
    }
    if (options.store ?? true) {
      requireLedgerWriter(actor);
      if (out.length) {
        await tx.query(
          `INSERT INTO credit_scores (party_id, as_of, score, grade, factors, facts)
           SELECT t.party_id, $1, t.score, t.grade, t.factors, t.facts
             FROM jsonb_to_recordset($2::jsonb) AS t(party_id uuid, score int, grade char(1), factors jsonb, facts jsonb)
           ON CONFLICT (party_id, as_of) DO UPDATE SET score = EXCLUDED.score, grade = EXCLUDED.grade, factors = EXCLUDED.factors,
                                                     facts = EXCLUDED.facts, computed_at = now()`,
          [asOf, toJson(out.map((s) => ({ party_id: s.partyId, score: s.score, grade: s.grade, factors: s.factors, facts: facts.get(s.partyId) })))],
        );
      }
      await audit(tx, actor, 'credit_score.run', 'credit_score', null, null, { asOf, customers: out.length });
    }
    return out;
  });
}

/** One customer's current score with its factors, and its history of stored scores. */
export async function customerRisk(tx: Queryable, partyId: string, asOf: string) {
  const history = await loadCreditHistory(tx, asOf);
  const facts = creditFactsAsOf(history, asOf).get(partyId) ?? null;
  const stored = await tx.query<{ as_of: string; score: number; grade: string }>('SELECT as_of, score, grade FROM credit_scores WHERE party_id = $1 ORDER BY as_of', [partyId]);
  return { asOf, score: facts ? scoreCustomer(facts) : null, history: stored };
}
