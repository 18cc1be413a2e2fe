/**
 * Credit risk on the ledger, both databases: predictions as of a past date ignore everything that
 * happened after it (receipts, new invoices, models trained later); stored models are used only
 * for dates on or after their training date; scores keep their history, explain themselves, and
 * respect data scopes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import type { Database } from '../../src/db/database';
import { addDays } from '../../src/domain/dates';
import { withActor } from '../../src/services/actor';
import { createApiToken } from '../../src/services/auth/users';
import { customerRisk, predictAsOf, scoreCustomers, trainModel } from '../../src/services/credit/risk';
import { createActor, databases, type Seed, seedBasics } from './harness';

const D = '2025-09-30';

describe.each(databases)('credit risk on $name', (database) => {
  let db: Database;
  let seed: Seed;
  const open: { partyId: string; installmentId: string; amount: string }[] = [];

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
    const ledger = seed.as();
    // Three customers over 2025: one pays on time, one ~20 days late, one stops paying in summer.
    const habits = [
      { code: 'CR-GOOD', region: '华东', late: 0, stopsAfter: 12 },
      { code: 'CR-SLOW', region: '华东', late: 20, stopsAfter: 12 },
      { code: 'CR-BAD', region: '华南', late: 45, stopsAfter: 5 },
    ];
    for (const h of habits) {
      const party = await ledger.customer(h.code, { region: h.region, paymentTermsDays: 30 });
      for (let m = 1; m <= 9; m++) {
        const issueDate = `2025-${String(m).padStart(2, '0')}-05`;
        const inv = await ledger.invoice({ partyId: party.id, amount: `${1000 * m}.00`, issueDate });
        const [inst] = await ledger.installments(inv.id);
        const paidOn = addDays(issueDate, 30 + h.late);
        if (m <= h.stopsAfter && paidOn <= D) {
          const r = await ledger.receipt({ partyId: party.id, amount: `${1000 * m}.00`, receiptDate: paidOn });
          await ledger.allocate({ receiptId: r.id, lines: [{ installmentId: inst!, amount: `${1000 * m}.00` }] });
        } else open.push({ partyId: party.id, installmentId: inst!, amount: `${1000 * m}.00` });
      }
    }
  });
  afterAll(async () => {
    await db?.close();
  });

  it('predicts every installment open at the date, as if it were that date: later receipts, invoices and models are unseen', async () => {
    const before = await predictAsOf(db, seed.finance, D);
    expect(before.predictions.length).toBe(open.length);
    expect(before.model).toMatchObject({ stored: false, trainedAsOf: D });
    // Too little history for learning: the rule model predicts, and says so on every row.
    expect(before.model.status).toBe('cold_start');
    expect(before.predictions.every((p) => p.source === 'rules' && p.fallback && p.note_en.length > 0)).toBe(true);
    for (const p of before.predictions) {
      expect(p.p_late).toBeGreaterThanOrEqual(0);
      expect(p.p_late).toBeLessThanOrEqual(1);
      expect(p.expected_payment_low <= p.expected_payment_date && p.expected_payment_date <= p.expected_payment_high).toBe(true);
      expect(p.expected_payment_date > D).toBe(true);
    }
    const bad = before.predictions.filter((p) => p.customer_code === 'CR-BAD');
    const good = before.predictions.filter((p) => p.customer_code === 'CR-GOOD');
    expect(Math.min(...bad.map((p) => p.p_late))).toBeGreaterThan(Math.max(...good.map((p) => p.p_late)));

    // After D: everything open gets paid, new invoices arrive, and a model is trained later.
    const ledger = seed.as();
    for (const o of open) {
      const r = await ledger.receipt({ partyId: o.partyId, amount: o.amount, receiptDate: '2025-11-15' });
      await ledger.allocate({ receiptId: r.id, effectiveDate: '2025-11-15', lines: [{ installmentId: o.installmentId, amount: o.amount }] });
    }
    await ledger.invoice({ partyId: open[0]!.partyId, amount: '777.00', issueDate: '2025-10-20' });
    await trainModel(db, seed.finance, '2025-12-31');

    const after = await predictAsOf(db, seed.finance, D);
    expect(after.model).toMatchObject({ stored: false, trainedAsOf: D });
    expect(after.predictions).toEqual(before.predictions);

    // A later date does use the stored model, and sees the payments.
    const later = await predictAsOf(db, seed.finance, '2026-01-31');
    expect(later.model).toMatchObject({ stored: true, trainedAsOf: '2025-12-31' });
    // Everything open at D was paid in November: only the October invoice is open now.
    expect(later.predictions.map((p) => p.open_amount)).toEqual(['777.00']);
  });

  it('scores customers with factors that add up, keeps each date’s score, and shows a scoped user only their customers', async () => {
    const scores = await scoreCustomers(db, seed.finance, D);
    const byCode = new Map(scores.map((s) => [s.code, s]));
    expect(byCode.get('CR-GOOD')!.score).toBeGreaterThan(byCode.get('CR-SLOW')!.score);
    expect(byCode.get('CR-SLOW')!.score).toBeGreaterThan(byCode.get('CR-BAD')!.score);
    for (const s of scores) {
      expect(s.factors.reduce((a, f) => a + f.points, 0)).toBe(s.score - s.base);
      expect(s.factors.every((f) => f.zh.length > 0 && f.en.length > 0)).toBe(true);
    }
    await scoreCustomers(db, seed.finance, '2025-12-31');
    const [bad] = await db.query<{ id: string }>("SELECT id FROM parties WHERE code = 'CR-BAD'");
    const risk = await withActor(db, seed.finance, (tx) => customerRisk(tx, bad!.id, '2025-12-31'));
    expect(risk.history.map((h) => h.as_of)).toEqual([D, '2025-12-31']);
    expect(risk.score?.factors.length).toBeGreaterThan(0);

    const south = await createActor(db, 'credit-south', 'finance', { regions: ['华南'] });
    const seen = await withActor(db, south, (tx) => tx.query<{ code: string }>('SELECT DISTINCT p.code FROM credit_scores s JOIN parties p ON p.id = s.party_id ORDER BY 1'));
    expect(seen.map((r) => r.code)).toEqual(['CR-BAD']);
    const theirs = await scoreCustomers(db, south, D, { store: false });
    expect(theirs.map((s) => s.code)).toEqual(['CR-BAD']);
  });

  it('serves predictions, a customer’s score and the model card over HTTP', async () => {
    const app = await buildServer({ db, webDist: null });
    try {
      const token = await createApiToken(db, 'finance', 'credit test');
      const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      const preds = await get(`/api/credit/predictions?asOf=${D}`);
      expect(preds.statusCode).toBe(200);
      expect(preds.json().predictions).toEqual((await predictAsOf(db, seed.finance, D)).predictions);
      const [bad] = await db.query<{ id: string }>("SELECT id FROM parties WHERE code = 'CR-BAD'");
      const risk = await get(`/api/credit/customers/${bad!.id}?asOf=${D}`);
      expect(risk.json()).toMatchObject({ customer: { code: 'CR-BAD' }, asOf: D, score: { grade: expect.stringMatching(/^[A-E]$/) } });
      const model = await get('/api/credit/model?asOf=2026-01-31');
      expect(model.json().model).toMatchObject({ trainedAsOf: '2025-12-31', status: expect.any(String) });
      expect(model.json().model.models).toBeUndefined();
      expect((await get('/api/credit/customers/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
