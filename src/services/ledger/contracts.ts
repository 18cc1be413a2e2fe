/**
 * Contracts with payment schedules. A changed term is a new version; invoices keep pointing at
 * the version they were issued under (invoices.contract_version_id), so history stays true.
 */
import type { Queryable } from '../../db/database';
import type { DueRule } from '../../domain/ledger';
import { formatAmount } from '../../domain/money';
import { type Actor, requireLedgerWriter } from '../actor';
import { audit } from '../audit';
import { invalid, notFound } from '../errors';
import { currencyCode, isoDate, money, resolveEntity } from './input';
import { findPartyId } from './parties';
import type { Page } from './queries';

export interface MilestoneInput {
  name: string;
  percent?: string | undefined;
  amount?: string | undefined;
  dueRule: DueRule;
}

function checkSchedule(schedule: MilestoneInput[], currency: string, totalMinor: bigint) {
  const byPercent = schedule.every((m) => m.percent !== undefined && m.amount === undefined);
  const byAmount = schedule.every((m) => m.amount !== undefined && m.percent === undefined);
  if (!byPercent && !byAmount) throw invalid('schedule_mixed', 'milestones must all have a percent or all an amount', 'schedule');
  if (byPercent) {
    // Percentages are read as fixed-point with 3 decimals (the scale of KWD), exact.
    const pct = schedule.reduce((s, m, i) => s + money(m.percent ?? '', 'KWD', `schedule.${i}.percent`), 0n);
    if (pct !== 100_000n) throw invalid('schedule_mismatch', 'milestone percentages must add up to 100', 'schedule');
    return schedule.map((m) => ({ name: m.name, percent: m.percent, dueRule: m.dueRule }));
  }
  const amounts = schedule.map((m, i) => money(m.amount ?? '', currency, `schedule.${i}.amount`, { positive: true }));
  if (amounts.reduce((a, b) => a + b, 0n) !== totalMinor) throw invalid('schedule_mismatch', 'milestone amounts must add up to the contract total', 'schedule');
  return schedule.map((m, i) => ({ name: m.name, amount: amounts[i]!.toString(), dueRule: m.dueRule }));
}

export interface ContractInput {
  entity?: string | undefined;
  side?: 'AR' | 'AP' | undefined;
  number: string;
  partyId?: string | undefined;
  partyCode?: string | undefined;
  title: string;
  currency: string;
  total: string;
  signedOn?: string | undefined;
  validFrom: string;
  schedule: MilestoneInput[];
}

export async function createContract(tx: Queryable, actor: Actor, input: ContractInput) {
  requireLedgerWriter(actor);
  const currency = currencyCode(input.currency);
  const entity = await resolveEntity(tx, input.entity);
  const partyId = await findPartyId(tx, input);
  const totalMinor = money(input.total, currency, 'total', { positive: true });
  const schedule = checkSchedule(input.schedule, currency, totalMinor);
  const side = input.side ?? 'AR';
  const dup = await tx.query('SELECT 1 FROM contracts WHERE entity_id = $1 AND side = $2 AND number = $3', [entity.id, side, input.number]);
  if (dup.length) throw invalid('duplicate_number', `contract ${input.number} already exists`, 'number');
  const [c] = await tx.query<{ id: string }>(
    `INSERT INTO contracts (entity_id, side, number, party_id, title, currency, current_version, signed_on)
     VALUES ($1,$2,$3,$4,$5,$6,1,$7) RETURNING id`,
    [entity.id, side, input.number, partyId, input.title, currency, input.signedOn ? isoDate(input.signedOn, 'signedOn') : null],
  );
  await tx.query(
    'INSERT INTO contract_versions (contract_id, version, total_minor, schedule, valid_from) VALUES ($1, 1, $2, $3::jsonb, $4)',
    [c!.id, totalMinor, JSON.stringify(schedule), isoDate(input.validFrom, 'validFrom')],
  );
  await audit(tx, actor, 'contract.create', 'contract', c!.id, null, { number: input.number, total: input.total, currency, schedule });
  return getContract(tx, c!.id);
}

export async function addContractVersion(
  tx: Queryable,
  actor: Actor,
  contractId: string,
  input: { total: string; validFrom: string; schedule: MilestoneInput[]; note?: string | undefined },
) {
  requireLedgerWriter(actor);
  const [c] = await tx.query<{ id: string; currency: string; current_version: number }>(
    'SELECT id, currency, current_version FROM contracts WHERE id = $1 FOR UPDATE',
    [contractId],
  );
  if (!c) throw notFound('contract');
  const totalMinor = money(input.total, c.currency, 'total', { positive: true });
  const schedule = checkSchedule(input.schedule, c.currency, totalMinor);
  const version = c.current_version + 1;
  await tx.query(
    'INSERT INTO contract_versions (contract_id, version, total_minor, schedule, valid_from, note) VALUES ($1,$2,$3,$4::jsonb,$5,$6)',
    [c.id, version, totalMinor, JSON.stringify(schedule), isoDate(input.validFrom, 'validFrom'), input.note ?? null],
  );
  await tx.query('UPDATE contracts SET current_version = $2 WHERE id = $1', [c.id, version]);
  await audit(tx, actor, 'contract.version', 'contract', c.id, { version: c.current_version }, { version, total: input.total, schedule });
  return getContract(tx, c.id);
}

export async function getContract(tx: Queryable, id: string) {
  const [c] = await tx.query<{ id: string; number: string; side: string; title: string; currency: string; current_version: number; signed_on: string | null; party_id: string; party_name: string; entity_code: string }>(
    `SELECT c.id, c.number, c.side, c.title, c.currency, c.current_version, c.signed_on, c.party_id, p.name AS party_name, e.code AS entity_code
       FROM contracts c JOIN parties p ON p.id = c.party_id JOIN entities e ON e.id = c.entity_id WHERE c.id = $1`,
    [id],
  );
  if (!c) throw notFound('contract');
  const versions = await tx.query<{ id: string; version: number; total_minor: bigint; schedule: unknown; valid_from: string; note: string | null; invoice_count: bigint }>(
    `SELECT v.id, v.version, v.total_minor, v.schedule, v.valid_from, v.note,
            (SELECT count(*) FROM invoices i WHERE i.contract_version_id = v.id) AS invoice_count
       FROM contract_versions v WHERE v.contract_id = $1 ORDER BY v.version`,
    [id],
  );
  return {
    id: c.id,
    number: c.number,
    side: c.side,
    entity: c.entity_code,
    title: c.title,
    currency: c.currency,
    partyId: c.party_id,
    partyName: c.party_name,
    currentVersion: c.current_version,
    signedOn: c.signed_on,
    versions: versions.map((v) => ({
      id: v.id,
      version: v.version,
      total: formatAmount(v.total_minor, c.currency),
      schedule: (v.schedule as { amount?: string }[]).map((m) => (m.amount !== undefined ? { ...m, amount: formatAmount(BigInt(m.amount), c.currency) } : m)),
      validFrom: v.valid_from,
      note: v.note,
      invoiceCount: Number(v.invoice_count),
    })),
  };
}

export async function listContracts(tx: Queryable, f: { side: 'AR' | 'AP'; partyId?: string | undefined; q?: string | undefined }, page: Page) {
  const params: unknown[] = [f.side];
  const where = ['c.side = $1'];
  if (f.partyId) {
    params.push(f.partyId);
    where.push(`c.party_id = $${params.length}`);
  }
  if (f.q) {
    params.push(`%${f.q}%`);
    where.push(`(c.number ILIKE $${params.length} OR c.title ILIKE $${params.length} OR p.name ILIKE $${params.length})`);
  }
  const size = Math.min(Math.max(page.pageSize, 1), 500);
  const rows = await tx.query<{ id: string; number: string; title: string; currency: string; current_version: number; signed_on: string | null; party_id: string; party_name: string; total_minor: bigint; total: bigint }>(
    `SELECT c.id, c.number, c.title, c.currency, c.current_version, c.signed_on, c.party_id, p.name AS party_name, v.total_minor,
            count(*) OVER () AS total
       FROM contracts c JOIN parties p ON p.id = c.party_id
       JOIN contract_versions v ON v.contract_id = c.id AND v.version = c.current_version
      WHERE ${where.join(' AND ')} ORDER BY c.signed_on DESC NULLS LAST, c.number LIMIT ${size} OFFSET ${(Math.max(page.page, 1) - 1) * size}`,
    params,
  );
  return {
    items: rows.map((r) => ({
      id: r.id,
      number: r.number,
      title: r.title,
      partyId: r.party_id,
      partyName: r.party_name,
      currency: r.currency,
      total: formatAmount(r.total_minor, r.currency),
      currentVersion: r.current_version,
      signedOn: r.signed_on,
    })),
    total: Number(rows[0]?.total ?? 0n),
    page: page.page,
    pageSize: size,
  };
}
