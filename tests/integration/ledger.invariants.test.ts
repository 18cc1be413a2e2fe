/**
 * The ledger's money invariants, checked against the database after every step of random command
 * sequences (model-based property test), and the database's own refusals when the services are
 * bypassed (direct SQL as the owner and as shoufu_app).
 *
 * Invariants (on every database in `databases`):
 *  - every installment: 0 ≤ allocated_minor ≤ amount_minor, and allocated_minor equals the sum of
 *    the allocations that target it plus those that use it as a credit-note source;
 *  - every receipt: 0 ≤ allocated_minor ≤ amount_minor = Σ source_amount_minor of its allocations;
 *  - control_totals.open_minor = Σ (amount − allocated) of invoice installments per entity/side/currency;
 *  - a rejected command changes nothing; the in-memory reference model equals the database;
 *  - the audit chain verifies.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { addDays } from '../../src/domain/dates';
import { invoiceBalanceAsOf } from '../../src/domain/ledger';
import { formatAmount } from '../../src/domain/money';
import { withActor } from '../../src/services/actor';
import { verifyAuditChain } from '../../src/services/audit';
import { installmentBalancesCte, invoiceBalancesCte, receiptBalancesCte } from '../../src/services/ledger/balances';
import {
  databases,
  dbRejection,
  type Ledger,
  ledgerSnapshot,
  ledgerViolations,
  rejection,
  type Seed,
  seedBasics,
  toAppError,
} from './harness';

const RUNS = Number(process.env.SHOUFU_PROPERTY_RUNS ?? 15);
const BASE_DATE = '2024-01-01';
const day = (n: number) => addDays(BASE_DATE, n);

// ---------------------------------------------------------------------------------------------
// Commands (generated without knowing database ids; indexes pick among what exists at run time)
// ---------------------------------------------------------------------------------------------

type LineMode = 'fit' | 'over_installment' | 'over_receipt';
type Cmd =
  | { t: 'invoice'; party: number; currency: string; parts: bigint[]; day: number; dueGaps: number[] }
  | { t: 'receipt'; party: number | null; currency: string; amount: bigint; day: number }
  | { t: 'allocate'; receipt: number; anyReceipt: boolean; lines: { inst: number; mode: LineMode; pct: number; anyInstallment: boolean }[]; allowDuplicates: boolean }
  | { t: 'reverse'; alloc: number }
  | { t: 'adjust'; inst: number; kind: 'discount' | 'bank_fee' | 'small_difference' | 'write_off'; over: boolean; pct: number }
  | { t: 'creditNote'; invoice: number; over: boolean; pct: number; day: number }
  | { t: 'rawOver'; inst: number; receipt: number; which: 'installment' | 'receipt' };

const pick = fc.nat(10_000);
const pct = fc.integer({ min: 1, max: 100 });
const currency = fc.constantFrom('CNY', 'CNY', 'CNY', 'USD');
/** true in about one case out of `n`. */
const oneIn = (n: number) => fc.integer({ min: 1, max: n }).map((k) => k === 1);

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('invoice' as const),
      party: fc.nat(2),
      currency,
      parts: fc.array(fc.bigInt({ min: 1n, max: 500_000n }), { minLength: 1, maxLength: 3 }),
      day: fc.nat(60),
      dueGaps: fc.array(fc.nat(45), { minLength: 3, maxLength: 3 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('receipt' as const),
      party: fc.option(fc.nat(2), { nil: null, freq: 8 }),
      currency,
      amount: fc.bigInt({ min: 1n, max: 1_000_000n }),
      day: fc.nat(90),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('allocate' as const),
      receipt: pick,
      // usually a receipt with money left to apply
      anyReceipt: oneIn(5),
      lines: fc.array(
        fc.record({
          inst: pick,
          mode: fc.constantFrom<LineMode>('fit', 'fit', 'fit', 'fit', 'fit', 'fit', 'over_installment', 'over_receipt'),
          pct,
          // usually an installment the receipt may pay (same currency, payer or its subsidiary)
          anyInstallment: oneIn(6),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      allowDuplicates: oneIn(8),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('reverse' as const), alloc: pick }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('adjust' as const),
      inst: pick,
      kind: fc.constantFrom('discount' as const, 'bank_fee' as const, 'small_difference' as const, 'write_off' as const),
      over: oneIn(4),
      pct,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('creditNote' as const), invoice: pick, over: oneIn(4), pct, day: fc.nat(30) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('rawOver' as const),
      inst: pick,
      receipt: pick,
      which: fc.constantFrom('installment' as const, 'receipt' as const),
    }),
  },
);

// ---------------------------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------------------------

interface MInvoice {
  id: string;
  kind: 'invoice' | 'credit_note';
  party: number;
  currency: string;
  issueDate: string;
  total: bigint;
  /** Σ credit notes referencing this invoice. */
  credited: bigint;
  installments: MInst[];
}
interface MInst {
  id: string;
  invoice: MInvoice;
  dueDate: string;
  amount: bigint;
  allocated: bigint;
}
interface MReceipt {
  id: string;
  party: number | null;
  currency: string;
  date: string;
  amount: bigint;
  allocated: bigint;
}
interface MAlloc {
  id: string;
  target: MInst;
  receipt: MReceipt | null;
  creditNote: MInst | null;
  amount: bigint;
  isReversal: boolean;
  reversed: boolean;
}
interface Model {
  invoices: MInvoice[];
  installments: MInst[];
  receipts: MReceipt[];
  allocations: MAlloc[];
}

/** Parties: 0 = head office, 1 = its subsidiary (parent 0), 2 = unrelated. */
const PARENT: (number | null)[] = [null, 0, null];
const payerMayPay = (payer: number, invoiceParty: number) => payer === invoiceParty || PARENT[invoiceParty] === payer;
const openOf = (i: MInst) => i.amount - i.allocated;
const nth = <T>(xs: T[], k: number): T | undefined => (xs.length ? xs[k % xs.length] : undefined);
const isComplete = <T>(xs: (T | null)[]): xs is T[] => xs.every((x) => x !== null);

interface World {
  db: Database;
  seed: Seed;
  ledger: Ledger;
  parties: string[];
  model: Model;
  /** Outcomes, for the failure message. */
  log: string[];
}

// ---------------------------------------------------------------------------------------------
// Database checks
// ---------------------------------------------------------------------------------------------

async function checkAgainstModel(w: World): Promise<void> {
  const context = () => `after:\n  ${w.log.slice(-5).join('\n  ')}`;
  expect(await ledgerViolations(w.db), context()).toEqual([]);
  const insts = await w.db.query<{ id: string; allocated_minor: bigint }>('SELECT id, allocated_minor FROM installments');
  expect(
    new Map(insts.map((r) => [r.id, r.allocated_minor])),
    context(),
  ).toEqual(new Map(w.model.installments.map((i) => [i.id, i.allocated])));
  const rcpts = await w.db.query<{ id: string; allocated_minor: bigint }>('SELECT id, allocated_minor FROM receipts');
  expect(new Map(rcpts.map((r) => [r.id, r.allocated_minor])), context()).toEqual(
    new Map(w.model.receipts.map((r) => [r.id, r.allocated])),
  );
  // The expected open balance of every invoice, from the model.
  const open = await w.db.query<{ id: string; open_minor: bigint }>(
    'SELECT invoice_id AS id, sum(amount_minor - allocated_minor)::bigint AS open_minor FROM installments GROUP BY invoice_id',
  );
  expect(new Map(open.map((r) => [r.id, r.open_minor])), context()).toEqual(
    new Map(w.model.invoices.map((inv) => [inv.id, inv.installments.reduce((s, i) => s + openOf(i), 0n)])),
  );
  const [{ n }] = (await w.db.query<{ n: bigint }>('SELECT count(*) AS n FROM allocations')) as [{ n: bigint }];
  expect(n, context()).toBe(BigInt(w.model.allocations.length));
}

/** Runs a command the model says must be refused with `code`; nothing may change. */
async function expectRefused(w: World, code: string, what: string, op: () => Promise<unknown>): Promise<void> {
  const before = await ledgerSnapshot(w.db);
  const err = await rejection(op());
  w.log.push(`${what} → refused ${err.code}`);
  expect(err.code, `${what}: ${err.message}`).toBe(code);
  if (code.endsWith('_over_allocated')) expect(err.status).toBe(409);
  expect(await ledgerSnapshot(w.db), `${what} was refused but changed the database`).toBe(before);
}

// ---------------------------------------------------------------------------------------------
// Running one command against the services and the model
// ---------------------------------------------------------------------------------------------

async function step(w: World, cmd: Cmd): Promise<void> {
  const m = w.model;
  switch (cmd.t) {
    case 'invoice': {
      const issueDate = day(cmd.day);
      let due = cmd.day;
      const installments = cmd.parts.map((p, k) => {
        due += cmd.dueGaps[k] ?? 0;
        return { dueDate: day(due), amount: formatAmount(p, cmd.currency) };
      });
      const total = cmd.parts.reduce((a, b) => a + b, 0n);
      const inv = await w.ledger.invoice({
        partyId: w.parties[cmd.party]!,
        currency: cmd.currency,
        amount: formatAmount(total, cmd.currency),
        issueDate,
        installments,
      });
      const ids = await w.ledger.installments(inv.id);
      const mi: MInvoice = { id: inv.id, kind: 'invoice', party: cmd.party, currency: cmd.currency, issueDate, total, credited: 0n, installments: [] };
      mi.installments = cmd.parts.map((amount, k) => ({ id: ids[k]!, invoice: mi, dueDate: installments[k]!.dueDate, amount, allocated: 0n }));
      m.invoices.push(mi);
      m.installments.push(...mi.installments);
      w.log.push(`invoice ${inv.number} ${cmd.currency} ${cmd.parts.join('+')} for party ${cmd.party}`);
      return;
    }
    case 'receipt': {
      const date = day(cmd.day);
      const r = await w.ledger.receipt({
        partyId: cmd.party === null ? null : w.parties[cmd.party]!,
        currency: cmd.currency,
        amount: formatAmount(cmd.amount, cmd.currency),
        receiptDate: date,
      });
      m.receipts.push({ id: r.id, party: cmd.party, currency: cmd.currency, date, amount: cmd.amount, allocated: 0n });
      w.log.push(`receipt ${r.number} ${cmd.currency} ${cmd.amount} from party ${cmd.party}`);
      return;
    }
    case 'allocate': {
      const unapplied = m.receipts.filter((r) => r.amount > r.allocated);
      const receipt = nth(cmd.anyReceipt || unapplied.length === 0 ? m.receipts : unapplied, cmd.receipt);
      if (!receipt || m.installments.length === 0) return;
      let left = receipt.amount - receipt.allocated;
      const payable = m.installments.filter(
        (i) =>
          i.invoice.kind === 'invoice' &&
          openOf(i) > 0n &&
          i.invoice.currency === receipt.currency &&
          (receipt.party === null || payerMayPay(receipt.party, i.invoice.party)),
      );
      const used = new Set<MInst>();
      const lines = cmd.lines.map((l) => {
        // to overdraw the receipt and nothing else, prefer an installment open for more than is left
        const roomy = l.mode === 'over_receipt' ? payable.filter((i) => openOf(i) > left && !used.has(i)) : [];
        const pool = l.anyInstallment ? m.installments : roomy.length ? roomy : payable;
        if (pool.length === 0) return null;
        let inst = nth(pool, l.inst)!;
        for (let k = 1; !cmd.allowDuplicates && used.has(inst) && k < pool.length; k++) inst = nth(pool, l.inst + k)!;
        used.add(inst);
        const open = openOf(inst);
        let amount: bigint;
        if (l.mode === 'over_installment') amount = open + 1n;
        else if (l.mode === 'over_receipt') amount = (left > 0n ? left : 0n) + 1n;
        else {
          const cap = open < left ? open : left;
          amount = (cap * BigInt(l.pct)) / 100n;
          if (amount <= 0n) amount = 1n;
        }
        left -= amount;
        return { inst, amount };
      });
      if (!isComplete(lines)) return; // nothing this receipt may pay exists yet
      // What the service must answer, rule by rule in its order.
      let expected: string | null = null;
      if (receipt.party === null) expected = 'receipt_party_unknown';
      for (const l of lines) {
        if (expected) break;
        if (l.inst.invoice.kind !== 'invoice') expected = 'allocation_target_not_invoice';
        else if (!payerMayPay(receipt.party!, l.inst.invoice.party)) expected = 'allocation_party_mismatch';
      }
      if (!expected && new Set(lines.map((l) => l.inst.id)).size !== lines.length) expected = 'allocation_duplicate_installment';
      for (const l of lines) {
        if (expected) break;
        if (l.inst.invoice.currency !== receipt.currency) expected = 'currency_mismatch';
        else if (l.amount > openOf(l.inst)) expected = 'installment_over_allocated';
      }
      const total = lines.reduce((s, l) => s + l.amount, 0n);
      if (!expected && total > receipt.amount - receipt.allocated) expected = 'receipt_over_allocated';

      const what = `allocate ${lines.map((l) => `${l.amount}→${l.inst.id.slice(0, 8)}`).join(', ')} of receipt ${receipt.id.slice(0, 8)}`;
      const op = () =>
        w.ledger.allocate({
          receiptId: receipt.id,
          lines: lines.map((l) => ({ installmentId: l.inst.id, amount: formatAmount(l.amount, receipt.currency) })),
        });
      if (expected) return expectRefused(w, expected, what, op);
      const res = await op();
      res.allocations.forEach((a, k) => {
        const l = lines[k]!;
        l.inst.allocated += l.amount;
        receipt.allocated += l.amount;
        m.allocations.push({ id: a.id, target: l.inst, receipt, creditNote: null, amount: l.amount, isReversal: false, reversed: false });
      });
      expect(res.unapplied).toBe(formatAmount(receipt.amount - receipt.allocated, receipt.currency));
      w.log.push(`${what} → ok`);
      return;
    }
    case 'reverse': {
      const a = nth(m.allocations, cmd.alloc);
      if (!a) return;
      const what = `reverse allocation ${a.id.slice(0, 8)} (${a.amount})`;
      const op = () => w.ledger.reverse(a.id);
      if (a.isReversal) return expectRefused(w, 'cannot_reverse_reversal', what, op);
      if (a.reversed) return expectRefused(w, 'allocation_already_reversed', what, op);
      const res = await op();
      a.reversed = true;
      a.target.allocated -= a.amount;
      if (a.receipt) a.receipt.allocated -= a.amount;
      if (a.creditNote) a.creditNote.allocated -= a.amount;
      m.allocations.push({ ...a, id: res.id, amount: -a.amount, isReversal: true, reversed: false });
      w.log.push(`${what} → ok`);
      return;
    }
    case 'adjust': {
      const inst = nth(m.installments, cmd.inst);
      if (!inst) return;
      const open = openOf(inst);
      let amount = cmd.over ? open + 1n : (open * BigInt(cmd.pct)) / 100n;
      if (amount <= 0n) amount = 1n;
      const what = `adjust ${cmd.kind} ${amount} on ${inst.id.slice(0, 8)} (open ${open})`;
      const op = () =>
        w.ledger.adjust({ installmentId: inst.id, kind: cmd.kind, amount: formatAmount(amount, inst.invoice.currency), reason: '测试调整' });
      if (inst.invoice.kind !== 'invoice') return expectRefused(w, 'allocation_target_not_invoice', what, op);
      if (amount > open) return expectRefused(w, 'installment_over_allocated', what, op);
      const res = await op();
      inst.allocated += amount;
      m.allocations.push({ id: res.id, target: inst, receipt: null, creditNote: null, amount, isReversal: false, reversed: false });
      w.log.push(`${what} → ok`);
      return;
    }
    case 'creditNote': {
      const orig = nth(
        m.invoices.filter((i) => i.kind === 'invoice'),
        cmd.invoice,
      );
      if (!orig) return;
      const creditable = orig.total - orig.credited;
      let amount = cmd.over ? creditable + 1n : (creditable * BigInt(cmd.pct)) / 100n;
      if (amount <= 0n) amount = 1n;
      const issueDate = addDays(orig.issueDate, cmd.day);
      const what = `credit note ${amount} on invoice ${orig.id.slice(0, 8)} (creditable ${creditable})`;
      const op = () => w.ledger.creditNote(orig.id, formatAmount(amount, orig.currency), issueDate);
      if (amount > creditable) return expectRefused(w, 'credit_exceeds_invoice', what, op);
      const cn = await op();
      orig.credited += amount;
      const [cnInstId] = await w.ledger.installments(cn.id);
      const cnInv: MInvoice = { id: cn.id, kind: 'credit_note', party: orig.party, currency: orig.currency, issueDate, total: amount, credited: 0n, installments: [] };
      const cnInst: MInst = { id: cnInstId!, invoice: cnInv, dueDate: '', amount, allocated: 0n };
      cnInv.installments = [cnInst];
      m.invoices.push(cnInv);
      m.installments.push(cnInst);
      // Applied at once to the original's open installments, oldest due first.
      const applied = await w.db.query<{ id: string; target_installment_id: string; amount_minor: bigint }>(
        'SELECT id, target_installment_id, amount_minor FROM allocations WHERE source_installment_id = $1 ORDER BY seq',
        [cnInst.id],
      );
      let left = amount;
      const plan = [...orig.installments]
        .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.id.localeCompare(b.id))
        .flatMap((i) => {
          const take = openOf(i) < left ? openOf(i) : left;
          if (take <= 0n) return [];
          left -= take;
          return [{ inst: i, amount: take }];
        });
      expect(
        applied.map((a) => [a.target_installment_id, a.amount_minor]),
        `${what}: applied oldest first`,
      ).toEqual(plan.map((p) => [p.inst.id, p.amount]));
      plan.forEach((p, k) => {
        p.inst.allocated += p.amount;
        cnInst.allocated += p.amount;
        m.allocations.push({ id: applied[k]!.id, target: p.inst, receipt: null, creditNote: cnInst, amount: p.amount, isReversal: false, reversed: false });
      });
      w.log.push(`${what} → ok, applied ${amount - left}`);
      return;
    }
    case 'rawOver': {
      // Bypass the services: insert an over-allocating row as the owner; the CHECK constraints on
      // the trigger-maintained caches must refuse it.
      const inst = nth(
        m.installments.filter((i) => i.invoice.kind === 'invoice'),
        cmd.inst,
      );
      const receipt = inst && nth(
        m.receipts.filter((r) => r.currency === inst.invoice.currency),
        cmd.receipt,
      );
      if (!inst || !receipt) return;
      const unapplied = receipt.amount - receipt.allocated;
      const amount = cmd.which === 'installment' ? openOf(inst) + 1n : unapplied + 1n;
      const expected = amount > openOf(inst) ? 'installment_over_allocated' : 'receipt_over_allocated';
      const what = `raw INSERT allocation ${amount} (installment open ${openOf(inst)}, receipt unapplied ${unapplied})`;
      const before = await ledgerSnapshot(w.db);
      const err = await dbRejection(
        w.db.query(
          `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor,
                                    source_amount_minor, effective_date)
           VALUES ($1, 'AR', $2, 'receipt', $3, $4, $4, $5)`,
          [w.seed.entityId, inst.id, receipt.id, amount, '2024-06-30'],
        ),
      );
      expect(err.code, what).toBe('23514');
      expect(err.constraint, what).toBe(expected === 'installment_over_allocated' ? 'installment_not_over_allocated' : 'receipt_not_over_allocated');
      const app = toAppError(err);
      expect([app.code, app.status], what).toEqual([expected, 409]);
      expect(await ledgerSnapshot(w.db), `${what} changed the database`).toBe(before);
      w.log.push(`${what} → refused by ${err.constraint}`);
      return;
    }
  }
}

async function newWorld(db: Database): Promise<World> {
  const seed = await seedBasics(db);
  const ledger = seed.as();
  const hq = await ledger.customer('HQ', { name: '华东集团总部' });
  const sub = await ledger.customer('SUB', { name: '华东集团子公司', parentCode: 'HQ' });
  const other = await ledger.customer('OTHER', { name: '无关客户' });
  return {
    db,
    seed,
    ledger,
    parties: [hq.id, sub.id, other.id],
    model: { invoices: [], installments: [], receipts: [], allocations: [] },
    log: [],
  };
}

// ---------------------------------------------------------------------------------------------

describe.each(databases)('ledger invariants on $name', (target) => {
  it(
    `random sequences of 30–60 commands keep every invariant (${RUNS} runs)`,
    async () => {
      const stats = { commands: 0, refused: 0 };
      const outcomes = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(fc.array(cmdArb, { minLength: 30, maxLength: 60 }), async (cmds) => {
          const db = await target.open();
          try {
            const w = await newWorld(db);
            for (const cmd of cmds) {
              await step(w, cmd);
              await checkAgainstModel(w);
            }
            stats.commands += w.log.length;
            stats.refused += w.log.filter((l) => l.includes('refused')).length;
            for (const l of w.log) {
              const key = `${l.split(' ')[0]} ${l.match(/→ (refused (?:by )?\w+|ok)/)?.[1] ?? 'ok'}`;
              outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
            }
            // The as-of read model (recomputed from allocations) agrees with the caches at the end of time.
            const asOf = await db.query<{ id: string; allocated_minor: bigint }>(
              `WITH ${installmentBalancesCte('$1')} SELECT id, allocated_minor FROM inst_bal`,
              ['2999-12-31'],
            );
            expect(new Map(asOf.map((r) => [r.id, r.allocated_minor]))).toEqual(new Map(w.model.installments.map((i) => [i.id, i.allocated])));
            expect(await verifyAuditChain(db)).toMatchObject({ ok: true, firstBroken: null });
          } finally {
            await db.close();
          }
        }),
        // On failure fast-check shrinks (each attempt on a fresh database) for at most the time left.
        { numRuns: RUNS, interruptAfterTimeLimit: 180_000 },
      );
      console.log(`[${target.name}] ${RUNS} runs, ${stats.commands} commands executed, ${stats.refused} correctly refused`);
      expect(stats.refused).toBeGreaterThan(0);
      console.log(
        [...outcomes]
          .sort()
          .map(([k, n]) => `  ${k}: ${n}`)
          .join('\n'),
      );
    },
    240_000,
  );
});

// ---------------------------------------------------------------------------------------------
// The database refuses on its own, whatever the application does
// ---------------------------------------------------------------------------------------------

describe.each(databases)('the database itself refuses on $name', (target) => {
  let db: Database;
  let seed: Seed;
  let ids: { party: string; invoice: string; inst1: string; inst2: string; receipt: string; usdReceipt: string; alloc: string; creditNoteInst: string };

  beforeAll(async () => {
    db = await target.open();
    seed = await seedBasics(db);
    const l = seed.as();
    const party = (await l.customer('C001', { name: '杭州某某贸易有限公司' })).id;
    // ¥1,000.00 in two installments (¥600.00 due 2024-02-10, ¥400.00 due 2024-03-10)
    const invoice = (
      await l.invoice({
        partyId: party,
        amount: '1000.00',
        issueDate: '2024-01-10',
        installments: [
          { dueDate: '2024-02-10', amount: '600.00' },
          { dueDate: '2024-03-10', amount: '400.00' },
        ],
      })
    ).id;
    const [inst1, inst2] = await l.installments(invoice);
    const receipt = (await l.receipt({ partyId: party, amount: '500.00', receiptDate: '2024-02-01' })).id;
    const usdReceipt = (await l.receipt({ partyId: party, amount: '100.00', currency: 'USD', receiptDate: '2024-02-01' })).id;
    // ¥200.00 of the receipt applied to installment 1 with effect 2024-03-15
    const alloc = (await l.allocate({ receiptId: receipt, effectiveDate: '2024-03-15', lines: [{ installmentId: inst1!, amount: '200.00' }] }))
      .allocations[0]!.id;
    const other = (await l.invoice({ partyId: party, amount: '50.00', issueDate: '2024-01-10' })).id;
    const cn = await l.creditNote(other, '10.00', '2024-01-11');
    const [creditNoteInst] = await l.installments(cn.id);
    ids = { party, invoice, inst1: inst1!, inst2: inst2!, receipt, usdReceipt, alloc, creditNoteInst: creditNoteInst! };
  });
  afterAll(async () => {
    await db?.close();
  });

  const immutable = async (sql: string, params: unknown[] = []) => {
    const err = await dbRejection(db.query(sql, params));
    expect([err.code, err.hint]).toEqual(['P0001', 'immutable']);
    expect(toAppError(err)).toMatchObject({ status: 409, code: 'document_immutable' });
  };

  it('posted invoices and their lines cannot be updated or deleted, even by the owner', async () => {
    await immutable('UPDATE invoices SET total_minor = total_minor + 1, subtotal_minor = subtotal_minor + 1 WHERE id = $1', [ids.invoice]);
    await immutable('UPDATE invoices SET description = $2 WHERE id = $1', [ids.invoice, '改一下']);
    await immutable('DELETE FROM invoices WHERE id = $1', [ids.invoice]);
    await immutable('UPDATE invoice_lines SET amount_minor = 1 WHERE invoice_id = $1', [ids.invoice]);
    await immutable('DELETE FROM invoice_lines WHERE invoice_id = $1', [ids.invoice]);
  });

  it('an installment’s amount, due date and existence are fixed', async () => {
    const before = await ledgerSnapshot(db);
    const [row] = await db.query('SELECT * FROM installments WHERE id = $1', [ids.inst2]);
    await dbRejection(db.query('UPDATE installments SET amount_minor = amount_minor + 100 WHERE id = $1', [ids.inst2]));
    await dbRejection(db.query("UPDATE installments SET due_date = '2030-01-01' WHERE id = $1", [ids.inst2]));
    await immutable('DELETE FROM installments WHERE id = $1', [ids.inst2]);
    expect(await db.query('SELECT * FROM installments WHERE id = $1', [ids.inst2])).toEqual([row]);
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  // Regression: shoufu_only_cache_changes() once read OLD.party_id on installments (PL/pgSQL does
  // not short-circuit), failing with 42703 instead of P0001/immutable — a 500 instead of a 409.
  it('changing an installment’s amount is refused as document_immutable (P0001)', async () => {
    await immutable('UPDATE installments SET amount_minor = amount_minor + 100 WHERE id = $1', [ids.inst2]);
  });

  it('a receipt’s amount is fixed; only an unknown payer may be assigned once (收款认领)', async () => {
    await immutable('UPDATE receipts SET amount_minor = 1 WHERE id = $1', [ids.receipt]);
    await immutable('DELETE FROM receipts WHERE id = $1', [ids.receipt]);
    const anon = (await seed.as().receipt({ amount: '1.00' })).id;
    await db.query('UPDATE receipts SET party_id = $2 WHERE id = $1', [anon, ids.party]);
    const again = (await seed.as().customer('C002')).id;
    await immutable('UPDATE receipts SET party_id = $2 WHERE id = $1', [anon, again]);
  });

  it('allocations and the audit log are append-only (UPDATE, DELETE and TRUNCATE refused)', async () => {
    await immutable('UPDATE allocations SET amount_minor = 1, source_amount_minor = 1 WHERE id = $1', [ids.alloc]);
    await immutable('DELETE FROM allocations WHERE id = $1', [ids.alloc]);
    await immutable("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1");
    await immutable('DELETE FROM audit_log WHERE seq = 1');
    for (const table of ['allocations', 'audit_log']) {
      const err = await dbRejection(db.query(`TRUNCATE ${table}`));
      expect(err.code, table).toBe('P0001');
    }
  });

  it('the application role cannot touch the caches or delete anything at all', async () => {
    for (const sql of [
      'UPDATE installments SET allocated_minor = 0 WHERE id = $1',
      'UPDATE receipts SET allocated_minor = 0 WHERE id = $1',
      'DELETE FROM allocations WHERE id = $1',
      'DELETE FROM invoices WHERE id = $1',
      'UPDATE control_totals SET open_minor = 0 WHERE entity_id = $1',
    ]) {
      const err = await dbRejection(withActor(db, seed.admin, (tx) => tx.query(sql, [ids.inst1])));
      expect(err.code, sql).toBe('42501');
    }
  });

  it('an over-allocating INSERT (services bypassed, as the owner) hits the CHECK constraints', async () => {
    const before = await ledgerSnapshot(db);
    const insert = (inst: string, amount: bigint) =>
      db.query(
        `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor, source_amount_minor, effective_date)
         VALUES ($1, 'AR', $2, 'receipt', $3, $4, $4, '2024-03-20')`,
        [seed.entityId, inst, ids.receipt, amount],
      );
    // installment 2 is open ¥400.00, the receipt has ¥300.00 unapplied
    const overInstallment = await dbRejection(insert(ids.inst2, 40001n));
    expect([overInstallment.code, overInstallment.constraint]).toEqual(['23514', 'installment_not_over_allocated']);
    expect(toAppError(overInstallment)).toMatchObject({ status: 409, code: 'installment_over_allocated' });
    const overReceipt = await dbRejection(insert(ids.inst2, 30001n));
    expect([overReceipt.code, overReceipt.constraint]).toEqual(['23514', 'receipt_not_over_allocated']);
    expect(toAppError(overReceipt)).toMatchObject({ status: 409, code: 'receipt_over_allocated' });
    expect(await ledgerSnapshot(db)).toBe(before);
  });

  it('an allocation between currencies needs an FX rate; a same-currency one must not have one', async () => {
    const insert = (receipt: string, amount: bigint, sourceAmount: bigint, rate: string | null) =>
      db.query(
        `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor,
                                  source_amount_minor, fx_rate, effective_date)
         VALUES ($1, 'AR', $2, 'receipt', $3, $4, $5, $6, '2024-03-20')`,
        [seed.entityId, ids.inst2, receipt, amount, sourceAmount, rate],
      );
    const noRate = await dbRejection(insert(ids.usdReceipt, 100n, 100n, null));
    expect([noRate.code, noRate.hint]).toEqual(['P0001', 'allocation_currency_mismatch']);
    expect(toAppError(noRate)).toMatchObject({ status: 422, code: 'allocation_currency_mismatch' });
    const sameWithRate = await dbRejection(insert(ids.receipt, 100n, 100n, '1'));
    expect(sameWithRate.hint).toBe('allocation_currency_mismatch');
    const unequal = await dbRejection(insert(ids.receipt, 100n, 99n, null));
    expect(unequal.hint).toBe('allocation_currency_mismatch');
    // and the service refuses a USD receipt on a CNY invoice before the database is asked
    const viaService = await rejection(seed.as().allocate({ receiptId: ids.usdReceipt, lines: [{ installmentId: ids.inst2, amount: '1.00' }] }));
    expect(viaService.code).toBe('currency_mismatch');
  });

  it('a reversal must negate exactly one earlier allocation, once', async () => {
    const reversal = (reverses: string, amount: bigint, target = ids.inst1) =>
      db.query(
        `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor,
                                  source_amount_minor, effective_date, reverses_allocation_id)
         VALUES ($1, 'AR', $2, 'receipt', $3, $4, $4, '2024-03-20', $5) RETURNING id`,
        [seed.entityId, target, ids.receipt, amount, reverses],
      );
    const before = await ledgerSnapshot(db);
    for (const [label, p] of [
      ['wrong amount', reversal(ids.alloc, -100n)],
      ['wrong installment', reversal(ids.alloc, -20000n, ids.inst2)],
    ] as const) {
      const err = await dbRejection(p);
      expect([err.code, err.hint], label).toEqual(['P0001', 'allocation_bad_reversal']);
      expect(toAppError(err).code, label).toBe('allocation_bad_reversal');
    }
    // a negative amount without pointing at what it reverses breaks a CHECK
    const unanchored = await dbRejection(
      db.query(
        `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor, source_amount_minor, effective_date)
         VALUES ($1, 'AR', $2, 'receipt', $3, -100, -100, '2024-03-20')`,
        [seed.entityId, ids.inst1, ids.receipt],
      ),
    );
    expect(unanchored.code).toBe('23514');
    expect(await ledgerSnapshot(db)).toBe(before);
    // the right reversal is accepted once; a second one and a reversal of the reversal are not
    const [ok] = await reversal(ids.alloc, -20000n);
    // (allocate ¥200.00 again so that a second reversal does not first drive the caches negative)
    await seed.as().allocate({ receiptId: ids.receipt, lines: [{ installmentId: ids.inst1, amount: '200.00' }] });
    const twice = await dbRejection(reversal(ids.alloc, -20000n));
    expect(toAppError(twice).code).toBe('duplicate');
    const ofReversal = await dbRejection(reversal((ok as { id: string }).id, 20000n));
    expect(ofReversal.code).toMatch(/^(P0001|23514)$/);
    expect(await ledgerViolations(db)).toEqual([]);
    // the services say the same
    expect((await rejection(seed.as().reverse(ids.alloc))).code).toBe('allocation_already_reversed');
    expect((await rejection(seed.as().reverse((ok as { id: string }).id))).code).toBe('cannot_reverse_reversal');
  });

  it('only invoice installments can be allocated to; a credit note is a source, not a target', async () => {
    const err = await dbRejection(
      db.query(
        `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor, source_amount_minor, effective_date)
         VALUES ($1, 'AR', $2, 'receipt', $3, 100, 100, '2024-03-20')`,
        [seed.entityId, ids.creditNoteInst, ids.receipt],
      ),
    );
    expect(err.hint).toBe('allocation_target_not_invoice');
  });

  it('as of a date, allocations effective later do not reduce the balance', async () => {
    const l = seed.as();
    const party = (await l.customer('ASOF')).id;
    const inv = await l.invoice({
      partyId: party,
      amount: '1000.00',
      issueDate: '2024-01-10',
      installments: [
        { dueDate: '2024-02-10', amount: '600.00' },
        { dueDate: '2024-03-10', amount: '400.00' },
      ],
    });
    const [i1, i2] = await l.installments(inv.id);
    const r = await l.receipt({ partyId: party, amount: '1000.00', receiptDate: '2024-02-01' });
    await l.allocate({ receiptId: r.id, effectiveDate: '2024-02-05', lines: [{ installmentId: i1!, amount: '600.00' }] });
    await l.allocate({ receiptId: r.id, effectiveDate: '2024-03-15', lines: [{ installmentId: i2!, amount: '400.00' }] });

    const balanceAsOf = async (asOf: string) => {
      const [row] = await db.query<{ open_minor: bigint; overdue_minor: bigint; status: string; days_overdue: number }>(
        `WITH ${invoiceBalancesCte('$1')} SELECT open_minor, overdue_minor, status, days_overdue FROM inv_bal WHERE id = $2`,
        [asOf, inv.id],
      );
      const [rcpt] = await db.query<{ unapplied_minor: bigint }>(
        `WITH ${receiptBalancesCte('$1')} SELECT unapplied_minor FROM rcpt_bal WHERE id = $2`,
        [asOf, r.id],
      );
      return { ...row!, unapplied: rcpt?.unapplied_minor ?? null };
    };
    // As a finance person reads it:
    //  as of       open      overdue   status          receipt unapplied
    expect(await balanceAsOf('2024-01-31')).toEqual({ open_minor: 100000n, overdue_minor: 0n, status: 'open', days_overdue: 0, unapplied: null });
    expect(await balanceAsOf('2024-02-05')).toEqual({ open_minor: 40000n, overdue_minor: 0n, status: 'partially_paid', days_overdue: 0, unapplied: 40000n });
    expect(await balanceAsOf('2024-03-14')).toEqual({ open_minor: 40000n, overdue_minor: 40000n, status: 'overdue', days_overdue: 4, unapplied: 40000n });
    expect(await balanceAsOf('2024-03-15')).toEqual({ open_minor: 0n, overdue_minor: 0n, status: 'paid', days_overdue: 0, unapplied: 0n });

    // The SQL read model and the domain function agree on every day of the period.
    const facts = await db.query<{ amount_minor: bigint; due_date: string; allocs: { amount: string; date: string }[] | null }>(
      `SELECT n.amount_minor, n.due_date,
              (SELECT json_agg(json_build_object('amount', a.amount_minor::text, 'date', a.effective_date::text))
                 FROM allocations a WHERE a.target_installment_id = n.id) AS allocs
         FROM installments n WHERE n.invoice_id = $1 ORDER BY n.seq`,
      [inv.id],
    );
    for (let d = 0; d <= 70; d += 3) {
      const asOf = addDays('2024-01-10', d);
      const domain = invoiceBalanceAsOf(
        {
          issueDate: '2024-01-10',
          disputeOpen: false,
          writtenOffMinor: 0n,
          installments: facts.map((f) => ({
            amountMinor: f.amount_minor,
            dueDate: f.due_date,
            allocations: (f.allocs ?? []).map((a) => ({ amountMinor: BigInt(a.amount), effectiveDate: a.date })),
          })),
        },
        asOf,
      );
      const sql = await balanceAsOf(asOf);
      expect([sql.open_minor, sql.overdue_minor, sql.status, sql.days_overdue], asOf).toEqual([
        domain.openMinor,
        domain.overdueMinor,
        domain.status,
        domain.daysOverdue,
      ]);
    }
  });
});
