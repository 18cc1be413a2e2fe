/**
 * Data scopes enforced by PostgreSQL row-level security, through withActor (role shoufu_app):
 *
 *   customer  region  owner   invoice ¥   receipt ¥
 *   E1        华东    sales   1,000.00    600.00 (allocated to E1's invoice)
 *   E2        华东    –       2,000.00    700.00 (allocated to E2's invoice)
 *   S1        华南    –       3,000.00    800.00 (allocated to S1's invoice)
 *   S2        华南    sales   4,000.00    900.00 (allocated to S2's invoice)
 *   –         –       –       –           500.00 (payer unknown, 待认领)
 *
 * Users: east (finance, regions 华东), sales (sales, own customers only), bj (finance, entity BJ01
 * only), and the unscoped admin/finance from the seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Queryable } from '../../src/db/database';
import { type Actor, withActor } from '../../src/services/actor';
import { createInvoice } from '../../src/services/ledger/invoices';
import { createActor, databases, dbRejection, ledgerViolations, rejection, type Seed, seedBasics } from './harness';

type Customer = 'E1' | 'E2' | 'S1' | 'S2';
interface Docs {
  party: string;
  invoice: string;
  installments: string[];
  receipt: string;
  allocation: string;
}

const TABLES = {
  parties: (d: Docs) => [d.party],
  invoices: (d: Docs) => [d.invoice],
  installments: (d: Docs) => d.installments,
  receipts: (d: Docs) => [d.receipt],
  allocations: (d: Docs) => [d.allocation],
} as const;
type Table = keyof typeof TABLES;

describe.each(databases)('row-level security on $name', (target) => {
  let db: Database;
  let seed: Seed;
  let east: Actor;
  let sales: Actor;
  let bj: Actor;
  const docs = {} as Record<Customer, Docs>;
  let unknownPayerReceipt: string;

  beforeAll(async () => {
    db = await target.open();
    seed = await seedBasics(db);
    await db.query(`INSERT INTO entities (code, name) VALUES ('BJ01', '北京分公司')`);
    east = await createActor(db, 'east', 'finance', { regions: ['华东'] });
    sales = await createActor(db, 'sales', 'sales', { ownCustomersOnly: true });
    bj = await createActor(db, 'bj', 'finance', { entities: ['BJ01'] });
    const l = seed.as(seed.admin);
    const setup: [Customer, string, boolean, string, string][] = [
      ['E1', '华东', true, '1000.00', '600.00'],
      ['E2', '华东', false, '2000.00', '700.00'],
      ['S1', '华南', false, '3000.00', '800.00'],
      ['S2', '华南', true, '4000.00', '900.00'],
    ];
    for (const [code, region, ownedBySales, invoiceAmount, receiptAmount] of setup) {
      const party = (await l.customer(code, { region, ownerUsername: ownedBySales ? 'sales' : null })).id;
      const invoice = (
        await l.invoice({
          partyId: party,
          amount: invoiceAmount,
          installments: [
            { dueDate: '2024-02-10', amount: '500.00' },
            { dueDate: '2024-03-10', amount: (Number(invoiceAmount) - 500).toFixed(2) },
          ],
        })
      ).id;
      const installments = await l.installments(invoice);
      const receipt = (await l.receipt({ partyId: party, amount: receiptAmount })).id;
      const allocation = (await l.allocate({ receiptId: receipt, lines: [{ installmentId: installments[0]!, amount: '100.00' }] })).allocations[0]!
        .id;
      docs[code] = { party, invoice, installments, receipt, allocation };
    }
    unknownPayerReceipt = (await l.receipt({ partyId: null, amount: '500.00' })).id;
  });
  afterAll(async () => {
    await db?.close();
  });

  const as = <T>(actor: Actor, fn: (tx: Queryable) => Promise<T>) => withActor(db, actor, fn);
  const count = async (actor: Actor, table: Table) =>
    Number((await as(actor, (tx) => tx.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`)))[0]!.n);
  const visibleIds = async (actor: Actor, table: Table, ids: string[]) =>
    (await as(actor, (tx) => tx.query<{ id: string }>(`SELECT id FROM ${table} WHERE id = ANY($1::uuid[])`, [ids]))).map((r) => r.id);
  const idsOf = (table: Table, customers: Customer[]) => customers.flatMap((c) => TABLES[table](docs[c]));

  const scopes: { who: string; actor: () => Actor; sees: Customer[]; hidden: Customer[] }[] = [
    { who: '华东 finance user', actor: () => east, sees: ['E1', 'E2'], hidden: ['S1', 'S2'] },
    { who: 'salesperson (own customers only)', actor: () => sales, sees: ['E1', 'S2'], hidden: ['E2', 'S1'] },
  ];

  describe.each(scopes)('$who', ({ actor, sees, hidden }) => {
    it.each(Object.keys(TABLES) as Table[])('%s: rows of other customers are invisible even by id; counts are their own', async (table) => {
      expect(await visibleIds(actor(), table, idsOf(table, hidden))).toEqual([]);
      expect((await visibleIds(actor(), table, idsOf(table, sees))).sort()).toEqual(idsOf(table, sees).sort());
      expect(await count(actor(), table)).toBe(idsOf(table, sees).length);
    });

    it('a receipt whose payer is unknown is invisible; so are the control totals', async () => {
      expect(await visibleIds(actor(), 'receipts', [unknownPayerReceipt])).toEqual([]);
      expect(await as(actor(), (tx) => tx.query('SELECT * FROM control_totals'))).toEqual([]);
    });

    it('joins do not leak either: invoice lines and balances of hidden customers stay hidden', async () => {
      const hiddenInvoices = idsOf('invoices', hidden);
      const [{ n }] = (await as(actor(), (tx) =>
        tx.query<{ n: bigint }>(
          `SELECT count(*) AS n FROM invoice_lines l JOIN installments n ON n.invoice_id = l.invoice_id
            WHERE l.invoice_id = ANY($1::uuid[])`,
          [hiddenInvoices],
        ),
      )) as [{ n: bigint }];
      expect(n).toBe(0n);
      expect(
        await as(actor(), (tx) =>
          tx.query('SELECT a.id FROM allocations a JOIN receipts r ON r.id = a.source_receipt_id WHERE r.party_id = ANY($1::uuid[])', [
            idsOf('parties', hidden),
          ]),
        ),
      ).toEqual([]);
    });
  });

  it('unscoped users (admin, finance) see everything, including the receipt of unknown payer', async () => {
    for (const a of [seed.admin, seed.finance]) {
      expect(await count(a, 'parties')).toBe(4);
      expect(await count(a, 'invoices')).toBe(4);
      expect(await count(a, 'installments')).toBe(8);
      expect(await count(a, 'receipts')).toBe(5);
      expect(await count(a, 'allocations')).toBe(4);
      expect(await visibleIds(a, 'receipts', [unknownPayerReceipt])).toEqual([unknownPayerReceipt]);
      expect((await as(a, (tx) => tx.query('SELECT * FROM control_totals'))).length).toBe(1);
    }
  });

  it('an entity-scoped user sees no document of another entity (parties are shared master data)', async () => {
    expect(await count(bj, 'invoices')).toBe(0);
    expect(await count(bj, 'installments')).toBe(0);
    expect(await count(bj, 'receipts')).toBe(0);
    expect(await count(bj, 'allocations')).toBe(0);
    expect(await count(bj, 'parties')).toBe(4);
    expect(await as(bj, (tx) => tx.query('SELECT * FROM control_totals'))).toEqual([]);
  });

  describe('writes outside the scope are refused', () => {
    const invoiceSql = `INSERT INTO invoices (entity_id, side, kind, number, party_id, currency, issue_date, subtotal_minor, tax_minor, total_minor)
                        VALUES ($1, 'AR', 'invoice', $2, $3, 'CNY', '2024-01-10', 100, 0, 100)`;

    it('an INSERT of an invoice for another region’s customer violates row-level security (42501)', async () => {
      const err = await dbRejection(as(east, (tx) => tx.query(invoiceSql, [seed.entityId, 'RLS-1', docs.S1.party])));
      expect(err.code).toBe('42501');
      expect(err.message).toMatch(/row-level security/);
      // in its own region the same statement is accepted
      await as(east, (tx) => tx.query(invoiceSql, [seed.entityId, 'RLS-2', docs.E2.party]));
      // an entity-scoped user cannot post into an entity outside its scope
      const wrongEntity = await dbRejection(as(bj, (tx) => tx.query(invoiceSql, [seed.entityId, 'RLS-3', docs.E2.party])));
      expect(wrongEntity.code).toBe('42501');
    });

    it('through the service, another region’s customer simply does not exist (404)', async () => {
      const err = await rejection(
        as(east, (tx) =>
          createInvoice(tx, east, { partyId: docs.S1.party, currency: 'CNY', issueDate: '2024-01-10', lines: [{ description: '服务费', unitPrice: '1.00' }] }),
        ),
      );
      expect([err.status, err.code]).toEqual([404, 'not_found']);
      const ok = await as(east, (tx) =>
        createInvoice(tx, east, { partyId: docs.E2.party, currency: 'CNY', issueDate: '2024-01-10', lines: [{ description: '服务费', unitPrice: '1.00' }] }),
      );
      expect(ok.id).toBeTruthy();
    });

    it('a customer cannot be created in, or moved to, another region', async () => {
      const insert = await dbRejection(as(east, (tx) => tx.query(`INSERT INTO parties (code, name, region) VALUES ('S9', 'x', '华南')`)));
      expect(insert.code).toBe('42501');
      const move = await dbRejection(as(east, (tx) => tx.query(`UPDATE parties SET region = '华南' WHERE id = $1`, [docs.E2.party])));
      expect(move.code).toBe('42501');
      const steal = await as(east, (tx) => tx.query(`UPDATE parties SET name = 'hijacked' WHERE id = $1 RETURNING id`, [docs.S1.party]));
      expect(steal).toEqual([]); // invisible rows are not updated
      const [{ name }] = (await db.query<{ name: string }>('SELECT name FROM parties WHERE id = $1', [docs.S1.party])) as [{ name: string }];
      expect(name).not.toBe('hijacked');
    });

    it('allocating to another region’s invoice: the installment is not found (404)', async () => {
      const err = await rejection(
        seed.as(east).allocate({ receiptId: docs.E1.receipt, lines: [{ installmentId: docs.S1.installments[1]!, amount: '1.00' }] }),
      );
      expect([err.status, err.code]).toEqual([404, 'installment_not_found']);
      const receiptHidden = await rejection(
        seed.as(east).allocate({ receiptId: docs.S1.receipt, lines: [{ installmentId: docs.E1.installments[1]!, amount: '1.00' }] }),
      );
      expect([receiptHidden.status, receiptHidden.code]).toEqual([404, 'not_found']);
    });

    it('an allocation INSERT targeting another region’s installment violates row-level security', async () => {
      const err = await dbRejection(
        as(east, (tx) =>
          tx.query(
            `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor, source_amount_minor, effective_date)
             VALUES ($1, 'AR', $2, 'receipt', $3, 100, 100, '2024-03-01')`,
            [seed.entityId, docs.S1.installments[1], docs.E1.receipt],
          ),
        ),
      );
      expect(err.code).toBe('42501');
    });

    // The policy itself, not only the service, requires both ends of an allocation to be visible:
    // otherwise the SECURITY DEFINER trigger would update a receipt the user cannot see.
    it('an allocation INSERT using another region’s receipt as source violates row-level security', async () => {
      const attempt = as(east, (tx) =>
        tx.query(
          `INSERT INTO allocations (entity_id, side, target_installment_id, source_kind, source_receipt_id, amount_minor, source_amount_minor, effective_date)
           VALUES ($1, 'AR', $2, 'receipt', $3, 100, 100, '2024-03-01')`,
          [seed.entityId, docs.E2.installments[1], docs.S1.receipt],
        ),
      );
      const err = await dbRejection(attempt);
      expect(err.code).toBe('42501');
    });

    it('the ledger stays consistent after all of the above', async () => {
      expect(await ledgerViolations(db)).toEqual([]);
    });
  });
});
