/**
 * Bad-debt provision runs and write-offs (坏账准备 / 坏账核销), docs/credit.md "Provisions and
 * write-offs". The arithmetic is the pure src/domain/credit/provisions.ts; this module reads the
 * open receivables of an entity as of a period end, the balance before the run, stores runs, and
 * sends runs ('provision_run') and write-offs ('write_off') through the approvals engine, whose
 * handlers (handlers.ts) call applyApprovedProvision / applyApprovedWriteOff on the last approval.
 *
 * Balance before a run = the required provision of the entity's latest approved run (view
 * provision_balances) − the write-offs of the entity's receivables effective after that run's
 * period end and on or before this one (a write-off uses the allowance up; a write-off beyond the
 * allowance is a direct loss, so the balance never goes below zero).
 */
import ExcelJS from 'exceljs';
import type { Queryable } from '../../db/database';
import {
  type AgeBand,
  type CurrencyResult,
  computeProvision,
  DEFAULT_BANDS,
  type DebtorStatus,
  type ProvisionItem,
  type ProvisionOverride,
  taxDeductionFlag,
  validateBands,
  validateOverrides,
} from '../../domain/credit/provisions';
import { daysBetween, todayIso } from '../../domain/dates';
import { formatAmount } from '../../domain/money';
import { renderTablePdf } from '../../reports/pdf';
import { type Actor, canWriteLedger, createdBy, requireLedgerWriter, requireRole } from '../actor';
import { requestApproval } from '../approvals/approvals';
import type { ApprovedRequest } from '../approvals/handlers';
import { audit } from '../audit';
import { conflict, forbidden, invalid, notFound } from '../errors';
import { openBalancesCte } from '../analytics/open-balances';
import { addAdjustment } from '../ledger/allocations';
import { currencyCode, isoDate, money, resolveEntity } from '../ledger/input';

export const PROVISION_DOCUMENT_TYPE = 'provision_run';
export const WRITE_OFF_DOCUMENT_TYPE = 'write_off';

export interface OverrideInput {
  partyId?: string;
  partyCode?: string;
  /** Basis points (2500 = 25 %) for all the customer's receivables … */
  rateBp?: number;
  /** … or an amount (decimal string) in one currency. */
  amount?: string;
  currency?: string;
  reason: string;
}

export interface ProvisionRunInput {
  entity?: string;
  periodEnd: string;
  bands?: AgeBand[];
  overrides?: OverrideInput[];
  /** Compute and return without storing. */
  dryRun?: boolean;
}

/** A run needs the whole entity: a user limited by region or owner would provide for part of it. */
function requireWholeEntity(actor: Actor, entityId: string): void {
  requireRole(actor, 'admin', 'finance', 'manager');
  const entityOk = actor.scopeEntityIds === null || actor.scopeEntityIds.includes(entityId);
  if (!entityOk || actor.scopeRegions !== null || actor.ownCustomersOnly) throw forbidden('a provision run needs a user who sees the whole entity');
}

async function loadItems(tx: Queryable, entityId: string, asOf: string): Promise<(ProvisionItem & { partyCode: string })[]> {
  const rows = await tx.query<{ id: string; party_id: string; party_code: string; currency: string; issue_date: string; open_minor: bigint }>(
    `WITH ${openBalancesCte('$1')}
     SELECT b.id, b.party_id, p.code AS party_code, b.currency, b.issue_date, (b.amount_minor - b.allocated_minor)::bigint AS open_minor
       FROM inst_bal b JOIN parties p ON p.id = b.party_id
      WHERE b.entity_id = $2 AND b.side = 'AR' AND b.kind = 'invoice' AND b.amount_minor <> b.allocated_minor
      ORDER BY b.issue_date, b.number, b.seq`,
    [asOf, entityId],
  );
  return rows.map((r) => ({
    installmentId: r.id,
    partyId: r.party_id,
    partyCode: r.party_code,
    currency: r.currency.trim(),
    issueDate: r.issue_date,
    openMinor: BigInt(r.open_minor),
  }));
}

interface LastRun {
  runId: string;
  periodEnd: string;
}

/** The balance per currency before a run as of `asOf`, and the approved run it comes from. */
export async function provisionBalance(tx: Queryable, entityId: string, asOf: string): Promise<{ balances: Record<string, bigint>; last: LastRun | null }> {
  const rows = await tx.query<{ currency: string; balance_minor: bigint; run_id: string; period_end: string }>(
    'SELECT currency, balance_minor, run_id, period_end FROM provision_balances WHERE entity_id = $1 ORDER BY period_end DESC, currency',
    [entityId],
  );
  const first = rows[0];
  if (!first) return { balances: {}, last: null };
  if (first.period_end > asOf) throw invalid('period_before_last_run', `the last approved run is as of ${first.period_end}; run a later period end`, 'periodEnd');
  const used = await tx.query<{ currency: string; minor: bigint }>(
    `SELECT i.currency, sum(a.amount_minor)::bigint AS minor
       FROM allocations a JOIN installments n ON n.id = a.target_installment_id JOIN invoices i ON i.id = n.invoice_id
      WHERE a.source_kind = 'adjustment' AND a.adjustment_kind = 'write_off' AND i.entity_id = $1 AND i.side = 'AR'
        AND a.effective_date > $2::date AND a.effective_date <= $3::date
      GROUP BY i.currency`,
    [entityId, first.period_end, asOf],
  );
  const usedBy = new Map(used.map((u) => [u.currency.trim(), BigInt(u.minor)]));
  const balances: Record<string, bigint> = {};
  for (const r of rows) {
    const cur = r.currency.trim();
    const left = BigInt(r.balance_minor) - (usedBy.get(cur) ?? 0n);
    balances[cur] = left > 0n ? left : 0n;
  }
  return { balances, last: { runId: first.run_id, periodEnd: first.period_end } };
}

async function resolveOverrides(tx: Queryable, inputs: OverrideInput[]): Promise<(ProvisionOverride & { partyCode: string })[]> {
  const out: (ProvisionOverride & { partyCode: string })[] = [];
  for (const [i, o] of inputs.entries()) {
    const field = `overrides[${i}]`;
    const [p] = await tx.query<{ id: string; code: string }>(`SELECT id, code FROM parties WHERE ${o.partyId ? 'id = $1' : 'code = $1'}`, [o.partyId ?? o.partyCode ?? '']);
    if (!p) throw notFound('customer', `${field}.partyId`);
    if ((o.rateBp === undefined) === (o.amount === undefined)) throw invalid('override_rate_or_amount', `${field}: give rateBp or amount`, field);
    if (o.rateBp !== undefined) out.push({ partyId: p.id, partyCode: p.code, rateBp: o.rateBp, reason: o.reason });
    else {
      const currency = currencyCode(o.currency ?? 'CNY', `${field}.currency`);
      out.push({ partyId: p.id, partyCode: p.code, amountMinor: money(o.amount ?? '', currency, `${field}.amount`), currency, reason: o.reason });
    }
  }
  const errors = validateOverrides(out);
  if (errors.length) throw invalid('invalid_overrides', errors.join('; '), 'overrides');
  return out;
}

const amt = formatAmount;

function resultOut(results: CurrencyResult[], codes: Map<string, string>) {
  return results.map((r) => ({
    currency: r.currency,
    receivable: amt(r.receivableMinor, r.currency),
    required: amt(r.requiredMinor, r.currency),
    existing: amt(r.existingMinor, r.currency),
    change: amt(r.changeMinor, r.currency),
    kind: r.changeMinor > 0n ? 'charge' : r.changeMinor < 0n ? 'release' : 'none',
    bands: r.bands.map((b) => ({ zh: b.zh, en: b.en, upToYears: b.upToYears, rateBp: b.rateBp, count: b.count, base: amt(b.baseMinor, r.currency), provision: amt(b.provisionMinor, r.currency) })),
    individual: r.individual.map((x) => ({
      partyId: x.partyId,
      partyCode: codes.get(x.partyId) ?? null,
      base: amt(x.baseMinor, r.currency),
      rateBp: x.rateBp,
      provision: amt(x.provisionMinor, r.currency),
      reason: x.reason,
    })),
    voucher: r.voucher.map((l) => ({ account: l.account, accountZh: l.accountZh, accountEn: l.accountEn, debit: amt(l.debitMinor, r.currency), credit: amt(l.creditMinor, r.currency) })),
  }));
}

export type ProvisionResultOut = ReturnType<typeof resultOut>;

/** Computes a run as of a period end; stores it as a draft unless dryRun. */
export async function createProvisionRun(tx: Queryable, actor: Actor, input: ProvisionRunInput) {
  const periodEnd = isoDate(input.periodEnd, 'periodEnd');
  const entity = await resolveEntity(tx, input.entity);
  requireWholeEntity(actor, entity.id);
  const bands = input.bands ?? [...DEFAULT_BANDS];
  const bandErrors = validateBands(bands);
  if (bandErrors.length) throw invalid('invalid_bands', bandErrors.join('; '), 'bands');
  const overrides = await resolveOverrides(tx, input.overrides ?? []);
  await syncPendingRuns(tx, entity.id);
  const { balances, last } = await provisionBalance(tx, entity.id, periodEnd);
  const items = await loadItems(tx, entity.id, periodEnd);
  const results = computeProvision({ asOf: periodEnd, items, bands, overrides, existing: balances });
  const codes = new Map([...items.map((i) => [i.partyId, i.partyCode] as const), ...overrides.map((o) => [o.partyId, o.partyCode] as const)]);
  const result = resultOut(results, codes);
  const overridesOut = overrides.map((o) => ('rateBp' in o ? { partyId: o.partyId, partyCode: o.partyCode, rateBp: o.rateBp, reason: o.reason } : { partyId: o.partyId, partyCode: o.partyCode, amount: amt(o.amountMinor, o.currency), currency: o.currency, reason: o.reason }));
  const run = {
    id: null as string | null,
    entity: { id: entity.id, code: entity.code },
    periodEnd,
    method: 'aging_rate' as const,
    bands,
    overrides: overridesOut,
    previousRunId: last?.runId ?? null,
    status: 'draft' as const,
    result,
  };
  if (input.dryRun) return { ...run, dryRun: true };
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO provision_runs (entity_id, period_end, method, rates, overrides, result, status, created_by)
     VALUES ($1,$2,'aging_rate',$3::jsonb,$4::jsonb,$5::jsonb,'draft',$6) RETURNING id`,
    [entity.id, periodEnd, JSON.stringify(bands), JSON.stringify(overridesOut), JSON.stringify({ previousRunId: run.previousRunId, currencies: result }), createdBy(actor)],
  );
  for (const r of results) {
    await tx.query('INSERT INTO provision_run_lines (run_id, currency, receivable_minor, required_minor, existing_minor, change_minor) VALUES ($1,$2,$3,$4,$5,$6)', [
      row!.id,
      r.currency,
      r.receivableMinor,
      r.requiredMinor,
      r.existingMinor,
      r.changeMinor,
    ]);
  }
  await audit(tx, actor, 'provision_run.create', 'provision_run', row!.id, null, {
    entity: entity.code,
    periodEnd,
    changes: result.map((r) => ({ currency: r.currency, required: r.required, existing: r.existing, change: r.change })),
  });
  return { ...run, id: row!.id, dryRun: false };
}

interface RunRow {
  id: string;
  entity_id: string;
  entity_code: string;
  entity_name: string;
  period_end: string;
  method: string;
  rates: AgeBand[];
  overrides: unknown[];
  result: { previousRunId: string | null; currencies: ProvisionResultOut };
  status: 'draft' | 'pending_approval' | 'approved' | 'rejected';
  approval_request_id: string | null;
  created_by: string | null;
  created_at: Date | string;
  approved_at: Date | string | null;
}

const RUN_SQL = 'SELECT r.*, e.code AS entity_code, e.name AS entity_name FROM provision_runs r JOIN entities e ON e.id = r.entity_id';
const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

function runOut(r: RunRow) {
  return {
    id: r.id,
    entity: { id: r.entity_id, code: r.entity_code, name: r.entity_name },
    periodEnd: r.period_end,
    method: r.method,
    bands: r.rates,
    overrides: r.overrides,
    previousRunId: r.result.previousRunId,
    status: r.status,
    approvalRequestId: r.approval_request_id,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    approvedAt: iso(r.approved_at),
    result: r.result.currencies,
  };
}

export type ProvisionRunOut = ReturnType<typeof runOut>;

/** A run whose approval request was rejected, cancelled or expired becomes rejected. */
async function syncPendingRuns(tx: Queryable, entityId: string | null, runId: string | null = null): Promise<void> {
  await tx.query(
    `UPDATE provision_runs r SET status = 'rejected'
       FROM approval_requests q
      WHERE q.id = r.approval_request_id AND r.status = 'pending_approval' AND q.status IN ('rejected', 'cancelled', 'expired')
        AND ($1::uuid IS NULL OR r.entity_id = $1) AND ($2::uuid IS NULL OR r.id = $2)`,
    [entityId, runId],
  );
}

export async function getProvisionRun(tx: Queryable, id: string): Promise<ProvisionRunOut> {
  await syncPendingRuns(tx, null, id);
  const [r] = await tx.query<RunRow>(`${RUN_SQL} WHERE r.id = $1`, [id]);
  if (!r) throw notFound('provision run', 'id');
  return runOut(r);
}

export async function listProvisionRuns(tx: Queryable, filter: { entity?: string } = {}) {
  await syncPendingRuns(tx, null);
  const rows = await tx.query<RunRow>(`${RUN_SQL} WHERE ($1::text IS NULL OR e.code = $1) ORDER BY r.period_end DESC, r.created_at DESC LIMIT 200`, [filter.entity ?? null]);
  return rows.map(runOut);
}

/** Lines of the stored run must still match the balance now: else another run was approved meanwhile. */
async function assertCurrent(tx: Queryable, run: RunRow): Promise<void> {
  const { balances } = await provisionBalance(tx, run.entity_id, run.period_end);
  const lines = await tx.query<{ currency: string; existing_minor: bigint }>('SELECT currency, existing_minor FROM provision_run_lines WHERE run_id = $1', [run.id]);
  const stale =
    lines.some((l) => BigInt(l.existing_minor) !== (balances[l.currency.trim()] ?? 0n)) ||
    Object.entries(balances).some(([cur, v]) => v !== 0n && !lines.some((l) => l.currency.trim() === cur));
  if (stale) throw conflict('provision_run_stale', 'the provision balance changed since this run was computed; create a new run');
}

/** Sends a draft run for approval (document type provision_run). */
export async function submitProvisionRun(tx: Queryable, actor: Actor, id: string, reason?: string) {
  const [r] = await tx.query<RunRow>(`${RUN_SQL} WHERE r.id = $1 FOR UPDATE OF r`, [id]);
  if (!r) throw notFound('provision run', 'id');
  requireWholeEntity(actor, r.entity_id);
  if (r.status !== 'draft') throw conflict('provision_run_not_draft', `the run is ${r.status}`);
  await syncPendingRuns(tx, r.entity_id);
  const pending = await tx.query<{ id: string }>("SELECT id FROM provision_runs WHERE entity_id = $1 AND status = 'pending_approval'", [r.entity_id]);
  if (pending[0]) throw conflict('provision_run_pending', `run ${pending[0].id} of this entity is already waiting for approval`);
  await assertCurrent(tx, r);
  const lines = await tx.query<{ currency: string; change_minor: bigint }>('SELECT currency, change_minor FROM provision_run_lines WHERE run_id = $1 ORDER BY currency', [id]);
  const [base] = await tx.query<{ base_currency: string }>('SELECT base_currency FROM entities WHERE id = $1', [r.entity_id]);
  const baseCurrency = base!.base_currency.trim();
  const main = lines.find((l) => l.currency.trim() === baseCurrency) ?? lines[0];
  const currency = main?.currency.trim() ?? baseCurrency;
  const change = main ? BigInt(main.change_minor) : 0n;
  const summary = lines.map((l) => `${l.currency.trim()} ${formatAmount(BigInt(l.change_minor), l.currency.trim())}`).join('，') || '无变动';
  const request = await requestApproval(tx, actor, {
    documentType: PROVISION_DOCUMENT_TYPE,
    entityId: r.entity_id,
    amountMinor: change < 0n ? -change : change,
    currency,
    title: `坏账准备 ${r.entity_code} ${r.period_end}：${summary}`,
    reason: reason?.trim() || `${r.period_end} 期末坏账准备计提 / period-end provision`,
    payload: { runId: id },
  });
  await tx.query("UPDATE provision_runs SET status = 'pending_approval', approval_request_id = $2 WHERE id = $1", [id, request.id]);
  await audit(tx, actor, 'provision_run.submit', 'provision_run', id, { status: 'draft' }, { status: 'pending_approval', approvalRequestId: request.id });
  return { run: await getProvisionRun(tx, id), request };
}

/** Approval handler of provision_run: the run becomes final and sets the balance. */
export async function applyApprovedProvision(tx: Queryable, actor: Actor, request: ApprovedRequest): Promise<Record<string, unknown>> {
  const runId = String(request.payload.runId ?? '');
  const [r] = await tx.query<RunRow>(`${RUN_SQL} WHERE r.id = $1 FOR UPDATE OF r`, [runId]);
  if (!r) throw notFound('provision run', 'runId');
  if (r.status !== 'pending_approval' || r.approval_request_id !== request.id) throw conflict('provision_run_not_pending', 'this approval was already applied');
  await assertCurrent(tx, r);
  await tx.query("UPDATE provision_runs SET status = 'approved', approved_at = now() WHERE id = $1", [runId]);
  const changes = r.result.currencies.map((c) => ({ currency: c.currency, required: c.required, change: c.change }));
  await audit(tx, actor, 'provision_run.approve', 'provision_run', runId, { status: 'pending_approval' }, { status: 'approved', approvalRequestId: request.id, changes });
  return { runId, periodEnd: r.period_end, changes };
}

// ---- voucher export ---------------------------------------------------------------------------

export function voucherRows(run: ProvisionRunOut) {
  return run.result.flatMap((c) =>
    c.voucher.map((l) => ({ currency: c.currency, account: l.account, accountZh: l.accountZh, accountEn: l.accountEn, debit: l.debit, credit: l.credit })),
  );
}

const voucherTitle = (run: ProvisionRunOut) => `坏账准备计提凭证 / Bad-debt provision voucher — ${run.entity.code} ${run.periodEnd}`;

export async function voucherXlsx(run: ProvisionRunOut): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('voucher');
  ws.addRow([voucherTitle(run)]).font = { bold: true };
  ws.addRow([`状态 / status: ${run.status}`, `运行 / run: ${run.id}`]);
  ws.addRow([]);
  ws.addRow(['币种 currency', '科目代码 account', '科目 account (zh)', 'account (en)', '借方 debit', '贷方 credit', '摘要 memo']).font = { bold: true };
  for (const l of voucherRows(run)) {
    const row = ws.addRow([l.currency, l.account, l.accountZh, l.accountEn, Number(l.debit), Number(l.credit), `${run.periodEnd} 计提坏账准备`]);
    row.getCell(5).numFmt = '#,##0.00';
    row.getCell(6).numFmt = '#,##0.00';
  }
  ws.columns.forEach((c) => {
    c.width = 18;
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function voucherPdf(run: ProvisionRunOut): Promise<Buffer> {
  return renderTablePdf({
    title: voucherTitle(run),
    meta: [`状态 / status: ${run.status}`, `运行 / run: ${run.id}`],
    columns: [
      { key: 'currency', label: '币种' },
      { key: 'account', label: '科目代码' },
      { key: 'accountZh', label: '科目', weight: 2 },
      { key: 'accountEn', label: 'Account', weight: 2.5 },
      { key: 'debit', label: '借方', align: 'right', weight: 1.5 },
      { key: 'credit', label: '贷方', align: 'right', weight: 1.5 },
    ],
    rows: voucherRows(run),
  });
}

// ---- write-offs -------------------------------------------------------------------------------

export const DEBTOR_STATUSES = ['none', 'deregistered', 'bankrupt', 'revoked', 'deceased'] as const satisfies readonly DebtorStatus[];

export interface WriteOffInput {
  installmentId: string;
  /** Default: the whole open amount. */
  amount?: string;
  reason: string;
  /** What the requester states about the debtor (for the 25号公告 flag). */
  debtorStatus?: DebtorStatus;
  /** Booking date; default the day of the last approval. */
  effectiveDate?: string;
}

/** Requests the write-off of an AR invoice installment (document type write_off). */
export async function requestWriteOff(tx: Queryable, actor: Actor, input: WriteOffInput) {
  requireLedgerWriter(actor);
  const [inst] = await tx.query<{ id: string; seq: number; due_date: string; amount_minor: bigint; allocated_minor: bigint; number: string; currency: string; party_id: string; entity_id: string; side: string; kind: string; code: string }>(
    `SELECT n.id, n.seq, n.due_date, n.amount_minor, n.allocated_minor, i.number, i.currency, i.party_id, i.entity_id, i.side, i.kind, p.code
       FROM installments n JOIN invoices i ON i.id = n.invoice_id JOIN parties p ON p.id = i.party_id WHERE n.id = $1`,
    [input.installmentId],
  );
  if (!inst) throw notFound('installment', 'installmentId');
  if (inst.kind !== 'invoice' || inst.side !== 'AR') throw invalid('write_off_target', 'write off receivable invoice installments only', 'installmentId');
  const currency = inst.currency.trim();
  const open = BigInt(inst.amount_minor) - BigInt(inst.allocated_minor);
  const amountMinor = input.amount === undefined ? open : money(input.amount, currency, 'amount', { positive: true });
  if (amountMinor <= 0n) throw conflict('nothing_open', 'the installment has nothing open');
  if (amountMinor > open) throw conflict('installment_over_allocated', `the write-off exceeds the open amount ${formatAmount(open, currency)}`, 'amount');
  if (!input.reason?.trim()) throw invalid('reason_required', 'a write-off needs a reason', 'reason');
  const effectiveDate = input.effectiveDate ? isoDate(input.effectiveDate, 'effectiveDate') : null;
  await assertAfterLastRun(tx, inst.entity_id, effectiveDate ?? todayIso());
  const status = input.debtorStatus ?? 'none';
  if (!(DEBTOR_STATUSES as readonly string[]).includes(status)) throw invalid('invalid_debtor_status', `debtorStatus must be one of ${DEBTOR_STATUSES.join(', ')}`, 'debtorStatus');
  const daysOverdue = Math.max(0, daysBetween(inst.due_date, effectiveDate ?? todayIso()));
  const tax = taxDeductionFlag(daysOverdue, status);
  const amount = formatAmount(amountMinor, currency);
  return requestApproval(tx, actor, {
    documentType: WRITE_OFF_DOCUMENT_TYPE,
    partyId: inst.party_id,
    entityId: inst.entity_id,
    amountMinor,
    currency,
    title: `坏账核销 ${inst.code} ${inst.number}#${inst.seq} ${amount} ${currency}${tax.mayQualify ? '（可能符合25号公告税前扣除）' : ''}`,
    reason: input.reason,
    payload: { installmentId: inst.id, amountMinor: amountMinor.toString(), currency, effectiveDate, debtorStatus: status, daysOverdue, taxDeduction: tax },
  });
}

/**
 * A write-off uses up the balance of the latest approved run, so it must be dated after that run's
 * period end (a back-dated one would have been provided for again by that run).
 */
async function assertAfterLastRun(tx: Queryable, entityId: string, effectiveDate: string): Promise<void> {
  const [last] = await tx.query<{ period_end: string }>('SELECT max(period_end)::text AS period_end FROM provision_runs WHERE entity_id = $1 AND status = $2', [entityId, 'approved']);
  if (last?.period_end && effectiveDate <= last.period_end) {
    throw invalid('write_off_in_closed_period', `the provision run as of ${last.period_end} is approved: date the write-off after it`, 'effectiveDate');
  }
}

/**
 * Approval handler of write_off: books the adjustment (kind write_off) with the request's reason.
 * The approval is the authority to change the ledger here, so an approver whose role cannot book
 * (a manager) books as finance; the approver's data scope still applies, and the audit names them.
 */
export async function applyApprovedWriteOff(tx: Queryable, actor: Actor, request: ApprovedRequest): Promise<Record<string, unknown>> {
  const p = request.payload as { installmentId: string; amountMinor: string; currency: string; effectiveDate: string | null; taxDeduction: unknown };
  const existing = await tx.query("SELECT 1 FROM allocations WHERE adjustment_kind = 'write_off' AND reason LIKE $1", [`%[${request.id}]`]);
  if (existing.length) throw conflict('write_off_exists', 'this approval was already applied');
  const [inst] = await tx.query<{ entity_id: string }>('SELECT i.entity_id FROM installments n JOIN invoices i ON i.id = n.invoice_id WHERE n.id = $1', [p.installmentId]);
  if (!inst) throw notFound('installment', 'installmentId');
  await assertAfterLastRun(tx, inst.entity_id, p.effectiveDate ?? todayIso());
  const booker: Actor = canWriteLedger(actor) ? actor : { ...actor, role: 'finance' };
  const amount = formatAmount(BigInt(p.amountMinor), p.currency);
  const booked = await addAdjustment(tx, booker, {
    installmentId: p.installmentId,
    kind: 'write_off',
    amount,
    reason: `坏账核销 / write-off: ${request.reason} [${request.id}]`,
    ...(p.effectiveDate ? { effectiveDate: p.effectiveDate } : {}),
  });
  return { adjustmentId: booked.id, effectiveDate: booked.effectiveDate, amount, currency: p.currency, taxDeduction: p.taxDeduction };
}
