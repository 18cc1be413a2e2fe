/**
 * Automatic reconciliation on the ledger, both databases, on a real bank statement: the Subite
 * camt.053 of November 2024 (tests/fixtures/realdata, anonymised real data) pays 56 supplier
 * invoices named in its remittance lines ("Payment for invoice JQMLUG8868"). With those bills
 * posted, `reconcile` (AP) applies each payment to the bill it names, with its confidence and
 * reason, leaves the rest as proposals, never over-allocates, and a second run changes nothing.
 * On PostgreSQL, two runs at once apply nothing twice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { addDays } from '../../src/domain/dates';
import { formatAmount } from '../../src/domain/money';
import { exportData } from '../../src/export/exports';
import { importStatement } from '../../src/import/statements/import';
import { parseStatementFile } from '../../src/import/statements/parse';
import { withActor } from '../../src/services/actor';
import { createInvoice } from '../../src/services/ledger/invoices';
import { createParty } from '../../src/services/ledger/parties';
import { reconcile } from '../../src/services/reconciliation/run';
import { databases, ledgerViolations, postgres, type Seed, seedBasics } from './harness';

const FILE = join(import.meta.dirname, '..', 'fixtures', 'realdata', 'bank-statements', 'camt053', 'subite-anonymized-real', 'BE68793230773034-202411.xml');
const bytes = readFileSync(FILE);
const statement = parseStatementFile(bytes).statements[0]!;
const referenced = statement.lines
  .filter((l) => l.direction === 'debit')
  .map((l) => ({ line: l, number: /invoice\s+([A-Z0-9]+)/i.exec(l.remittance ?? '')?.[1] ?? null }))
  .filter((x): x is { line: typeof x.line; number: string } => x.number !== null);
const suppliers = [...new Set(statement.lines.map((l) => l.counterpartyName).filter((n): n is string => !!n))];

async function postLedger(db: Database, seed: Seed): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const [i, name] of suppliers.entries()) {
    const p = await withActor(db, seed.finance, (tx) => createParty(tx, seed.finance, { code: `SUP-${i + 1}`, name, isCustomer: false, isSupplier: true, paymentTermsDays: 30 }));
    ids.set(name, p.id);
  }
  for (const { line, number } of referenced) {
    const issueDate = addDays(line.bookingDate!, -30);
    await withActor(db, seed.finance, (tx) =>
      createInvoice(tx, seed.finance, {
        side: 'AP',
        number,
        partyId: ids.get(line.counterpartyName!)!,
        currency: 'EUR',
        issueDate,
        lines: [{ description: 'purchase', unitPrice: formatAmount(line.amountMinor, 'EUR') }],
      }),
    );
  }
  return ids;
}

describe.each(databases)('reconciliation of a real camt.053 on $name', (database) => {
  let db: Database;
  let seed: Seed;

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
    await postLedger(db, seed);
    const imported = await withActor(db, seed.finance, (tx) => importStatement(tx, seed.finance, { bytes, filename: 'BE68793230773034-202411.xml' }));
    expect(imported.importId).toBeTruthy();
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it('applies each payment to the bill its remittance names, with confidence and reason, and leaves the rest queued', async () => {
    expect(referenced.length).toBe(56);
    const dry = await reconcile(db, seed.finance, { side: 'AP', dryRun: true });
    const [before] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM allocations WHERE method = 'auto'");
    expect(before!.n).toBe(0n);

    const run = await reconcile(db, seed.finance, { side: 'AP' });
    expect(run).toMatchObject({ dryRun: false, autoApplied: { count: dry.autoApplied.count } });
    expect(run.lines).toBeGreaterThanOrEqual(referenced.length);
    const auto = await db.query<{ invoice: string; remittance: string | null; amount_minor: bigint; confidence: string; reason: string }>(
      `SELECT i.number AS invoice, r.remittance, a.amount_minor, a.confidence, a.reason
         FROM allocations a JOIN receipts r ON r.id = a.source_receipt_id JOIN installments n ON n.id = a.target_installment_id JOIN invoices i ON i.id = n.invoice_id
        WHERE a.method = 'auto' AND r.remittance LIKE 'Payment for invoice %'`,
    );
    // Every named bill is paid by the payment that names it, in full, and by no other.
    expect(auto.length).toBe(56);
    for (const a of auto) {
      expect(a.remittance?.startsWith(`Payment for invoice ${a.invoice}`)).toBe(true);
      expect(Number(a.confidence)).toBeGreaterThanOrEqual(0.9);
      expect(a.reason).toMatch(/INV|发票|invoice/i);
    }
    const open = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM installments n JOIN invoices i ON i.id = n.invoice_id WHERE i.side = 'AP' AND n.allocated_minor < n.amount_minor");
    expect(open[0]!.n).toBe(0n);
    // The other payments (fees, transfers) are not forced onto bills: queued, or left as strangers.
    const [queued] = await db.query<{ n: bigint }>("SELECT count(DISTINCT receipt_id) AS n FROM recon_proposals WHERE status = 'open'");
    expect(Number(queued!.n)).toBe(run.lines - run.autoApplied.count);
    expect(await ledgerViolations(db)).toEqual([]);

    // The export carries what the engine did.
    const exported = await withActor(db, seed.finance, (tx) => exportData(tx, seed.finance, 'allocations', '2026-12-31'));
    const row = exported.rows.find((r) => r.method === 'auto')!;
    expect(row).toMatchObject({ method: 'auto', confidence: expect.stringMatching(/^0\.9\d{3}|^1\.0000$/) });
    // (This statement's entries carry no AcctSvcrRef, so the column is there but empty.)
    expect(Object.keys(row)).toEqual(expect.arrayContaining(['bank_reference', 'invoice_number', 'amount', 'method', 'confidence', 'reason']));
    expect(row.invoice_number).toBeTruthy();

    // Nothing left to apply: a second run changes nothing.
    const again = await reconcile(db, seed.finance, { side: 'AP' });
    expect(again.autoApplied.count).toBe(0);
  });
});

describe.skipIf(!postgres)('two reconciliation runs at once on PostgreSQL', () => {
  it('never apply a payment twice nor over-allocate a bill', async () => {
    const db = await postgres!.open({ poolSize: 8 });
    try {
      const seed = await seedBasics(db);
      await postLedger(db, seed);
      await withActor(db, seed.finance, (tx) => importStatement(tx, seed.finance, { bytes, filename: 'BE68793230773034-202411.xml' }));
      const [a, b] = await Promise.all([reconcile(db, seed.finance, { side: 'AP' }), reconcile(db, seed.finance, { side: 'AP' })]);
      // Between them they applied each named payment once; the loser of each race queued it.
      const [auto] = await db.query<{ receipts: bigint }>("SELECT count(DISTINCT source_receipt_id) AS receipts FROM allocations WHERE method = 'auto' AND amount_minor > 0");
      // Had both runs applied one payment, the runs' counts would add up to more than the payments applied.
      expect(a!.autoApplied.count + b!.autoApplied.count).toBe(Number(auto!.receipts));
      expect(Number(auto!.receipts)).toBeGreaterThanOrEqual(56);
      expect(await ledgerViolations(db)).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
