/**
 * Credit risk from the command line (docs/credit.md):
 *
 *   shoufu model train [--as-of DATE]                 train the payment models, store them with their card
 *   shoufu predict [--as-of DATE] [--format json]     every installment open at DATE, predicted as of DATE
 *   shoufu credit score [--as-of DATE] [--format json] score every customer (scorecard), keep the history
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { openFromEnv } from '../../app/runtime';
import type { Database } from '../../db/database';
import { isIsoDate, todayIso } from '../../domain/dates';
import { type Actor, SYSTEM_ACTOR } from '../../services/actor';
import { predictAsOf, scoreCustomers, trainModel } from '../../services/credit/risk';
import { AppError } from '../../services/errors';

const date = (v: string) => {
  if (!isIsoDate(v)) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  return v;
};

async function actorFor(db: Database, username: string | undefined): Promise<Actor> {
  if (!username) return SYSTEM_ACTOR;
  const { actorForUsername } = await import('../../services/auth/users');
  const found = await actorForUsername(db, username);
  if (!found) throw new AppError(404, 'not_found', `user ${username} not found`);
  return found;
}

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;

export function registerCreditCommands(program: Command): void {
  const model = program.command('model').description('credit models (信用模型)');
  model
    .command('train')
    .description('train the late-payment models on the ledger as of a date and store them with their backtest (model card)')
    .option('--as-of <date>', 'train as of this date: nothing later is used (default today)', date)
    .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 1)
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
    .action(async (opts: { asOf?: string; seed: number; format: 'table' | 'json' }) => {
      const opened = await openFromEnv('model train');
      try {
        const asOf = opts.asOf ?? todayIso();
        if (process.stderr.isTTY) process.stderr.write(`training as of ${asOf}…\n`);
        const m = await trainModel(opened.db, SYSTEM_ACTOR, asOf, opts.seed);
        if (opts.format === 'json') {
          process.stdout.write(`${JSON.stringify({ id: m.id, trainedAsOf: m.trainedAsOf, status: m.status, trainingRows: m.trainingRows, trainMs: m.trainMs, message: m.message, card: m.card })}\n`);
          return;
        }
        const lines = [`model ${m.id} as of ${m.trainedAsOf}: ${m.status}, ${m.trainingRows} training rows, ${(m.trainMs / 1000).toFixed(1)} s`];
        if (m.message) lines.push(m.message);
        if (m.card) {
          lines.push(`backtest: train ${m.card.trainingWindow.from}…${m.card.trainingWindow.to}, test ${m.card.testWindow.from}…${m.card.testWindow.to} (${m.card.testRows} installments)`);
          for (const x of m.card.methods) {
            lines.push(`  ${x.method.padEnd(24)} AUC ${x.aucLate.toFixed(3)}  Brier ${x.brierLate === null ? '  —  ' : x.brierLate.toFixed(3)}  MAE ${x.maeDays === null ? '—' : `${x.maeDays.toFixed(1)} d`}`);
          }
          lines.push(`  p_late_30 AUC ${m.card.aucLate30.toFixed(3)}; payment date inside the predicted range ${pct(m.card.rangeCoverage)}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await opened.close();
      }
    });

  program
    .command('predict')
    .description('late-payment predictions for every installment open at a date, computed as if it were that date')
    .option('--as-of <date>', 'predict as of this date: later receipts are unseen (default today)', date)
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
    .option('--user <username>', 'with this user’s data scope (default: everything)')
    .action(async (opts: { asOf?: string; format: 'table' | 'json'; user?: string }) => {
      const opened = await openFromEnv('predict');
      try {
        const actor = await actorFor(opened.db, opts.user);
        const run = await predictAsOf(opened.db, actor, opts.asOf ?? todayIso());
        if (opts.format === 'json') {
          process.stdout.write(`${JSON.stringify(run)}\n`);
          return;
        }
        const head = `as of ${run.asOf}: ${run.predictions.length} open installments · model ${run.model.status}${run.model.stored ? ` (trained as of ${run.model.trainedAsOf})` : ' (trained now, not stored)'}`;
        const rows = [...run.predictions]
          .sort((a, b) => b.p_late - a.p_late)
          .slice(0, 30)
          .map((p) => `${p.invoice_number.padEnd(16)} #${p.installment}  ${p.customer_code.padEnd(10)} due ${p.due_date}  ${p.open_amount.padStart(14)} ${p.currency}  p_late ${pct(p.p_late).padStart(6)}  p_late30 ${pct(p.p_late_30).padStart(6)}  expected ${p.expected_payment_date} (${p.expected_payment_low}…${p.expected_payment_high})`);
        process.stdout.write(`${[head, ...(run.model.message ? [run.model.message] : []), ...rows].join('\n')}\n`);
      } finally {
        await opened.close();
      }
    });

  program
    .command('credit')
    .description('customer credit scores (信用评分)')
    .command('score')
    .description('score every customer with the explainable scorecard as of a date, and keep the scores')
    .option('--as-of <date>', 'as of this date (default today)', date)
    .option('--dry-run', 'compute and print, store nothing')
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
    .action(async (opts: { asOf?: string; dryRun?: boolean; format: 'table' | 'json' }) => {
      const opened = await openFromEnv('credit score');
      try {
        const scores = await scoreCustomers(opened.db, SYSTEM_ACTOR, opts.asOf ?? todayIso(), { store: !opts.dryRun });
        if (opts.format === 'json') {
          process.stdout.write(`${JSON.stringify(scores)}\n`);
          return;
        }
        const grades = new Map<string, number>();
        for (const s of scores) grades.set(s.grade, (grades.get(s.grade) ?? 0) + 1);
        const lines = [`${scores.length} customers: ${['A', 'B', 'C', 'D', 'E'].map((g) => `${g} ${grades.get(g) ?? 0}`).join(' · ')}`];
        for (const s of [...scores].sort((a, b) => a.score - b.score).slice(0, 10)) {
          lines.push(`${s.code.padEnd(10)} ${String(s.score).padStart(3)} ${s.grade}  ${s.factors.filter((f) => f.points < 0).map((f) => f.zh).join('；')}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      } finally {
        await opened.close();
      }
    });
}
