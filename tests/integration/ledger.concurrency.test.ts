/**
 * Concurrent allocations (核销) never over-allocate. On PostgreSQL, 50 transactions on 50 separate
 * connections are started, wait at a barrier until all have begun, then allocate at once:
 *
 *  A. one receipt of ¥10,000.00, 50 invoices: each transaction applies part of that receipt to a
 *     different invoice — exactly as many succeed as fit in the receipt;
 *  B. one invoice installment of ¥10,000.00, 50 receipts of ¥500.00: each transaction applies its
 *     own receipt to that same installment — exactly 20 succeed.
 *
 * The rest must be refused with 409 receipt_over_allocated / installment_over_allocated (from the
 * service's check or, if it were bypassed, from the database's CHECK constraint). The same
 * scenarios run on PGlite, where transactions are serialised, with the same results.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../src/db/database';
import { formatAmount, parseAmount } from '../../src/domain/money';
import { withActor } from '../../src/services/actor';
import { verifyAuditChain } from '../../src/services/audit';
import { allocateReceipt, reverseAllocation } from '../../src/services/ledger/allocations';
import { createCreditNote } from '../../src/services/ledger/invoices';
import { databases, ledgerViolations, postgres, type Seed, seedBasics, type TestDatabase, toAppError } from './harness';

const ROUNDS = Number(process.env.SHOUFU_CONCURRENCY_ROUNDS ?? 5);
const N = 50;
const yuan = (s: string) => parseAmount(s, 'CNY');

/** Resolves when `n` parties have arrived (or after a timeout, so a test can never hang). */
function barrier(n: number, timeoutMs = 15_000) {
  let arrived = 0;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const timer = setTimeout(open, timeoutMs);
  return {
    async arrive() {
      arrived++;
      if (arrived === n) {
        clearTimeout(timer);
        open();
      }
      await gate;
    },
    get arrived() {
      return arrived;
    },
  };
}

interface Outcome {
  ok: boolean;
  amount: bigint;
  code?: string;
  status?: number;
}

/**
 * Runs the jobs at once, each in its own withActor transaction. On PostgreSQL every transaction
 * holds its own connection and waits at a barrier until all have begun.
 */
async function simultaneously<J, T>(db: Database, seed: Seed, jobs: J[], fn: (tx: Queryable, job: J) => Promise<T>) {
  const gate = barrier(jobs.length);
  const useBarrier = db.kind === 'postgres';
  const settled = await Promise.allSettled(
    jobs.map((job) =>
      withActor(db, seed.finance, async (tx) => {
        if (useBarrier) await gate.arrive();
        return fn(tx, job);
      }),
    ),
  );
  return { settled, allArrivedTogether: !useBarrier || gate.arrived >= jobs.length };
}

/** Fires the allocations at once. */
async function fire(db: Database, seed: Seed, jobs: { receiptId: string; installmentId: string; amount: bigint }[]) {
  const { settled, allArrivedTogether } = await simultaneously(db, seed, jobs, (tx, j) =>
    allocateReceipt(tx, seed.finance, {
      receiptId: j.receiptId,
      lines: [{ installmentId: j.installmentId, amount: formatAmount(j.amount, 'CNY') }],
    }),
  );
  return {
    outcomes: settled.map((s, k): Outcome => {
      if (s.status === 'fulfilled') return { ok: true, amount: jobs[k]!.amount };
      const e = toAppError(s.reason);
      return { ok: false, amount: jobs[k]!.amount, code: e.code, status: e.status };
    }),
    allArrivedTogether,
  };
}

interface RoundResult {
  scenario: string;
  successes: number;
  refused: number;
  allocated: bigint;
  violations: string[];
}

let partySeq = 0;

/** A: one receipt, N invoices, each transaction allocating part of the receipt to its own invoice. */
async function oneReceiptManyInvoices(db: Database, seed: Seed, amounts: bigint[]): Promise<RoundResult> {
  const l = seed.as();
  const party = (await l.customer(`A${++partySeq}`)).id;
  const receipt = (await l.receipt({ partyId: party, amount: '10000.00' })).id;
  const installments: string[] = [];
  for (let k = 0; k < N; k++) {
    const inv = await l.invoice({ partyId: party, amount: '900.00' });
    installments.push((await l.installments(inv.id))[0]!);
  }
  const { outcomes, allArrivedTogether } = await fire(
    db,
    seed,
    installments.map((installmentId, k) => ({ receiptId: receipt, installmentId, amount: amounts[k]! })),
  );
  const violations: string[] = [];
  if (!allArrivedTogether) violations.push('the transactions did not all start before the first allocated');
  const ok = outcomes.filter((o) => o.ok);
  const sumOk = ok.reduce((s, o) => s + o.amount, 0n);
  const [r] = await db.query<{ amount_minor: bigint; allocated_minor: bigint }>('SELECT amount_minor, allocated_minor FROM receipts WHERE id = $1', [
    receipt,
  ]);
  if (r!.allocated_minor !== sumOk) violations.push(`receipt allocated ${r!.allocated_minor} ≠ Σ successful ${sumOk}`);
  if (r!.allocated_minor > r!.amount_minor) violations.push(`receipt over-allocated: ${r!.allocated_minor} > ${r!.amount_minor}`);
  const unapplied = r!.amount_minor - r!.allocated_minor;
  for (const o of outcomes.filter((x) => !x.ok)) {
    if (o.code !== 'receipt_over_allocated' || o.status !== 409) violations.push(`unexpected refusal ${o.status} ${o.code}`);
    // A refusal happened when at most what is left now was still unapplied, so it must not fit now either.
    if (o.amount <= unapplied) violations.push(`refused ${o.amount} although ${unapplied} is still unapplied`);
  }
  if (amounts.every((a) => a === amounts[0]) && ok.length !== Number(yuan('10000.00') / amounts[0]!)) {
    violations.push(`expected exactly ${yuan('10000.00') / amounts[0]!} successes, got ${ok.length}`);
  }
  violations.push(...(await ledgerViolations(db)));
  return { scenario: 'A', successes: ok.length, refused: outcomes.length - ok.length, allocated: r!.allocated_minor, violations };
}

/** B: one installment of ¥10,000.00, N receipts of ¥500.00, all allocated to that installment at once. */
async function manyReceiptsOneInstallment(db: Database, seed: Seed): Promise<RoundResult> {
  const l = seed.as();
  const party = (await l.customer(`B${++partySeq}`)).id;
  const inv = await l.invoice({ partyId: party, amount: '10000.00' });
  const [installment] = await l.installments(inv.id);
  const receipts: string[] = [];
  for (let k = 0; k < N; k++) receipts.push((await l.receipt({ partyId: party, amount: '500.00' })).id);
  const { outcomes, allArrivedTogether } = await fire(
    db,
    seed,
    receipts.map((receiptId) => ({ receiptId, installmentId: installment!, amount: yuan('500.00') })),
  );
  const violations: string[] = [];
  if (!allArrivedTogether) violations.push('the transactions did not all start before the first allocated');
  const ok = outcomes.filter((o) => o.ok);
  const [i] = await db.query<{ amount_minor: bigint; allocated_minor: bigint }>('SELECT amount_minor, allocated_minor FROM installments WHERE id = $1', [
    installment,
  ]);
  const sumOk = ok.reduce((s, o) => s + o.amount, 0n);
  if (i!.allocated_minor !== sumOk) violations.push(`installment allocated ${i!.allocated_minor} ≠ Σ successful ${sumOk}`);
  if (i!.allocated_minor > i!.amount_minor) violations.push(`installment over-allocated: ${i!.allocated_minor} > ${i!.amount_minor}`);
  if (ok.length !== 20) violations.push(`expected exactly 20 successes, got ${ok.length}`);
  for (const o of outcomes.filter((x) => !x.ok)) {
    if (o.code !== 'installment_over_allocated' || o.status !== 409) violations.push(`unexpected refusal ${o.status} ${o.code}`);
  }
  violations.push(...(await ledgerViolations(db)));
  return { scenario: 'B', successes: ok.length, refused: outcomes.length - ok.length, allocated: i!.allocated_minor, violations };
}

/**
 * A without the services: 50 owner transactions INSERT allocation rows directly (no
 * lock_for_allocation, no checkAllocation). The trigger's row updates and the CHECK constraints
 * alone must keep the receipt within its amount.
 */
async function rawInsertsOneReceipt(db: Database, seed: Seed): Promise<RoundResult> {
  const l = seed.as();
  const party = (await l.customer(`R${++partySeq}`)).id;
  const receipt = (await l.receipt({ partyId: party, amount: '10000.00' })).id;
  const installments: string[] = [];
  for (let k = 0; k < N; k++) {
    const inv = await l.invoice({ partyId: party, amount: '900.00' });
    installments.push((await l.installments(inv.id))[0]!);
  }
  const gate = barrier(N);
  const useBarrier = db.kind === 'postgres';
  const settled = await Promise.allSettled(
    installments.map((inst) =>
      db.transaction(async (tx) => {
        if (useBarrier) await gate.arrive();
        await tx.query(
          `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor, source_amount_minor, effective_date)
           VALUES ($1, 'AR', $2, 'receipt', $3, 50000, 50000, '2024-02-01')`,
          [seed.entityId, inst, receipt],
        );
      }),
    ),
  );
  const violations: string[] = [];
  if (useBarrier && gate.arrived < N) violations.push('the transactions did not all start before the first allocated');
  const ok = settled.filter((x) => x.status === 'fulfilled').length;
  for (const x of settled) {
    if (x.status === 'rejected') {
      const e = x.reason as { code?: string; constraint?: string };
      if (e.code !== '23514' || e.constraint !== 'receipt_not_over_allocated') violations.push(`unexpected error ${e.code} ${e.constraint}`);
      else if (toAppError(x.reason).code !== 'receipt_over_allocated') violations.push('not mapped to receipt_over_allocated');
    }
  }
  const [r] = await db.query<{ allocated_minor: bigint }>('SELECT allocated_minor FROM receipts WHERE id = $1', [receipt]);
  if (ok !== 20) violations.push(`expected exactly 20 successes, got ${ok}`);
  if (r!.allocated_minor !== BigInt(ok) * 50000n) violations.push(`receipt allocated ${r!.allocated_minor} for ${ok} successes`);
  violations.push(...(await ledgerViolations(db)));
  return { scenario: 'A, services bypassed', successes: ok, refused: N - ok, allocated: r!.allocated_minor, violations };
}

/** Random amounts ¥100.00–¥900.00 (whole cents), reproducible from the round number. */
function randomAmounts(round: number): bigint[] {
  let x = 0x9e3779b9 ^ round;
  return Array.from({ length: N }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return 10_000n + BigInt(x % 80_001);
  });
}

function runScenarios(target: TestDatabase, rounds: number, poolSize: number) {
  let db: Database;
  let seed: Seed;
  const results: RoundResult[] = [];

  beforeAll(async () => {
    db = await target.open({ poolSize });
    seed = await seedBasics(db);
  });
  afterAll(async () => {
    const v = results.reduce((s, r) => s + r.violations.length, 0);
    console.log(
      `[${target.name}] ${results.length} scenarios × ${N} simultaneous allocations: violations = ${v}\n` +
        results.map((r) => `  ${r.scenario}: ${r.successes} succeeded, ${r.refused} refused, allocated ${formatAmount(r.allocated, 'CNY')}`).join('\n'),
    );
    await db?.close();
  });

  for (let round = 1; round <= rounds; round++) {
    it(`round ${round}, A: 50 × ¥500.00 from one ¥10,000.00 receipt → exactly 20 succeed`, async () => {
      const r = await oneReceiptManyInvoices(db, seed, Array.from({ length: N }, () => yuan('500.00')));
      results.push(r);
      expect(r.violations).toEqual([]);
      expect(r.successes).toBe(20);
      expect(r.allocated).toBe(yuan('10000.00'));
    });
    it(`round ${round}, A: 50 random ¥100–¥900 amounts from one receipt → never more than ¥10,000.00`, async () => {
      const r = await oneReceiptManyInvoices(db, seed, randomAmounts(round));
      results.push(r);
      expect(r.violations).toEqual([]);
      expect(r.allocated <= yuan('10000.00')).toBe(true);
    });
    it(`round ${round}, A with the services bypassed: 50 raw INSERTs of ¥500.00 → the CHECK constraint admits exactly 20`, async () => {
      const r = await rawInsertsOneReceipt(db, seed);
      results.push(r);
      expect(r.violations).toEqual([]);
      expect(r.allocated).toBe(yuan('10000.00'));
    });
    it(`round ${round}, B: 50 receipts of ¥500.00 onto one ¥10,000.00 installment → exactly 20 succeed`, async () => {
      const r = await manyReceiptsOneInstallment(db, seed);
      results.push(r);
      expect(r.violations).toEqual([]);
      expect(r.allocated).toBe(yuan('10000.00'));
    });
  }

  it('10 simultaneous credit notes of ¥60.00 on a ¥100.00 invoice: exactly one is accepted', async () => {
    const l = seed.as();
    const party = (await l.customer(`CN${++partySeq}`)).id;
    const inv = await l.invoice({ partyId: party, amount: '100.00' });
    const { settled, allArrivedTogether } = await simultaneously(db, seed, Array.from({ length: 10 }, (_x, k) => k), (tx) =>
      createCreditNote(tx, seed.finance, { originalInvoiceId: inv.id, issueDate: '2024-01-20', lines: [{ description: '折让', unitPrice: '60.00' }] }),
    );
    expect(allArrivedTogether).toBe(true);
    expect(settled.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    for (const x of settled) if (x.status === 'rejected') expect(toAppError(x.reason).code).toBe('credit_exceeds_invoice');
    const [{ credited }] = (await db.query<{ credited: bigint }>(
      'SELECT coalesce(sum(total_minor), 0)::bigint AS credited FROM invoices WHERE original_invoice_id = $1',
      [inv.id],
    )) as [{ credited: bigint }];
    expect(credited).toBe(yuan('60.00'));
    expect(await ledgerViolations(db)).toEqual([]);
  });

  it('10 simultaneous reversals of one allocation: exactly one is accepted', async () => {
    const l = seed.as();
    const party = (await l.customer(`RV${++partySeq}`)).id;
    const inv = await l.invoice({ partyId: party, amount: '100.00' });
    const [inst] = await l.installments(inv.id);
    const receipt = await l.receipt({ partyId: party, amount: '100.00' });
    const allocation = (await l.allocate({ receiptId: receipt.id, lines: [{ installmentId: inst!, amount: '100.00' }] })).allocations[0]!.id;
    const { settled, allArrivedTogether } = await simultaneously(db, seed, Array.from({ length: 10 }, (_x, k) => k), (tx) =>
      reverseAllocation(tx, seed.finance, allocation),
    );
    expect(allArrivedTogether).toBe(true);
    expect(settled.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    for (const x of settled) if (x.status === 'rejected') expect(toAppError(x.reason).code).toBe('allocation_already_reversed');
    const [row] = await db.query<{ allocated_minor: bigint }>('SELECT allocated_minor FROM installments WHERE id = $1', [inst]);
    expect(row!.allocated_minor).toBe(0n);
    expect(await ledgerViolations(db)).toEqual([]);
  });

  it('the audit chain is intact after the concurrent writes', async () => {
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, firstBroken: null });
  });
}

describe.skipIf(!postgres)('concurrent allocations on PostgreSQL (50 connections)', () => {
  runScenarios(postgres!, ROUNDS, N + 5);
});

describe('the same scenarios on PGlite (transactions serialised)', () => {
  runScenarios(databases.find((d) => d.name === 'pglite')!, Math.min(ROUNDS, 2), 1);
});
