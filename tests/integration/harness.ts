/**
 * Integration-test harness: isolated, freshly migrated databases on PGlite (always) and on a real
 * PostgreSQL server (when one answers at TEST_DATABASE_URL; required when CI=true), plus a small
 * seed and helpers that go through the real services under withActor.
 *
 *   SHOUFU_TEST_PG=0          skip PostgreSQL even if a server is running (not allowed to be
 *                             missing in CI unless this is set)
 *   TEST_DATABASE_URL         default postgres://postgres@127.0.0.1:5432/test; the harness creates
 *                             and drops databases shoufu_t_* on the same server (needs CREATEDB)
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type Database, openPGlite, openPostgres, type Queryable } from '../../src/db/database';
import { migrate } from '../../src/db/migrate';
import { type Actor, withActor } from '../../src/services/actor';
import { createUser, actorForUsername } from '../../src/services/auth/users';
import { AppError, fromDatabaseError } from '../../src/services/errors';
import { toJson } from '../../src/services/json';
import {
  type AdjustmentInput,
  type AllocateInput,
  addAdjustment,
  allocateReceipt,
  reverseAllocation,
} from '../../src/services/ledger/allocations';
import { type CreditNoteInput, createCreditNote, createInvoice } from '../../src/services/ledger/invoices';
import { createParty, type PartyInput } from '../../src/services/ledger/parties';
import { createReceipt } from '../../src/services/ledger/receipts';

export type DatabaseName = 'pglite' | 'postgres';

export interface OpenOptions {
  /** PostgreSQL only: connections in the pool (default 10). */
  poolSize?: number;
}

export interface TestDatabase {
  name: DatabaseName;
  /** A new, isolated, freshly migrated database. close() releases it (and drops it on PostgreSQL). */
  open(options?: OpenOptions): Promise<Database>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const PG_DISABLED = process.env.SHOUFU_TEST_PG === '0';

// ---------------------------------------------------------------------------------------------
// PGlite: migrate once per worker into a template, then clone it from its dumped data directory.
// ---------------------------------------------------------------------------------------------

/** A minimal Database over a raw PGlite, used only to migrate the template. */
function rawPGliteDatabase(p: PGlite): Database {
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<T>(sql: string, params: unknown[] = []) {
      return (await q.query<T>(sql, params)).rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...wrap(p),
    transaction: (fn) => p.transaction((t) => fn(wrap(t))),
    close: () => p.close(),
  };
}

let pgliteTemplate: Promise<Blob> | undefined;

function pgliteTemplateBlob(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const p = await PGlite.create();
    try {
      await migrate(rawPGliteDatabase(p));
      return await p.dumpDataDir('none');
    } finally {
      await p.close();
    }
  })();
  return pgliteTemplate;
}

async function openPGliteClone(): Promise<Database> {
  return openPGlite(undefined, await pgliteTemplateBlob());
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: one database per open() on the test server, dropped again by close().
// ---------------------------------------------------------------------------------------------

function urlForDatabase(name: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const adminQuery = (sql: string) => withClient(urlForDatabase('postgres'), (c) => c.query(sql));

async function probePostgres(): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    await withClient(TEST_DATABASE_URL, (c) => c.query('SELECT 1'));
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Test databases older than this are leftovers of a crashed run and are dropped. */
const STALE_AFTER_MS = 6 * 3_600_000;

async function dropStaleDatabases(): Promise<void> {
  const { rows } = await adminQuery("SELECT datname FROM pg_database WHERE datname LIKE 'shoufu\\_t\\_%'");
  for (const { datname } of rows as { datname: string }[]) {
    const created = Number.parseInt(datname.split('_')[2] ?? '', 36);
    if (Number.isFinite(created) && Date.now() - created > STALE_AFTER_MS) {
      await adminQuery(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
    }
  }
}

class DisposablePostgres implements Database {
  readonly kind = 'postgres' as const;
  constructor(
    private readonly inner: Database,
    readonly databaseName: string,
  ) {}
  query<T>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.inner.query<T>(sql, params);
  }
  exec(sql: string): Promise<void> {
    return this.inner.exec(sql);
  }
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.inner.transaction(fn);
  }
  async close(): Promise<void> {
    await this.inner.close().catch(() => undefined);
    await adminQuery(`DROP DATABASE IF EXISTS "${this.databaseName}" WITH (FORCE)`);
  }
}

async function openPostgresClone(options: OpenOptions = {}): Promise<Database> {
  const name = `shoufu_t_${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  let db: Database | undefined;
  try {
    db = await openPostgres(urlForDatabase(name), options.poolSize ?? 10);
    await migrate(db);
    return new DisposablePostgres(db, name);
  } catch (err) {
    await db?.close().catch(() => undefined);
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    throw err;
  }
}

async function discoverPostgres(): Promise<boolean> {
  if (PG_DISABLED) return false;
  const probe = await probePostgres();
  if (!probe.ok) {
    if (IN_CI) {
      throw new Error(
        `CI=true but no PostgreSQL answers at ${TEST_DATABASE_URL} (set SHOUFU_TEST_PG=0 to run without it): ${String(probe.error)}`,
      );
    }
    return false;
  }
  await dropStaleDatabases().catch(() => undefined);
  return true;
}

/** True when the PostgreSQL half of the suite runs. */
export const postgresAvailable: boolean = await discoverPostgres();

export const databases: TestDatabase[] = [
  { name: 'pglite', open: () => openPGliteClone() },
  ...(postgresAvailable ? [{ name: 'postgres' as const, open: (o?: OpenOptions) => openPostgresClone(o) }] : []),
];

export const postgres: TestDatabase | undefined = databases.find((d) => d.name === 'postgres');

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** The AppError a failure means to a user: thrown as one, or mapped from a database error. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const mapped = fromDatabaseError(err);
  if (mapped) return mapped;
  throw err;
}

/** Awaits p, which must fail; returns the failure as an AppError (unmappable errors are rethrown). */
export async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    return toAppError(err);
  }
  throw new Error('expected the operation to be rejected, but it succeeded');
}

/** Awaits p, which must fail with a raw database error; returns it (SQLSTATE in .code). */
export async function dbRejection(
  p: Promise<unknown>,
): Promise<Error & { code?: string; constraint?: string; hint?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string; constraint?: string; hint?: string };
  }
  throw new Error('expected the database to reject the statement, but it succeeded');
}

// ---------------------------------------------------------------------------------------------
// Ledger checks
// ---------------------------------------------------------------------------------------------

const VIOLATIONS_SQL = `
WITH inst AS (
  SELECT n.id, n.amount_minor, n.allocated_minor,
         coalesce((SELECT sum(a.amount_minor) FROM allocations a WHERE a.target_installment_id = n.id), 0)
       + coalesce((SELECT sum(a.source_amount_minor) FROM allocations a WHERE a.source_installment_id = n.id), 0) AS derived
    FROM installments n
), rcpt AS (
  SELECT r.id, r.amount_minor, r.allocated_minor,
         coalesce((SELECT sum(a.source_amount_minor) FROM allocations a WHERE a.source_receipt_id = r.id), 0) AS derived
    FROM receipts r
), subledger AS (
  SELECT i.entity_id, i.side, i.currency, sum(n.amount_minor - n.allocated_minor) AS open_minor
    FROM installments n JOIN invoices i ON i.id = n.invoice_id
   WHERE i.kind = 'invoice' GROUP BY 1, 2, 3
)
SELECT 'installment ' || id || ': amount ' || amount_minor || ', allocated ' || allocated_minor || ', from allocations ' || derived AS v
  FROM inst WHERE allocated_minor < 0 OR allocated_minor > amount_minor OR allocated_minor <> derived
UNION ALL
SELECT 'receipt ' || id || ': amount ' || amount_minor || ', allocated ' || allocated_minor || ', from allocations ' || derived
  FROM rcpt WHERE allocated_minor < 0 OR allocated_minor > amount_minor OR allocated_minor <> derived
UNION ALL
SELECT 'control total ' || side || '/' || currency || ': ' || coalesce(c.open_minor, 0) || ' vs subledger ' || coalesce(s.open_minor, 0)
  FROM control_totals c FULL JOIN subledger s USING (entity_id, side, currency)
 WHERE coalesce(c.open_minor, 0) <> coalesce(s.open_minor, 0)`;

/**
 * The ledger invariants as one query; returns a description of every violation (none = sound):
 * installment and receipt caches within bounds and equal to their allocations, and the control
 * totals equal to the open invoice installments per entity/side/currency.
 */
export async function ledgerViolations(db: Queryable): Promise<string[]> {
  return (await db.query<{ v: string }>(VIOLATIONS_SQL)).map((r) => r.v);
}

/** Counts and sums that any accepted write changes and a rejected one must not. */
export async function ledgerSnapshot(db: Queryable): Promise<string> {
  const [row] = await db.query(`SELECT
      (SELECT count(*) FROM invoices) AS invoices, (SELECT count(*) FROM installments) AS installments,
      (SELECT count(*) FROM receipts) AS receipts, (SELECT count(*) FROM allocations) AS allocations,
      (SELECT count(*) FROM audit_log) AS audit_rows,
      (SELECT coalesce(sum(allocated_minor), 0) FROM installments) AS installments_allocated,
      (SELECT coalesce(sum(allocated_minor), 0) FROM receipts) AS receipts_allocated,
      (SELECT coalesce(sum(amount_minor), 0) FROM allocations) AS allocations_sum,
      (SELECT coalesce(sum(open_minor), 0) FROM control_totals) AS control_open`);
  return toJson(row);
}

// ---------------------------------------------------------------------------------------------
// Seed and service helpers
// ---------------------------------------------------------------------------------------------

export const ENTITY_CODE = 'SH01';
export const TEST_PASSWORD = 'correct-horse-9';

export interface InvoiceSpec {
  partyId: string;
  /** Total as a decimal string in the currency, e.g. "500.00". */
  amount: string;
  currency?: string;
  issueDate?: string;
  number?: string;
  /** Explicit schedule; must add up to amount. Default: the party's payment terms. */
  installments?: { dueDate: string; amount: string }[];
}

export interface ReceiptSpec {
  partyId?: string | null;
  amount: string;
  currency?: string;
  receiptDate?: string;
  number?: string;
}

/** The ledger use cases as one actor, each in its own withActor transaction. */
export function ledgerAs(db: Database, actor: Actor) {
  const run = <T>(fn: (tx: Queryable) => Promise<T>) => withActor(db, actor, fn);
  return {
    actor,
    run,
    customer: (code: string, extra: Partial<PartyInput> = {}) =>
      run((tx) => createParty(tx, actor, { code, name: `客户 ${code}`, ...extra })),
    invoice: (s: InvoiceSpec) =>
      run((tx) =>
        createInvoice(tx, actor, {
          partyId: s.partyId,
          currency: s.currency ?? 'CNY',
          issueDate: s.issueDate ?? '2024-01-10',
          ...(s.number ? { number: s.number } : {}),
          lines: [{ description: '技术服务费', unitPrice: s.amount }],
          ...(s.installments ? { installments: s.installments } : {}),
        }),
      ),
    /** Installment ids of an invoice, by seq. */
    installments: (invoiceId: string) =>
      run(async (tx) =>
        (await tx.query<{ id: string }>('SELECT id FROM installments WHERE invoice_id = $1 ORDER BY seq', [invoiceId])).map(
          (r) => r.id,
        ),
      ),
    receipt: (s: ReceiptSpec) =>
      run((tx) =>
        createReceipt(tx, actor, {
          ...(s.partyId ? { partyId: s.partyId } : {}),
          amount: s.amount,
          currency: s.currency ?? 'CNY',
          receiptDate: s.receiptDate ?? '2024-02-01',
          ...(s.number ? { number: s.number } : {}),
        }),
      ),
    allocate: (input: AllocateInput) => run((tx) => allocateReceipt(tx, actor, input)),
    reverse: (allocationId: string, input: { effectiveDate?: string; reason?: string | null } = {}) =>
      run((tx) => reverseAllocation(tx, actor, allocationId, input)),
    adjust: (input: AdjustmentInput) => run((tx) => addAdjustment(tx, actor, input)),
    creditNote: (originalInvoiceId: string, amount: string, issueDate = '2024-01-20') =>
      run((tx) =>
        createCreditNote(tx, actor, {
          originalInvoiceId,
          issueDate,
          lines: [{ description: '销售折让', unitPrice: amount }],
        } satisfies CreditNoteInput),
      ),
  };
}

export type Ledger = ReturnType<typeof ledgerAs>;

export interface Seed {
  entityId: string;
  admin: Actor;
  finance: Actor;
  /** Ledger helpers acting as the given actor (default finance). */
  as(actor?: Actor): Ledger;
}

/** One entity SH01 (CNY) inserted as the owner, users admin and finance, and their actors. */
export async function seedBasics(db: Database): Promise<Seed> {
  const [entity] = await db.query<{ id: string }>(
    `INSERT INTO entities (code, name, base_currency) VALUES ($1, '上海收付测试有限公司', 'CNY') RETURNING id`,
    [ENTITY_CODE],
  );
  await createUser(db, { username: 'admin', displayName: '管理员', password: TEST_PASSWORD, role: 'admin' });
  await createUser(db, { username: 'finance', displayName: '财务', password: TEST_PASSWORD, role: 'finance' });
  const admin = await actorForUsername(db, 'admin');
  const finance = await actorForUsername(db, 'finance');
  if (!entity || !admin || !finance) throw new Error('seed failed');
  return { entityId: entity.id, admin, finance, as: (actor = finance) => ledgerAs(db, actor) };
}

/** A user created through createUser, returned as an Actor. */
export async function createActor(
  db: Database,
  username: string,
  role: Actor['role'],
  scope: { regions?: string[] | null; entities?: string[] | null; ownCustomersOnly?: boolean } = {},
): Promise<Actor> {
  await createUser(db, { username, password: TEST_PASSWORD, role, ...scope });
  const actor = await actorForUsername(db, username);
  if (!actor) throw new Error(`user ${username} not found after creation`);
  return actor;
}
