/**
 * Read use cases behind the API lists and detail pages. They run under the caller's role, so
 * row-level security decides which rows exist; no WHERE clause here is a security boundary.
 */
import type { Queryable } from '../../db/database';
import { CHINESE_BUCKETS } from '../../domain/aging';
import { formatAmount } from '../../domain/money';
import { notFound } from '../errors';
import { installmentBalancesCte, invoiceBalancesCte, receiptBalancesCte } from './balances';
import { getParty } from './parties';

export interface Page {
  page: number;
  pageSize: number;
  sort?: string | undefined;
  order?: 'asc' | 'desc' | undefined;
}

function orderBy(page: Page, allowed: Record<string, string>, fallback: string): string {
  const col = page.sort ? allowed[page.sort] : undefined;
  if (!col) return fallback;
  return `${col} ${page.order === 'desc' ? 'DESC' : 'ASC'} NULLS LAST, ${fallback}`;
}

function limits(page: Page): [number, number] {
  const size = Math.min(Math.max(page.pageSize, 1), 500);
  return [size, (Math.max(page.page, 1) - 1) * size];
}

const fmt = (minor: bigint | null | undefined, currency: string) => formatAmount(minor ?? 0n, currency);

// ---------------------------------------------------------------------------------------------
// Parties
// ---------------------------------------------------------------------------------------------

export interface PartyFilter {
  side: 'AR' | 'AP';
  asOf: string;
  q?: string | undefined;
  region?: string | undefined;
}

export async function listParties(tx: Queryable, f: PartyFilter, page: Page) {
  const params: unknown[] = [f.asOf, f.side];
  const where: string[] = [f.side === 'AR' ? 'p.is_customer' : 'p.is_supplier'];
  if (f.q) {
    params.push(`%${f.q}%`);
    where.push(`(p.code ILIKE $${params.length} OR p.name ILIKE $${params.length} OR p.short_name ILIKE $${params.length})`);
  }
  if (f.region) {
    params.push(f.region);
    where.push(`p.region = $${params.length}`);
  }
  const [size, offset] = limits(page);
  const sort = orderBy(
    page,
    { code: 'p.code', name: 'p.name', region: 'p.region', open: 'open_minor', overdue: 'overdue_minor', industry: 'p.industry' },
    'p.code',
  );
  const rows = await tx.query<{
    id: string;
    code: string;
    name: string;
    region: string;
    province: string | null;
    industry: string | null;
    owner_name: string | null;
    payment_terms_days: number;
    credit_limit_minor: bigint | null;
    credit_currency: string;
    open_minor: bigint;
    overdue_minor: bigint;
    total: bigint;
  }>(
    `WITH ${invoiceBalancesCte('$1')},
     agg AS (
       SELECT party_id,
              sum(CASE WHEN kind = 'invoice' THEN open_minor ELSE 0 END)::bigint AS open_minor,
              sum(overdue_minor)::bigint AS overdue_minor
         FROM inv_bal WHERE side = $2 AND currency = 'CNY' GROUP BY party_id
     )
     SELECT p.id, p.code, p.name, p.region, p.province, p.industry, u.display_name AS owner_name, p.payment_terms_days,
            p.credit_limit_minor, p.credit_currency, coalesce(agg.open_minor, 0)::bigint AS open_minor,
            coalesce(agg.overdue_minor, 0)::bigint AS overdue_minor, count(*) OVER () AS total
       FROM parties p LEFT JOIN agg ON agg.party_id = p.id LEFT JOIN users u ON u.id = p.owner_user_id
      WHERE ${where.join(' AND ')}
      ORDER BY ${sort} LIMIT ${size} OFFSET ${offset}`,
    params,
  );
  return {
    items: rows.map((r) => ({
      id: r.id,
      code: r.code,
      name: r.name,
      region: r.region,
      province: r.province,
      industry: r.industry,
      ownerName: r.owner_name,
      paymentTermsDays: r.payment_terms_days,
      creditLimit: r.credit_limit_minor === null ? null : fmt(r.credit_limit_minor, r.credit_currency),
      currency: 'CNY',
      open: fmt(r.open_minor, 'CNY'),
      overdue: fmt(r.overdue_minor, 'CNY'),
    })),
    total: Number(rows[0]?.total ?? 0n),
    page: page.page,
    pageSize: size,
  };
}

/** A party with its balances as of a date, per currency (the first entry is CNY when present). */
export async function partyDetail(tx: Queryable, id: string, side: 'AR' | 'AP', asOf: string) {
  const party = await getParty(tx, id);
  const balances = await tx.query<{ currency: string; open_minor: bigint; overdue_minor: bigint }>(
    `WITH ${invoiceBalancesCte('$1')}
     SELECT currency, sum(open_minor)::bigint AS open_minor, sum(overdue_minor)::bigint AS overdue_minor
       FROM inv_bal WHERE party_id = $2 AND side = $3 AND kind = 'invoice' GROUP BY currency ORDER BY currency <> 'CNY', currency`,
    [asOf, id, side],
  );
  const unapplied = await tx.query<{ currency: string; unapplied_minor: bigint }>(
    `WITH ${receiptBalancesCte('$1')}
     SELECT currency, sum(unapplied_minor)::bigint AS unapplied_minor FROM rcpt_bal
      WHERE party_id = $2 AND side = $3 GROUP BY currency ORDER BY currency <> 'CNY', currency`,
    [asOf, id, side],
  );
  const first = balances[0];
  const cur = first?.currency ?? 'CNY';
  const unappliedCur = unapplied.find((u) => u.currency === cur);
  return {
    ...party,
    asOf,
    currency: cur,
    open: fmt(first?.open_minor, cur),
    overdue: fmt(first?.overdue_minor, cur),
    unapplied: fmt(unappliedCur?.unapplied_minor, cur),
    balances: balances.map((b) => ({
      currency: b.currency,
      open: fmt(b.open_minor, b.currency),
      overdue: fmt(b.overdue_minor, b.currency),
      unapplied: fmt(unapplied.find((u) => u.currency === b.currency)?.unapplied_minor, b.currency),
    })),
  };
}

/**
 * The party's account history (往来明细) in date order with a running balance per currency:
 * invoices are debits; credit notes, receipts and adjustments are credits. Receipts count in full
 * on their date (unapplied money is still the customer's credit).
 */
export async function partyLedger(tx: Queryable, id: string, side: 'AR' | 'AP', asOf: string) {
  const rows = await tx.query<{ date: string; type: string; number: string; id: string; currency: string; debit: bigint; credit: bigint }>(
    `SELECT issue_date AS date, kind AS type, number, id, currency,
            CASE WHEN kind = 'invoice' THEN total_minor ELSE 0 END::bigint AS debit,
            CASE WHEN kind = 'credit_note' THEN total_minor ELSE 0 END::bigint AS credit
       FROM invoices WHERE party_id = $1 AND side = $2 AND issue_date <= $3::date
     UNION ALL
     SELECT receipt_date, 'receipt', number, id, currency, 0::bigint, amount_minor FROM receipts
      WHERE party_id = $1 AND side = $2 AND receipt_date <= $3::date
     UNION ALL
     SELECT a.effective_date, 'adjustment', i.number, a.id, i.currency, 0::bigint, a.amount_minor
       FROM allocations a JOIN installments n ON n.id = a.target_installment_id JOIN invoices i ON i.id = n.invoice_id
      WHERE a.source_kind = 'adjustment' AND i.party_id = $1 AND i.side = $2 AND a.effective_date <= $3::date
     ORDER BY 1, 2 DESC, 3`,
    [id, side, asOf],
  );
  const running = new Map<string, bigint>();
  return {
    asOf,
    items: rows.map((r) => {
      const bal = (running.get(r.currency) ?? 0n) + r.debit - r.credit;
      running.set(r.currency, bal);
      return {
        date: r.date,
        type: r.type,
        number: r.number,
        id: r.id,
        currency: r.currency,
        debit: fmt(r.debit, r.currency),
        credit: fmt(r.credit, r.currency),
        balance: fmt(bal, r.currency),
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Invoices
// ---------------------------------------------------------------------------------------------

export interface InvoiceFilter {
  side: 'AR' | 'AP';
  asOf: string;
  partyId?: string | undefined;
  status?: string | undefined;
  kind?: 'invoice' | 'credit_note' | undefined;
  q?: string | undefined;
  openOnly?: boolean | undefined;
}

export async function listInvoices(tx: Queryable, f: InvoiceFilter, page: Page) {
  const params: unknown[] = [f.asOf, f.side];
  const where = ['b.side = $2'];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.partyId) add('b.party_id = ?', f.partyId);
  if (f.status) add('b.status = ?', f.status);
  if (f.kind) add('b.kind = ?', f.kind);
  if (f.openOnly) where.push('b.open_minor <> 0');
  if (f.q) add('(b.number ILIKE ? OR p.name ILIKE $X OR p.code ILIKE $X)'.replaceAll('$X', `$${params.length + 1}`), `%${f.q}%`);
  const [size, offset] = limits(page);
  const sort = orderBy(
    page,
    {
      number: 'b.number',
      issueDate: 'b.issue_date',
      dueDate: 'b.due_date',
      total: 'b.total_minor',
      open: 'b.open_minor',
      daysOverdue: 'b.days_overdue',
      partyName: 'p.name',
      status: 'b.status',
    },
    'b.issue_date DESC, b.number DESC',
  );
  const rows = await tx.query<InvoiceListRow & { total: bigint }>(
    `WITH ${invoiceBalancesCte('$1')}
     SELECT b.*, p.code AS party_code, p.name AS party_name, e.code AS entity_code, count(*) OVER () AS total
       FROM inv_bal b JOIN parties p ON p.id = b.party_id JOIN entities e ON e.id = b.entity_id
      WHERE ${where.join(' AND ')}
      ORDER BY ${sort} LIMIT ${size} OFFSET ${offset}`,
    params,
  );
  return { items: rows.map(invoiceItem), total: Number(rows[0]?.total ?? 0n), page: page.page, pageSize: size };
}

export interface InvoiceListRow {
  id: string;
  entity_code: string;
  side: string;
  kind: string;
  number: string;
  party_id: string;
  party_code: string;
  party_name: string;
  currency: string;
  issue_date: string;
  due_date: string;
  total_minor: bigint;
  allocated_minor: bigint;
  open_minor: bigint;
  overdue_minor: bigint;
  days_overdue: number;
  status: string;
  einvoice_number: string | null;
  order_ref: string | null;
  original_invoice_id: string | null;
}

export function invoiceItem(r: InvoiceListRow) {
  return {
    id: r.id,
    entity: r.entity_code,
    side: r.side,
    kind: r.kind,
    number: r.number,
    partyId: r.party_id,
    partyCode: r.party_code,
    partyName: r.party_name,
    issueDate: r.issue_date,
    dueDate: r.due_date,
    currency: r.currency,
    total: fmt(r.total_minor, r.currency),
    allocated: fmt(r.allocated_minor, r.currency),
    open: fmt(r.open_minor, r.currency),
    overdue: fmt(r.overdue_minor, r.currency),
    daysOverdue: Number(r.days_overdue),
    status: r.status,
    einvoiceNumber: r.einvoice_number,
    orderRef: r.order_ref,
    originalInvoiceId: r.original_invoice_id,
  };
}

export async function invoiceDetail(tx: Queryable, id: string, asOf: string) {
  const [row] = await tx.query<InvoiceListRow>(
    `WITH ${invoiceBalancesCte('$1')}
     SELECT b.*, p.code AS party_code, p.name AS party_name, e.code AS entity_code
       FROM inv_bal b JOIN parties p ON p.id = b.party_id JOIN entities e ON e.id = b.entity_id WHERE b.id = $2`,
    [asOf, id],
  );
  if (!row) {
    const exists = await tx.query('SELECT 1 FROM invoices WHERE id = $1', [id]);
    if (!exists.length) throw notFound('invoice');
    throw notFound(`invoice as of ${asOf} (issued later)`);
  }
  const c = row.currency;
  const lines = await tx.query<{ line_no: number; description: string; quantity: string; unit_price_minor: bigint; tax_rate: string; amount_minor: bigint; tax_minor: bigint }>(
    'SELECT line_no, description, quantity, unit_price_minor, tax_rate, amount_minor, tax_minor FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_no',
    [id],
  );
  const installments = await tx.query<{ id: string; seq: number; due_date: string; amount_minor: bigint; allocated_minor: bigint; milestone: string | null }>(
    `WITH ${invoiceBalancesCte('$1')} SELECT id, seq, due_date, amount_minor, allocated_minor, milestone FROM inst_bal WHERE invoice_id = $2 ORDER BY seq`,
    [asOf, id],
  );
  const allocations = await tx.query<{
    id: string;
    installment_seq: number;
    source_kind: string;
    source_number: string | null;
    source_id: string | null;
    adjustment_kind: string | null;
    amount_minor: bigint;
    effective_date: string;
    method: string;
    reason: string | null;
    reverses_allocation_id: string | null;
    reversed: boolean;
  }>(
    `SELECT a.id, n.seq AS installment_seq, a.source_kind, coalesce(r.number, ci.number) AS source_number,
            coalesce(r.id, ci.id) AS source_id, a.adjustment_kind, a.amount_minor, a.effective_date, a.method, a.reason,
            a.reverses_allocation_id, EXISTS (SELECT 1 FROM allocations x WHERE x.reverses_allocation_id = a.id) AS reversed
       FROM allocations a JOIN installments n ON n.id = a.target_installment_id
       LEFT JOIN receipts r ON r.id = a.source_receipt_id
       LEFT JOIN installments cn ON cn.id = a.source_installment_id LEFT JOIN invoices ci ON ci.id = cn.invoice_id
      WHERE n.invoice_id = $1 ORDER BY a.seq`,
    [id],
  );
  const creditNotes = await tx.query<{ id: string; number: string; total_minor: bigint; issue_date: string }>(
    'SELECT id, number, total_minor, issue_date FROM invoices WHERE original_invoice_id = $1 ORDER BY issue_date, number',
    [id],
  );
  return {
    ...invoiceItem(row),
    asOf,
    lines: lines.map((l) => ({
      lineNo: l.line_no,
      description: l.description,
      quantity: l.quantity,
      unitPrice: fmt(l.unit_price_minor, c),
      taxRate: l.tax_rate,
      amount: fmt(l.amount_minor, c),
      tax: fmt(l.tax_minor, c),
    })),
    installments: installments.map((n) => ({
      id: n.id,
      seq: n.seq,
      dueDate: n.due_date,
      milestone: n.milestone,
      amount: fmt(n.amount_minor, c),
      allocated: fmt(n.allocated_minor, c),
      open: fmt(n.amount_minor - n.allocated_minor, c),
    })),
    allocations: allocations.map((a) => ({
      id: a.id,
      installmentSeq: a.installment_seq,
      sourceKind: a.source_kind,
      sourceId: a.source_id,
      sourceNumber: a.source_number,
      adjustmentKind: a.adjustment_kind,
      amount: fmt(a.amount_minor, c),
      effectiveDate: a.effective_date,
      method: a.method,
      reason: a.reason,
      reversesAllocationId: a.reverses_allocation_id,
      reversed: a.reversed,
    })),
    creditNotes: creditNotes.map((n) => ({ id: n.id, number: n.number, total: fmt(n.total_minor, c), issueDate: n.issue_date })),
  };
}

// ---------------------------------------------------------------------------------------------
// Receipts
// ---------------------------------------------------------------------------------------------

interface ReceiptRow {
  id: string;
  number: string;
  side: string;
  entity_code: string;
  party_id: string | null;
  party_name: string | null;
  receipt_date: string;
  currency: string;
  amount_minor: bigint;
  allocated_asof_minor: bigint;
  unapplied_minor: bigint;
  method: string;
  bank_account: string | null;
  bank_reference: string | null;
  counterparty_name: string | null;
  counterparty_account: string | null;
  remittance: string | null;
}

const receiptItem = (r: ReceiptRow) => ({
  id: r.id,
  number: r.number,
  side: r.side,
  entity: r.entity_code,
  partyId: r.party_id,
  partyName: r.party_name,
  receiptDate: r.receipt_date,
  currency: r.currency,
  amount: fmt(r.amount_minor, r.currency),
  allocated: fmt(r.allocated_asof_minor, r.currency),
  unapplied: fmt(r.unapplied_minor, r.currency),
  method: r.method,
  bankAccount: r.bank_account,
  bankReference: r.bank_reference,
  counterpartyName: r.counterparty_name,
  counterpartyAccount: r.counterparty_account,
  remittance: r.remittance,
});

export interface ReceiptFilter {
  side: 'AR' | 'AP';
  asOf: string;
  partyId?: string | undefined;
  q?: string | undefined;
  unappliedOnly?: boolean | undefined;
}

export async function listReceipts(tx: Queryable, f: ReceiptFilter, page: Page) {
  const params: unknown[] = [f.asOf, f.side];
  const where = ['b.side = $2'];
  if (f.partyId) {
    params.push(f.partyId);
    where.push(`b.party_id = $${params.length}`);
  }
  if (f.unappliedOnly) where.push('b.unapplied_minor > 0');
  if (f.q) {
    params.push(`%${f.q}%`);
    const n = params.length;
    where.push(`(b.number ILIKE $${n} OR b.bank_reference ILIKE $${n} OR b.counterparty_name ILIKE $${n} OR p.name ILIKE $${n} OR b.remittance ILIKE $${n})`);
  }
  const [size, offset] = limits(page);
  const sort = orderBy(
    page,
    { number: 'b.number', receiptDate: 'b.receipt_date', amount: 'b.amount_minor', unapplied: 'b.unapplied_minor', partyName: 'p.name' },
    'b.receipt_date DESC, b.number DESC',
  );
  const rows = await tx.query<ReceiptRow & { total: bigint }>(
    `WITH ${receiptBalancesCte('$1')}
     SELECT b.*, p.name AS party_name, e.code AS entity_code, count(*) OVER () AS total
       FROM rcpt_bal b LEFT JOIN parties p ON p.id = b.party_id JOIN entities e ON e.id = b.entity_id
      WHERE ${where.join(' AND ')} ORDER BY ${sort} LIMIT ${size} OFFSET ${offset}`,
    params,
  );
  return { items: rows.map(receiptItem), total: Number(rows[0]?.total ?? 0n), page: page.page, pageSize: size };
}

export async function receiptDetail(tx: Queryable, id: string, asOf: string) {
  const [row] = await tx.query<ReceiptRow>(
    `WITH ${receiptBalancesCte('$1')}
     SELECT b.*, p.name AS party_name, e.code AS entity_code
       FROM rcpt_bal b LEFT JOIN parties p ON p.id = b.party_id JOIN entities e ON e.id = b.entity_id WHERE b.id = $2`,
    [asOf, id],
  );
  if (!row) throw notFound('receipt');
  const allocations = await tx.query<{
    id: string;
    invoice_id: string;
    invoice_number: string;
    installment_seq: number;
    amount_minor: bigint;
    effective_date: string;
    method: string;
    reason: string | null;
    reverses_allocation_id: string | null;
    reversed: boolean;
  }>(
    `SELECT a.id, i.id AS invoice_id, i.number AS invoice_number, n.seq AS installment_seq, a.source_amount_minor AS amount_minor,
            a.effective_date, a.method, a.reason, a.reverses_allocation_id,
            EXISTS (SELECT 1 FROM allocations x WHERE x.reverses_allocation_id = a.id) AS reversed
       FROM allocations a JOIN installments n ON n.id = a.target_installment_id JOIN invoices i ON i.id = n.invoice_id
      WHERE a.source_receipt_id = $1 ORDER BY a.seq`,
    [id],
  );
  return {
    ...receiptItem(row),
    asOf,
    allocations: allocations.map((a) => ({
      id: a.id,
      invoiceId: a.invoice_id,
      invoiceNumber: a.invoice_number,
      installmentSeq: a.installment_seq,
      amount: fmt(a.amount_minor, row.currency),
      effectiveDate: a.effective_date,
      method: a.method,
      reason: a.reason,
      reversesAllocationId: a.reverses_allocation_id,
      reversed: a.reversed,
    })),
  };
}

/** Open invoice installments a receipt may be allocated to: its payer's and its subsidiaries'. */
export async function allocationCandidates(tx: Queryable, receiptId: string) {
  const [r] = await tx.query<{ party_id: string | null; currency: string; entity_id: string; side: string }>(
    'SELECT party_id, currency, entity_id, side FROM receipts WHERE id = $1',
    [receiptId],
  );
  if (!r) throw notFound('receipt');
  if (!r.party_id) return { items: [] };
  const rows = await tx.query<{
    installment_id: string;
    invoice_id: string;
    invoice_number: string;
    party_name: string;
    seq: number;
    issue_date: string;
    due_date: string;
    amount_minor: bigint;
    allocated_minor: bigint;
  }>(
    `SELECT n.id AS installment_id, i.id AS invoice_id, i.number AS invoice_number, p.name AS party_name, n.seq, i.issue_date,
            n.due_date, n.amount_minor, n.allocated_minor
       FROM installments n JOIN invoices i ON i.id = n.invoice_id JOIN parties p ON p.id = i.party_id
      WHERE i.kind = 'invoice' AND i.side = $2 AND i.entity_id = $3 AND i.currency = $4
        AND (p.id = $1 OR p.parent_id = $1) AND n.allocated_minor < n.amount_minor
      ORDER BY n.due_date, i.issue_date, i.number, n.seq LIMIT 500`,
    [r.party_id, r.side, r.entity_id, r.currency],
  );
  return {
    items: rows.map((x) => ({
      installmentId: x.installment_id,
      invoiceId: x.invoice_id,
      invoiceNumber: x.invoice_number,
      partyName: x.party_name,
      seq: x.seq,
      issueDate: x.issue_date,
      dueDate: x.due_date,
      currency: r.currency,
      amount: fmt(x.amount_minor, r.currency),
      open: fmt(x.amount_minor - x.allocated_minor, r.currency),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Dashboard
// ---------------------------------------------------------------------------------------------

export async function dashboardSummary(tx: Queryable, asOf: string, currency = 'CNY') {
  // One pass over the ledger: open amount per aging bucket (row -1 carries the number of
  // customers with anything overdue).
  const buckets = await tx.query<{ bucket: number; open_minor: bigint; overdue_customers: bigint | null }>(
    `WITH ${installmentBalancesCte('$1')},
     aged AS (
       SELECT width_bucket(GREATEST($1::date - due_date, 0), ARRAY[1, 31, 61, 91, 181, 366, 731, 1096]) AS bucket,
              party_id, amount_minor - allocated_minor AS open_minor
         FROM inst_bal WHERE side = 'AR' AND kind = 'invoice' AND currency = $2 AND amount_minor <> allocated_minor
     )
     SELECT bucket, sum(open_minor)::bigint AS open_minor, NULL::bigint AS overdue_customers FROM aged GROUP BY bucket
     UNION ALL
     SELECT -1, 0::bigint, count(DISTINCT party_id) FROM aged WHERE bucket > 0`,
    [asOf, currency],
  );
  const [counts] = await tx.query<{ customers: bigint }>('SELECT count(*) AS customers FROM parties WHERE is_customer');
  const [unapplied] = await tx.query<{ unapplied_minor: bigint | null }>(
    `WITH ${receiptBalancesCte('$1')} SELECT sum(unapplied_minor)::bigint AS unapplied_minor FROM rcpt_bal WHERE side = 'AR' AND currency = $2`,
    [asOf, currency],
  );
  const amounts = new Map(buckets.filter((b) => b.bucket >= 0).map((b) => [b.bucket, b.open_minor]));
  const overdueCustomers = buckets.find((b) => b.bucket === -1)?.overdue_customers ?? 0n;
  let receivable = 0n;
  let overdue = 0n;
  const aging = CHINESE_BUCKETS.map((b, i) => {
    const v = amounts.get(i) ?? 0n;
    receivable += v;
    if (i > 0) overdue += v;
    return { key: b.key, labelZh: b.labelZh, labelEn: b.labelEn, amount: fmt(v, currency) };
  });
  return {
    asOf,
    currency,
    receivable: fmt(receivable, currency),
    overdue: fmt(overdue, currency),
    unapplied: fmt(unapplied?.unapplied_minor, currency),
    customerCount: Number(counts?.customers ?? 0n),
    overdueCustomerCount: Number(overdueCustomers),
    aging,
  };
}
