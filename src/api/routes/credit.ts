/**
 * Credit risk routes (docs/credit.md): payment predictions as of a date, customer scores with
 * their factors and history, and the payment model with its card.
 */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { todayIso } from '../../domain/dates';
import { customerRisk, latestModel, predictAsOf, scoreCustomers, trainModel } from '../../services/credit/risk';
import { notFound } from '../../services/errors';
import { read, requireActor, type ZApp } from '../http';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

export function registerCreditRoutes(app: ZApp, db: Database): void {
  app.get(
    '/api/credit/predictions',
    {
      schema: {
        tags: ['credit'],
        summary: 'Late-payment predictions (p_late, p_late_30, expected payment date and range) for every installment open at a date, computed as of that date',
        querystring: z.object({ asOf: isoDate.optional().describe('predict as of this date: later receipts are unseen (default today)') }),
      },
    },
    (req) => predictAsOf(db, requireActor(req), req.query.asOf ?? todayIso()),
  );

  app.get(
    '/api/credit/customers/:id',
    {
      schema: {
        tags: ['credit'],
        summary: 'A customer’s credit score (0–100, grade A–E) with every factor and its points (zh/en), and the history of stored scores',
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ asOf: isoDate.optional() }),
      },
    },
    (req) =>
      read(db, req, async (tx) => {
        const [p] = await tx.query<{ id: string; code: string; name: string }>('SELECT id, code, name FROM parties WHERE id = $1 AND is_customer', [req.params.id]);
        if (!p) throw notFound('customer', 'id');
        return { customer: p, ...(await customerRisk(tx, p.id, req.query.asOf ?? todayIso())) };
      }),
  );

  app.post(
    '/api/credit/scores/run',
    {
      schema: {
        tags: ['credit'],
        summary: 'Score every customer in scope as of a date and keep the scores (one per customer and date)',
        body: z.object({ asOf: isoDate.optional(), dryRun: z.boolean().optional() }),
      },
    },
    async (req) => {
      const scores = await scoreCustomers(db, requireActor(req), req.body.asOf ?? todayIso(), { store: !req.body.dryRun });
      return { asOf: req.body.asOf ?? todayIso(), count: scores.length, scores };
    },
  );

  app.get(
    '/api/credit/model',
    {
      schema: {
        tags: ['credit'],
        summary: 'The payment model in use at a date, with its model card (training window, backtest AUC/Brier/calibration/MAE against baselines)',
        querystring: z.object({ asOf: isoDate.optional() }),
      },
    },
    (req) =>
      read(db, req, async (tx) => {
        const m = await latestModel(tx, req.query.asOf ?? todayIso());
        if (!m) return { model: null, note: 'no model trained yet: predictions use the rule model (shoufu model train)' };
        const { models: _trees, ...rest } = m;
        return { model: rest };
      }),
  );

  app.post(
    '/api/credit/model/train',
    {
      schema: {
        tags: ['credit'],
        summary: 'Train the payment models on the ledger as of a date and store them with their card',
        body: z.object({ asOf: isoDate.optional(), seed: z.number().int().min(0).max(1_000_000).optional() }),
      },
    },
    async (req, reply) => {
      const m = await trainModel(db, requireActor(req), req.body.asOf ?? todayIso(), req.body.seed ?? 1);
      const { models: _trees, ...rest } = m;
      reply.code(201);
      return { model: rest };
    },
  );
}
