/**
 * Exports of the ledger as of a date, shared by the CLI and the API. Rows are plain objects of
 * strings (amounts as decimal strings, dates as YYYY-MM-DD); CSV and XLSX neutralise cells that a
 * spreadsheet would run as a formula.
 */
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import type { Queryable } from '../db/database';
import { formatAmount } from '../domain/money';
import { type Actor, canReadAudit } from '../services/actor';
import { forbidden } from '../services/errors';
import { invoiceBalancesCte, receiptBalancesCte } from '../services/ledger/balances';

export const EXPORT_KINDS = ['customers', 'suppliers', 'contracts', 'invoices', 'bills', 'receipts', 'payments', 'allocations', 'audit'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export const EXPORT_FORMATS = ['json', 'csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type ExportRow = Record<string, string | number | boolean | null>;

export interface ExportData {
  kind: ExportKind;
  asOf: string;
  columns: string[];
  rows: ExportRow[];
}

const amt = (minor: bigint | null, currency: string) => (minor === null ? null : formatAmount(minor, currency));

async function parties(tx: Queryable, side: 'AR' | 'AP', asOf: string): Promise<ExportRow[]> {
  const rows = await tx.query<{ code: string; name: string; uscc: string | null; region: string; province: string | null; industry: string | null; owner: string | null; payment_terms_days: number; credit_limit_minor: bigint | null; credit_currency: string; parent_code: string | null; open_minor: bigint | null; overdue_minor: bigint | null; external_ids: Record<string, string> }>(
    `WITH ${invoiceBalancesCte('$1')},
     agg AS (SELECT party_id, sum(open_minor) FILTER (WHERE kind = 'invoice')::bigint AS open_minor, sum(overdue_minor)::bigint AS overdue_minor
               FROM inv_bal WHERE side = $2 AND currency = 'CNY' GROUP BY party_id)
     SELECT p.code, p.name, p.uscc, p.region, p.province, p.industry, u.username AS owner, p.payment_terms_days, p.credit_limit_minor,
            p.credit_currency, pp.code AS parent_code, agg.open_minor, agg.overdue_minor, p.external_ids
       FROM parties p LEFT JOIN agg ON agg.party_id = p.id LEFT JOIN users u ON u.id = p.owner_user_id LEFT JOIN parties pp ON pp.id = p.parent_id
      WHERE ${side === 'AR' ? 'p.is_customer' : 'p.is_supplier'} ORDER BY p.code`,
    [asOf, side],
  );
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    uscc: r.uscc,
    region: r.region,
    province: r.province,
    industry: r.industry,
    owner: r.owner,
    payment_terms_days: r.payment_terms_days,
    credit_limit: amt(r.credit_limit_minor, r.credit_currency),
    credit_currency: r.credit_currency,
    parent_code: r.parent_code,
    open_cny: formatAmount(r.open_minor ?? 0n, 'CNY'),
    overdue_cny: formatAmount(r.overdue_minor ?? 0n, 'CNY'),
    external_ids: Object.entries(r.external_ids ?? {}).map(([k, v]) => `${k}:${v}`).join(';') || null,
  }));
}

async function invoices(tx: Queryable, side: 'AR' | 'AP', asOf: string): Promise<ExportRow[]> {
  const rows = await tx.query<{ number: string; entity_code: string; kind: string; party_code: string; party_name: string; issue_date: string; due_date: string; currency: string; total_minor: bigint; allocated_minor: bigint; open_minor: bigint; overdue_minor: bigint; days_overdue: number; status: string; einvoice_number: string | null; original_number: string | null; installments: bigint }>(
    `WITH ${invoiceBalancesCte('$1')}
     SELECT b.number, e.code AS entity_code, b.kind, p.code AS party_code, p.name AS party_name, b.issue_date, b.due_date, b.currency,
            b.total_minor, b.allocated_minor, b.open_minor, b.overdue_minor, b.days_overdue, b.status, b.einvoice_number,
            o.number AS original_number, (SELECT count(*) FROM installments n WHERE n.invoice_id = b.id) AS installments
       FROM inv_bal b JOIN parties p ON p.id = b.party_id JOIN entities e ON e.id = b.entity_id
       LEFT JOIN invoices o ON o.id = b.original_invoice_id
      WHERE b.side = $2 ORDER BY b.issue_date, b.number`,
    [asOf, side],
  );
  const partyKey = side === 'AR' ? 'customer' : 'supplier';
  return rows.map((r) => ({
    number: r.number,
    entity: r.entity_code,
    kind: r.kind,
    [`${partyKey}_code`]: r.party_code,
    [`${partyKey}_name`]: r.party_name,
    issue_date: r.issue_date,
    due_date: r.due_date,
    currency: r.currency,
    amount: formatAmount(r.total_minor, r.currency),
    allocated: formatAmount(r.allocated_minor, r.currency),
    open_balance: formatAmount(r.open_minor, r.currency),
    overdue: formatAmount(r.overdue_minor, r.currency),
    days_overdue: Number(r.days_overdue),
    status: r.status,
    installments: Number(r.installments),
    einvoice_number: r.einvoice_number,
    original_invoice: r.original_number,
  }));
}

async function receipts(tx: Queryable, side: 'AR' | 'AP', asOf: string): Promise<ExportRow[]> {
  const rows = await tx.query<{ number: string; entity_code: string; party_code: string | null; party_name: string | null; receipt_date: string; currency: string; amount_minor: bigint; allocated_asof_minor: bigint; unapplied_minor: bigint; method: string; bank_reference: string | null; counterparty_name: string | null; counterparty_account: string | null; remittance: string | null }>(
    `WITH ${receiptBalancesCte('$1')}
     SELECT b.number, e.code AS entity_code, p.code AS party_code, p.name AS party_name, b.receipt_date, b.currency, b.amount_minor,
            b.allocated_asof_minor, b.unapplied_minor, b.method, b.bank_reference, b.counterparty_name, b.counterparty_account, b.remittance
       FROM rcpt_bal b LEFT JOIN parties p ON p.id = b.party_id JOIN entities e ON e.id = b.entity_id
      WHERE b.side = $2 ORDER BY b.receipt_date, b.number`,
    [asOf, side],
  );
  return rows.map((r) => ({
    number: r.number,
    entity: r.entity_code,
    party_code: r.party_code,
    party_name: r.party_name,
    date: r.receipt_date,
    currency: r.currency,
    amount: formatAmount(r.amount_minor, r.currency),
    allocated: formatAmount(r.allocated_asof_minor, r.currency),
    unapplied: formatAmount(r.unapplied_minor, r.currency),
    method: r.method,
    bank_reference: r.bank_reference,
    counterparty_name: r.counterparty_name,
    counterparty_account: r.counterparty_account,
    remittance: r.remittance,
  }));
}

async function allocations(tx: Queryable, asOf: string): Promise<ExportRow[]> {
  const rows = await tx.query<{ seq: bigint; side: string; invoice_number: string; installment: number; currency: string; source_kind: string; receipt_number: string | null; bank_reference: string | null; credit_note_number: string | null; adjustment_kind: string | null; amount_minor: bigint; effective_date: string; method: string; reason: string | null; confidence: string | null; reverses_seq: bigint | null }>(
    `SELECT a.seq, a.side, i.number AS invoice_number, n.seq AS installment, i.currency, a.source_kind, r.number AS receipt_number,
            r.bank_reference, ci.number AS credit_note_number, a.adjustment_kind, a.amount_minor, a.effective_date, a.method, a.reason,
            a.confidence, o.seq AS reverses_seq
       FROM allocations a JOIN installments n ON n.id = a.target_installment_id JOIN invoices i ON i.id = n.invoice_id
       LEFT JOIN receipts r ON r.id = a.source_receipt_id
       LEFT JOIN installments cn ON cn.id = a.source_installment_id LEFT JOIN invoices ci ON ci.id = cn.invoice_id
       LEFT JOIN allocations o ON o.id = a.reverses_allocation_id
      WHERE a.effective_date <= $1::date ORDER BY a.seq`,
    [asOf],
  );
  return rows.map((r) => ({
    id: Number(r.seq),
    side: r.side,
    invoice_number: r.invoice_number,
    installment: r.installment,
    source: r.source_kind,
    receipt_number: r.receipt_number,
    bank_reference: r.bank_reference,
    credit_note_number: r.credit_note_number,
    adjustment_kind: r.adjustment_kind,
    currency: r.currency,
    amount: formatAmount(r.amount_minor, r.currency),
    effective_date: r.effective_date,
    method: r.method,
    confidence: r.confidence,
    reason: r.reason,
    reverses: r.reverses_seq === null ? null : Number(r.reverses_seq),
  }));
}

async function contracts(tx: Queryable): Promise<ExportRow[]> {
  const rows = await tx.query<{ number: string; side: string; entity_code: string; party_code: string; title: string; currency: string; current_version: number; total_minor: bigint; signed_on: string | null; schedule: unknown }>(
    `SELECT c.number, c.side, e.code AS entity_code, p.code AS party_code, c.title, c.currency, c.current_version, v.total_minor, c.signed_on, v.schedule
       FROM contracts c JOIN entities e ON e.id = c.entity_id JOIN parties p ON p.id = c.party_id
       JOIN contract_versions v ON v.contract_id = c.id AND v.version = c.current_version ORDER BY c.number`,
  );
  return rows.map((r) => ({
    number: r.number,
    side: r.side,
    entity: r.entity_code,
    party_code: r.party_code,
    title: r.title,
    currency: r.currency,
    version: r.current_version,
    total: formatAmount(r.total_minor, r.currency),
    signed_on: r.signed_on,
    schedule: JSON.stringify(r.schedule),
  }));
}

async function auditRows(tx: Queryable, actor: Actor): Promise<ExportRow[]> {
  if (!canReadAudit(actor)) throw forbidden('the audit log is for admin, auditor and finance roles');
  const rows = await tx.query<{ seq: bigint; at: Date; actor: string; action: string; object_type: string; object_id: string | null; before: unknown; after: unknown; prev_hash: string; hash: string }>(
    'SELECT seq, at, actor, action, object_type, object_id, before, after, prev_hash, hash FROM audit_log ORDER BY seq',
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    object_type: r.object_type,
    object_id: r.object_id,
    before: r.before === null ? null : JSON.stringify(r.before),
    after: r.after === null ? null : JSON.stringify(r.after),
    prev_hash: r.prev_hash,
    hash: r.hash,
  }));
}

const PARTY_COLUMNS = ['code', 'name', 'uscc', 'region', 'province', 'industry', 'owner', 'payment_terms_days', 'credit_limit', 'credit_currency', 'parent_code', 'open_cny', 'overdue_cny', 'external_ids'];
const invoiceColumns = (party: 'customer' | 'supplier') => ['number', 'entity', 'kind', `${party}_code`, `${party}_name`, 'issue_date', 'due_date', 'currency', 'amount', 'allocated', 'open_balance', 'overdue', 'days_overdue', 'status', 'installments', 'einvoice_number', 'original_invoice'];
const RECEIPT_COLUMNS = ['number', 'entity', 'party_code', 'party_name', 'date', 'currency', 'amount', 'allocated', 'unapplied', 'method', 'bank_reference', 'counterparty_name', 'counterparty_account', 'remittance'];

/**
 * The header of an export with no rows, so that even an empty file says what it would hold (and
 * re-imports as "nothing to do"). A test checks these against the keys of non-empty exports.
 */
export const EXPORT_COLUMNS: Record<ExportKind, string[]> = {
  customers: PARTY_COLUMNS,
  suppliers: PARTY_COLUMNS,
  contracts: ['number', 'side', 'entity', 'party_code', 'title', 'currency', 'version', 'total', 'signed_on', 'schedule'],
  invoices: invoiceColumns('customer'),
  bills: invoiceColumns('supplier'),
  receipts: RECEIPT_COLUMNS,
  payments: RECEIPT_COLUMNS,
  allocations: ['id', 'side', 'invoice_number', 'installment', 'source', 'receipt_number', 'bank_reference', 'credit_note_number', 'adjustment_kind', 'currency', 'amount', 'effective_date', 'method', 'confidence', 'reason', 'reverses'],
  audit: ['seq', 'at', 'actor', 'action', 'object_type', 'object_id', 'before', 'after', 'prev_hash', 'hash'],
};

export async function exportData(tx: Queryable, actor: Actor, kind: ExportKind, asOf: string): Promise<ExportData> {
  let rows: ExportRow[];
  switch (kind) {
    case 'customers':
      rows = await parties(tx, 'AR', asOf);
      break;
    case 'suppliers':
      rows = await parties(tx, 'AP', asOf);
      break;
    case 'contracts':
      rows = await contracts(tx);
      break;
    case 'invoices':
      rows = await invoices(tx, 'AR', asOf);
      break;
    case 'bills':
      rows = await invoices(tx, 'AP', asOf);
      break;
    case 'receipts':
      rows = await receipts(tx, 'AR', asOf);
      break;
    case 'payments':
      rows = await receipts(tx, 'AP', asOf);
      break;
    case 'allocations':
      rows = await allocations(tx, asOf);
      break;
    case 'audit':
      rows = await auditRows(tx, actor);
      break;
  }
  const columns = rows[0] ? Object.keys(rows[0]) : EXPORT_COLUMNS[kind];
  return { kind, asOf, columns, rows };
}

/**
 * A text cell starting with = + - @ (or a tab / carriage return) would be evaluated by Excel or
 * LibreOffice; prefix it with an apostrophe. Plain numbers such as "-12.50" stay numbers.
 */
export function neutraliseCell(value: string | number | boolean | null): string | number | boolean | null {
  if (typeof value !== 'string') return value;
  if (/^-?\d+(\.\d+)?$/.test(value)) return value;
  // Apostrophes already in front of a formula character get one more, so that the importer, which
  // strips exactly one, gives back the original text ("'=x" → "''=x" → "'=x").
  return /^'*[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function toCsv(data: ExportData): string {
  const header = data.columns;
  const body = data.rows.map((r) => header.map((c) => neutraliseCell(r[c] ?? null)));
  // A UTF-8 BOM so that Excel on Chinese Windows opens the file with the right encoding.
  return `\uFEFF${stringify([header, ...body])}`;
}

/** Columns of the exports that hold an amount (a decimal string in the row's currency). */
const MONEY_COLUMNS = new Set(['amount', 'allocated', 'open_balance', 'overdue', 'unapplied', 'total', 'credit_limit', 'open_cny', 'overdue_cny']);
const DECIMAL = /^-?(\d+)(?:\.(\d+))?$/;

/**
 * An amount as an XLSX number cell shown with its currency's decimals ("#,##0.00"), so that
 * Excel sums it. A double holds every decimal of up to 15 significant digits exactly as Excel
 * shows it; a longer amount stays text rather than be rounded.
 */
function moneyCell(value: string | number | boolean | null): { value: number; numFmt: string } | null {
  if (typeof value !== 'string') return null;
  const m = DECIMAL.exec(value);
  if (!m) return null;
  const digits = (m[1]!.replace(/^0+/, '') + (m[2] ?? '')).length;
  if (digits > 15) return null;
  const decimals = m[2]?.length ?? 0;
  return { value: Number(value), numFmt: decimals ? `#,##0.${'0'.repeat(decimals)}` : '#,##0' };
}

export async function writeXlsx(data: ExportData, out: Writable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true });
  const ws = wb.addWorksheet(data.kind);
  ws.columns = data.columns.map((c) => ({ header: c, key: c, width: Math.min(40, Math.max(12, c.length + 2)) }));
  ws.getRow(1).font = { bold: true };
  for (const r of data.rows) {
    const cells: Record<string, string | number | boolean | null> = {};
    const formats: [string, string][] = [];
    for (const c of data.columns) {
      const money = MONEY_COLUMNS.has(c) ? moneyCell(r[c] ?? null) : null;
      if (money) {
        cells[c] = money.value;
        formats.push([c, money.numFmt]);
      } else cells[c] = neutraliseCell(r[c] ?? null);
    }
    const row = ws.addRow(cells);
    for (const [c, numFmt] of formats) row.getCell(c).numFmt = numFmt;
    row.commit();
  }
  ws.commit();
  await wb.commit();
}

export function toJsonDocument(data: ExportData): string {
  return JSON.stringify({ kind: data.kind, asOf: data.asOf, count: data.rows.length, rows: data.rows });
}
