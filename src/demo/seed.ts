/**
 * Seeds the demo company (two entities of one group, users, customers, suppliers, contracts,
 * two years of invoices, receipts, payments and allocations) into an empty, migrated database.
 *
 * The data comes from generate.ts (pure and deterministic); this module only writes it, in
 * multi-row INSERT … SELECT FROM jsonb_to_recordset($1) statements of a few hundred rows each, so
 * that the default size loads in seconds on embedded PGlite. The ledger triggers stay active: every
 * allocation passes the same invariant checks as one made through the API, and the control totals
 * are maintained by the database itself.
 *
 * Master data and documents are written in one transaction, installments and allocations in one
 * transaction per batch (see below), disputes and the closing audit row in a last one. A failure
 * part-way (which the tests make unlikely: the data are checked against the same invariants) leaves
 * a partly seeded database; start again from an empty one.
 */
import type { Database, Queryable } from '../db/database';
import { hashPassword } from '../services/auth/password';
import { localToday } from './calendar';
import { type DemoData, generateDemo } from './generate';

export interface SeedDemoOptions {
  customers?: number;
  invoices?: number;
  suppliers?: number;
  seed?: number;
  /** YYYY-MM-DD; the demo's "today" (nothing is dated after it). Default: the local current date. */
  today?: string;
  /** Password of the user "admin". Default 'shoufu-admin'. */
  adminPassword?: string;
  /** Password of every other demo user. Default 'shoufu-demo'. */
  demoPassword?: string;
  /** Rows per INSERT statement. Default 1000. */
  batchSize?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
}

export interface DemoSummary {
  entities: number;
  users: number;
  customers: number;
  suppliers: number;
  contracts: number;
  /** AR invoices (kind 'invoice'). */
  invoices: number;
  /** AR credit notes. */
  creditNotes: number;
  /** AP invoices (bills). */
  bills: number;
  /** AR receipts, including unidentified ones. */
  receipts: number;
  /** AP payments. */
  payments: number;
  /** All allocations: from receipts, payments, credit notes and adjustments. */
  allocations: number;
  disputes: number;
  seed: number;
  today: string;
  adminPassword: string;
}

export const DEMO_DEFAULTS = {
  customers: 240,
  suppliers: 36,
  invoices: 20000,
  seed: 20250101,
  adminPassword: 'shoufu-admin',
  demoPassword: 'shoufu-demo',
} as const;

interface Column {
  name: string;
  type: string;
  /** A timestamp that must not lie in the future when the demo's today is the real today. */
  notAfterNow?: boolean;
}

const cols = (spec: string): Column[] =>
  spec
    .trim()
    .split(/\s*,\s*/)
    .map((c) => {
      const [name, ...type] = c.split(/\s+/);
      const t = type.join(' ');
      return { name: name!, type: t, ...(name === 'created_at' || name === 'updated_at' ? { notAfterNow: true } : {}) };
    });

const TABLES = {
  entities: cols('id uuid, code text, name text, base_currency char(3), created_at timestamptz'),
  users: cols(
    'id uuid, username text, display_name text, password_hash text, role text, scope_regions text[], scope_own_customers boolean',
  ),
  fx_rates: cols('base_currency char(3), quote_currency char(3), rate_date date, rate numeric'),
  parties: cols(
    'id uuid, code text, name text, name_en text, short_name text, is_customer boolean, is_supplier boolean, uscc text, region text, province text, industry text, owner_user_id uuid, payment_terms_days integer, credit_limit_minor bigint, credit_currency char(3), parent_id uuid, external_ids jsonb, contact_email text, created_at timestamptz, updated_at timestamptz',
  ),
  party_bank_accounts: cols('id uuid, party_id uuid, bank_name text, account_no text, account_name text, created_at timestamptz'),
  contracts: cols(
    'id uuid, entity_id uuid, side char(2), number text, party_id uuid, title text, currency char(3), current_version integer, signed_on date, created_at timestamptz',
  ),
  contract_versions: cols(
    'id uuid, contract_id uuid, version integer, total_minor bigint, schedule jsonb, valid_from date, note text, created_at timestamptz',
  ),
  invoices: cols(
    'id uuid, entity_id uuid, side char(2), kind text, number text, party_id uuid, contract_version_id uuid, order_ref text, einvoice_number text, original_invoice_id uuid, currency char(3), issue_date date, subtotal_minor bigint, tax_minor bigint, total_minor bigint, description text, created_by uuid, created_at timestamptz',
  ),
  invoice_lines: cols(
    'id uuid, invoice_id uuid, line_no integer, description text, quantity numeric, unit_price_minor bigint, tax_rate numeric, amount_minor bigint, tax_minor bigint',
  ),
  installments: cols('id uuid, invoice_id uuid, seq integer, due_date date, amount_minor bigint, milestone text'),
  receipts: cols(
    'id uuid, entity_id uuid, side char(2), number text, party_id uuid, receipt_date date, currency char(3), amount_minor bigint, method text, bank_account text, counterparty_name text, counterparty_account text, remittance text, bank_reference text, created_by uuid, created_at timestamptz',
  ),
  allocations: cols(
    'id uuid, entity_id uuid, side char(2), target_installment_id uuid, source_kind text, source_receipt_id uuid, source_installment_id uuid, adjustment_kind text, amount_minor bigint, source_amount_minor bigint, effective_date date, method text, reason text, created_by uuid, created_at timestamptz',
  ),
  invoice_disputes: cols('id uuid, invoice_id uuid, opened_on date, resolved_on date, reason text, created_by uuid, created_at timestamptz'),
} as const satisfies Record<string, Column[]>;

type Table = keyof typeof TABLES;

function insertSql(table: Table): string {
  const columns = TABLES[table];
  const names = columns.map((c) => c.name).join(', ');
  const exprs = columns.map((c) => (c.notAfterNow ? `least(x.${c.name}, now())` : `x.${c.name}`)).join(', ');
  const defs = columns.map((c) => `${c.name} ${c.type}`).join(', ');
  return `INSERT INTO ${table} (${names}) SELECT ${exprs} FROM jsonb_to_recordset($1::jsonb) AS x(${defs})`;
}

/** JSON with bigints as decimal strings (jsonb_to_recordset reads them back exactly). */
function toJson(rows: readonly object[]): string {
  return JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? value.toString() : value));
}

function checkedInt(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`seedDemo: ${name} must be an integer ≥ ${min}`);
  return value;
}

function summarize(data: DemoData, seed: number, today: string, adminPassword: string): DemoSummary {
  const count = <T>(rows: readonly T[], f: (r: T) => boolean) => rows.reduce((n, r) => (f(r) ? n + 1 : n), 0);
  return {
    entities: data.entities.length,
    users: data.users.length,
    customers: count(data.parties, (p) => p.is_customer),
    suppliers: count(data.parties, (p) => p.is_supplier),
    contracts: data.contracts.length,
    invoices: count(data.invoices, (i) => i.side === 'AR' && i.kind === 'invoice'),
    creditNotes: count(data.invoices, (i) => i.side === 'AR' && i.kind === 'credit_note'),
    bills: count(data.invoices, (i) => i.side === 'AP' && i.kind === 'invoice'),
    receipts: count(data.receipts, (r) => r.side === 'AR'),
    payments: count(data.receipts, (r) => r.side === 'AP'),
    allocations: data.allocations.length,
    disputes: data.disputes.length,
    seed,
    today,
    adminPassword,
  };
}

export async function seedDemo(db: Database, opts: SeedDemoOptions = {}): Promise<DemoSummary> {
  const customers = checkedInt('customers', opts.customers ?? DEMO_DEFAULTS.customers, 1);
  const suppliers = checkedInt('suppliers', opts.suppliers ?? DEMO_DEFAULTS.suppliers, 0);
  const invoices = checkedInt('invoices', opts.invoices ?? DEMO_DEFAULTS.invoices, 0);
  const seed = checkedInt('seed', opts.seed ?? DEMO_DEFAULTS.seed, Number.MIN_SAFE_INTEGER);
  const batchSize = checkedInt('batchSize', opts.batchSize ?? 1000, 1);
  const today = opts.today ?? localToday();
  const adminPassword = opts.adminPassword ?? DEMO_DEFAULTS.adminPassword;
  const demoPassword = opts.demoPassword ?? DEMO_DEFAULTS.demoPassword;

  const [state] = await db.query<{ n: bigint }>(
    `SELECT (SELECT count(*) FROM entities) + (SELECT count(*) FROM users) + (SELECT count(*) FROM parties)
          + (SELECT count(*) FROM invoices) + (SELECT count(*) FROM receipts) AS n`,
  );
  if (state && state.n > 0n) throw new Error('seedDemo needs an empty database (entities, users, parties, invoices and receipts must be empty)');

  // Hashing is slow on purpose: two distinct passwords, hashed once each, in parallel with generation.
  const hashes = Promise.all([hashPassword(adminPassword), hashPassword(demoPassword)]);
  const data = generateDemo({ customers, suppliers, invoices, seed, today });
  const [adminHash, demoHash] = await hashes;

  const plan: [Table, readonly object[]][] = [
    ['entities', data.entities],
    [
      'users',
      data.users.map((u) => ({ ...u, password_hash: u.password === 'admin' ? adminHash : demoHash, password: undefined })),
    ],
    ['fx_rates', data.fxRates],
    ['parties', data.parties.map((p) => ({ ...p, updated_at: p.created_at }))],
    ['party_bank_accounts', data.bankAccounts],
    ['contracts', data.contracts],
    ['contract_versions', data.contractVersions],
    ['invoices', data.invoices],
    ['invoice_lines', data.lines],
    ['installments', data.installments],
    ['receipts', data.receipts],
    ['allocations', data.allocations],
    ['invoice_disputes', data.disputes],
  ];
  const total = plan.reduce((n, [, rows]) => n + rows.length, 0) + data.users.length + 1;
  let done = 0;
  const progress = (phase: string) => opts.onProgress?.(done, total, phase);

  const write = async (tx: Queryable, table: Table, rows: readonly object[]) => {
    const sql = insertSql(table);
    for (let i = 0; i < rows.length; i += batchSize) {
      const chunk = rows.slice(i, i + batchSize);
      await tx.query(sql, [toJson(chunk)]);
      done += chunk.length;
      progress(table);
    }
  };

  progress('start');
  // Master data and documents in one transaction. Installments and allocations go in batches of
  // their own: their triggers update the same few control_totals rows for every row inserted, and a
  // row updated tens of thousands of times inside one transaction grows a chain of row versions
  // that every further update walks (measured: quadratic, 32 s instead of 4 s for 60,000 invoices).
  const batched = new Set<Table>(['installments', 'allocations', 'invoice_disputes']);
  await db.transaction(async (tx) => {
    for (const [table, rows] of plan) {
      if (batched.has(table)) continue;
      await write(tx, table, rows);
      if (table !== 'users') continue;
      // One audit row per user, as createUser would write it.
      for (const u of data.users) {
        await tx.query(`SELECT audit_append(NULL, 'system', 'user.create', 'user', $1, NULL, $2::jsonb)`, [
          u.id,
          JSON.stringify({
            id: u.id,
            username: u.username,
            displayName: u.display_name,
            role: u.role,
            locale: 'zh-CN',
            entities: null,
            regions: u.scope_regions,
            ownCustomersOnly: u.scope_own_customers,
            source: 'demo',
          }),
        ]);
        done++;
      }
      progress('audit');
    }
  });
  for (const table of ['installments', 'allocations'] as const) {
    const rows = table === 'installments' ? data.installments : data.allocations;
    for (let i = 0; i < rows.length; i += batchSize) {
      const chunk = rows.slice(i, i + batchSize);
      await db.transaction((tx) => write(tx, table, chunk));
    }
  }
  const summary = summarize(data, seed, today, adminPassword);
  await db.transaction(async (tx) => {
    await write(tx, 'invoice_disputes', data.disputes);
    const { adminPassword: _secret, ...counts } = summary;
    await tx.query(`SELECT audit_append(NULL, 'system', 'demo.seed', 'demo', NULL, NULL, $1::jsonb)`, [
      JSON.stringify(counts),
    ]);
    done++;
  });
  // Fresh statistics so that the first queries after a bulk load get sensible plans.
  await db.exec('ANALYZE');
  progress('done');
  return summary;
}
