/**
 * The append-only, hash-chained audit log: every service write appends a row through
 * audit_append(); verifyAuditChain() recomputes every hash and link and points at the first row
 * that was tampered with; the application role can append only through the function.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { withActor } from '../../src/services/actor';
import { verifyAuditChain } from '../../src/services/audit';
import { createActor, databases, dbRejection, rejection, type Seed, seedBasics } from './harness';

interface AuditRow {
  seq: bigint;
  actor_id: string | null;
  actor: string;
  action: string;
  object_type: string;
  object_id: string | null;
  before: unknown;
  after: unknown;
  prev_hash: string;
  hash: string;
}

async function setup(db: Database) {
  const seed = await seedBasics(db); // audit rows 1 and 2: user.create admin, finance
  const l = seed.as(seed.finance);
  const party = (await l.customer('C001', { name: '苏州某某电子有限公司', region: '华东' })).id;
  const invoice = (await l.invoice({ partyId: party, amount: '1130.00', issueDate: '2024-01-10' })).id;
  const [inst] = await l.installments(invoice);
  const receipt = (await l.receipt({ partyId: party, amount: '1000.00', receiptDate: '2024-02-01' })).id;
  const allocation = (await l.allocate({ receiptId: receipt, lines: [{ installmentId: inst!, amount: '1000.00' }] })).allocations[0]!.id;
  const reversal = (await l.reverse(allocation, { reason: '误核销' })).id;
  await l.adjust({ installmentId: inst!, kind: 'bank_fee', amount: '30.00', reason: '银行手续费', effectiveDate: '2024-02-01' });
  await l.creditNote(invoice, '100.00', '2024-01-20');
  return { seed, ids: { party, invoice, receipt, allocation, reversal } };
}

describe.each(databases)('audit chain on $name', (target) => {
  let db: Database;
  let seed: Seed;
  let ids: Awaited<ReturnType<typeof setup>>['ids'];

  const rows = () => db.query<AuditRow>('SELECT * FROM audit_log ORDER BY seq');
  const tamper = (sql: string) =>
    db.exec(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
             ${sql};
             ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;`);

  describe('writes and permissions', () => {
    beforeAll(async () => {
      db = await target.open();
      ({ seed, ids } = await setup(db));
    });
    afterAll(async () => {
      await db?.close();
    });

    it('every write through the services appends a linked row naming who did what', async () => {
      const log = await rows();
      expect(log.map((r) => [r.actor, r.action, r.object_type])).toEqual([
        ['system', 'user.create', 'user'],
        ['system', 'user.create', 'user'],
        ['finance', 'party.create', 'party'],
        ['finance', 'invoice.post', 'invoice'],
        ['finance', 'receipt.post', 'receipt'],
        ['finance', 'allocation.create', 'receipt'],
        ['finance', 'allocation.reverse', 'allocation'],
        ['finance', 'adjustment.create', 'installment'],
        ['finance', 'credit_note.post', 'invoice'],
        ['finance', 'allocation.credit_note', 'invoice'],
      ]);
      expect(log.map((r) => r.seq)).toEqual(log.map((_r, k) => BigInt(k + 1)));
      expect(log[0]!.actor_id).toBeNull(); // the system actor is not a user row
      expect(log.slice(2).every((r) => r.actor_id === seed.finance.userId)).toBe(true);
      expect(log[3]!.object_id).toBe(ids.invoice);
      expect(log[3]!.after).toMatchObject({ total: '1130.00', currency: 'CNY', kind: 'invoice' });
      expect(log[6]).toMatchObject({ object_id: ids.allocation, before: { amountMinor: '100000' }, after: { reversalId: ids.reversal } });
      expect(log[0]!.prev_hash).toBe('0'.repeat(64));
      for (let k = 1; k < log.length; k++) expect(log[k]!.prev_hash).toBe(log[k - 1]!.hash);
      expect(await verifyAuditChain(db)).toEqual({ ok: true, rows: log.length, firstBroken: null });
      // paging does not change the verdict
      expect(await verifyAuditChain(db, 3)).toEqual({ ok: true, rows: log.length, firstBroken: null });
    });

    it('a refused write leaves no audit row', async () => {
      const before = (await rows()).length;
      const err = await rejection(seed.as().allocate({ receiptId: ids.receipt, lines: [{ installmentId: ids.party, amount: '1.00' }] }));
      expect(err.code).toBe('installment_not_found');
      expect((await rows()).length).toBe(before);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });

    it('even the owner cannot edit, delete or truncate the log while its trigger is on', async () => {
      for (const sql of ["UPDATE audit_log SET actor = 'x' WHERE seq = 1", 'DELETE FROM audit_log WHERE seq = 1', 'TRUNCATE audit_log']) {
        const err = await dbRejection(db.query(sql));
        expect(err.code, sql).toBe('P0001');
      }
      expect((await verifyAuditChain(db)).ok).toBe(true);
    });

    it('the application role (withActor) can append only through audit_append(), never write the table', async () => {
      const attempts = [
        "UPDATE audit_log SET after = '{}' WHERE seq = 2",
        'DELETE FROM audit_log WHERE seq = 2',
        `INSERT INTO audit_log (seq, at, actor, action, object_type, prev_hash, hash)
         VALUES (1000, now(), 'mallory', 'forge', 'x', repeat('0', 64), repeat('f', 64))`,
        'TRUNCATE audit_log',
        'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only',
      ];
      for (const actor of [seed.admin, seed.finance]) {
        for (const sql of attempts) {
          const err = await dbRejection(withActor(db, actor, (tx) => tx.query(sql)));
          expect(err.code, `${actor.username}: ${sql}`).toBe('42501');
        }
      }
      // what the services do is allowed: append through the function, which extends the chain
      await withActor(db, seed.finance, (tx) =>
        tx.query("SELECT audit_append($1, 'finance', 'test.append', 'test', NULL, NULL, '{\"ok\":true}'::jsonb)", [seed.finance.userId]),
      );
      const log = await rows();
      expect(log.at(-1)).toMatchObject({ action: 'test.append', actor: 'finance' });
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true, rows: log.length });
    });

    it('only admin, auditor and finance roles can read the log', async () => {
      const sales = await createActor(db, 'sales1', 'sales');
      const auditor = await createActor(db, 'auditor1', 'auditor');
      const total = (await rows()).length;
      const visible = async (a: typeof sales) =>
        Number((await withActor(db, a, (tx) => tx.query<{ n: bigint }>('SELECT count(*) AS n FROM audit_log')))[0]!.n);
      expect(await visible(sales)).toBe(0);
      expect(await visible(auditor)).toBe(total);
      expect(await visible(seed.finance)).toBe(total);
    });
  });

  describe('tampering is found (a fresh database each)', () => {
    beforeEach(async () => {
      db = await target.open();
      ({ seed, ids } = await setup(db));
    });
    afterEach(async () => {
      await db?.close();
    });

    it('an edited row is found: hash_mismatch at that row', async () => {
      await tamper(`UPDATE audit_log SET after = '{"x":1}' WHERE seq = 2`);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBroken: { seq: '2', reason: 'hash_mismatch' } });
    });

    it('an edited row whose own hash was recomputed is found at the next link: chain_broken', async () => {
      await tamper(`UPDATE audit_log SET after = '{"x":1}' WHERE seq = 4;
                    UPDATE audit_log SET hash = audit_row_digest(seq, at, actor_id, actor, action, object_type, object_id, before, after, prev_hash)
                     WHERE seq = 4`);
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBroken: { seq: '5', reason: 'chain_broken' } });
    });

    it('a deleted row is found: sequence_gap at the row after it', async () => {
      await tamper('DELETE FROM audit_log WHERE seq = 3');
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBroken: { seq: '4', reason: 'sequence_gap' } });
    });

    it('a deleted row with the rest renumbered is found: chain_broken', async () => {
      const last = (await rows()).length;
      const renumber = Array.from({ length: last - 3 }, (_x, k) => `UPDATE audit_log SET seq = ${k + 3} WHERE seq = ${k + 4}`).join(';\n');
      await tamper(`DELETE FROM audit_log WHERE seq = 3;\n${renumber}`);
      expect((await rows()).map((r) => r.seq)).toEqual(Array.from({ length: last - 1 }, (_x, k) => BigInt(k + 1)));
      expect(await verifyAuditChain(db)).toMatchObject({ ok: false, firstBroken: { seq: '3', reason: 'chain_broken' } });
    });
  });
});
