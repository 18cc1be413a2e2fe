/**
 * Sales contracts (AR) and purchase contracts (AP), one row per contract, posted through
 * createContract. Matched by number within the entity and side. A contract is versioned, not
 * edited: re-importing the same terms is "unchanged"; a new total or payment schedule is
 * "updated" as a new version (addContractVersion, valid from the row's 生效日期), so invoices
 * issued under the old terms keep pointing at them. Another party or currency is an error.
 *
 * The payment schedule (付款计划) is read from the compact form contract ledgers use
 * ("预付款 30% 0天; 到货款 60% 30天; 质保金 10% 12个月", see parseSchedule); without one, the whole
 * amount falls due after the file's payment terms, else the party's.
 */
import type { Queryable } from '../../db/database';
import { todayIso } from '../../domain/dates';
import { formatAmount } from '../../domain/money';
import type { Actor } from '../../services/actor';
import { addContractVersion, createContract, type MilestoneInput } from '../../services/ledger/contracts';
import { parseCode, parseCurrency, parseDate, parseDays, parseMoney, parseSchedule, parseText, type ScheduleItem } from '../tabular/values';
import { actorIsScoped, EntityCache, KeySet, loadDocumentRefs, partyWord, resolveDocumentRef } from './common';
import { FieldReader, type FieldError, type ImportEnv, type KindHandler, type KindState, type MappedRow, type Outcome, reject, type Row } from './types';

export interface ContractValue {
  number: string;
  entityCode: string | null;
  partyCode: string | null;
  partyName: string | null;
  title: string | null;
  currency: string;
  totalMinor: bigint;
  signedOn: string | null;
  validFrom: string;
  termsDays: number | null;
  schedule: ScheduleItem[] | null;
}

export type ContractPlan =
  | { kind: 'create'; entityCode: string; partyId: string; schedule: MilestoneInput[] }
  | { kind: 'version'; contractId: string; schedule: MilestoneInput[] };

export class ContractState implements KindState {
  entities = new EntityCache();
  seen = KeySet.empty();
  clone(): this {
    const c = new ContractState() as this;
    c.entities = this.entities.copy();
    c.seen = this.seen.branch();
    return c;
  }
}

function parse(row: MappedRow, env: ImportEnv): { value: ContractValue; errors?: undefined } | { value?: undefined; errors: FieldError[] } {
  const r = new FieldReader(row);
  const number = r.required('number', 'the contract number (合同编号)', (c) => parseCode(c, 64));
  const entityCode = r.read('entity', (c) => parseCode(c, 32));
  const partyCode = r.read('partyCode', (c) => parseCode(c, 64));
  const partyName = r.read('partyName', (c) => parseText(c, 200));
  if (!partyCode && !partyName && !r.errors.some((e) => e.field === 'partyCode' || e.field === 'partyName')) {
    r.fail(row.has('partyCode') ? 'partyCode' : 'partyName', 'required', `the ${partyWord(env.side)} code or name is required`);
  }
  const title = r.read('title', (c) => parseText(c, 200));
  const currency = r.read('currency', parseCurrency) ?? env.entity.baseCurrency;
  const total = r.required('total', 'the contract amount (合同金额)', (c) => parseMoney(c, currency));
  if (total && total.minor <= 0n) r.fail('total', 'total_not_positive', 'the contract amount must be greater than zero');
  const signedOn = r.read('signedOn', parseDate);
  const validFrom = r.read('validFrom', parseDate) ?? signedOn;
  if (!validFrom && !r.errors.some((e) => e.field === 'signedOn' || e.field === 'validFrom')) {
    r.fail(row.has('validFrom') ? 'validFrom' : 'signedOn', 'required', 'the signing date (签订日期) or the start date (生效日期) is required');
  }
  const termsDays = r.read('paymentTerms', parseDays);
  const schedule = r.read('schedule', parseSchedule);
  if (r.errors.length || number === null || total === null || validFrom === null) return { errors: r.errors };
  return {
    value: { number, entityCode, partyCode, partyName, title, currency, totalMinor: total.minor, signedOn, validFrom, termsDays, schedule },
  };
}

/** The schedule as the contract service takes it; one milestone at the terms when none is given. */
function milestones(v: ContractValue, partyTermsDays: number): MilestoneInput[] {
  if (!v.schedule) return [{ name: '全款', percent: '100', dueRule: { kind: 'days_after_invoice', days: v.termsDays ?? partyTermsDays } }];
  return v.schedule.map((m) => ({ name: m.name, ...(m.percent !== null ? { percent: m.percent } : { amount: m.amount ?? '0' }), dueRule: m.dueRule }));
}

/** A schedule in a comparable form: amounts in minor units of the currency, percents as written. */
function scheduleKey(schedule: unknown, currency: string, total: bigint): string {
  // Field by field: a schedule read back from jsonb has its keys in another order.
  const items = (schedule as { name: string; percent?: string; amount?: string; dueRule: { kind: string; days?: number; months?: number; date?: string } }[]).map((m) => [
    m.name,
    m.percent !== undefined ? `${Number(m.percent)}%` : m.amount,
    m.dueRule.kind,
    m.dueRule.days ?? m.dueRule.months ?? m.dueRule.date ?? null,
  ]);
  return JSON.stringify({ currency, total: total.toString(), items });
}

interface ExistingContract {
  id: string;
  number: string;
  entity_id: string;
  party_id: string;
  party_code: string;
  currency: string;
  total_minor: bigint;
  schedule: unknown;
  version: number;
}

async function check(tx: Queryable, actor: Actor, rows: Row<ContractValue>[], state: ContractState, env: ImportEnv): Promise<Outcome<ContractPlan>[]> {
  const parties = await loadDocumentRefs(tx, rows, state.entities);
  const existing = await tx.query<ExistingContract>(
    `SELECT c.id, c.number, c.entity_id, c.party_id, p.code AS party_code, c.currency, v.total_minor, v.schedule, v.version
       FROM contracts c JOIN parties p ON p.id = c.party_id
       JOIN contract_versions v ON v.contract_id = c.id AND v.version = c.current_version
      WHERE c.entity_id = ANY($1::uuid[]) AND c.side = $2 AND c.number = ANY($3::text[])`,
    [state.entities.ids(env), env.side, rows.map((r) => r.value.number)],
  );
  const byKey = new Map(existing.map((e) => [`${e.entity_id}|${e.number}`, e]));
  const scoped = actorIsScoped(actor);
  const out: Outcome<ContractPlan>[] = [];
  for (const { value: v } of rows) {
    const ref = resolveDocumentRef(v, parties, state.entities, env, actor);
    if (ref.error) {
      out.push({ action: 'reject', errors: [ref.error] });
      continue;
    }
    const { entity, party } = ref;
    const key = `${entity.id}|${v.number}`;
    if (state.seen.has(key)) {
      out.push(reject('number', 'duplicate_in_file', `contract ${v.number} appears twice in the file`));
      continue;
    }
    const schedule = milestones(v, party.payment_terms_days);
    const current = byKey.get(key);
    if (current) {
      if (current.party_id !== party.id || current.currency !== v.currency) {
        out.push(
          reject(
            'number',
            'contract_differs',
            `contract ${v.number} belongs to ${current.party_code} in ${current.currency}; another party or currency is a new contract, not a new version`,
          ),
        );
        continue;
      }
      state.seen.add(key);
      // The file's schedule in the service's stored form, to compare with the current version.
      const stored = schedule.map((m) =>
        m.percent !== undefined ? { name: m.name, percent: m.percent, dueRule: m.dueRule } : { name: m.name, amount: String(parseMoney(m.amount ?? '', v.currency).value?.minor ?? ''), dueRule: m.dueRule },
      );
      const same = scheduleKey(stored, v.currency, v.totalMinor) === scheduleKey(current.schedule, current.currency, current.total_minor);
      if (same || !v.schedule) {
        if (current.total_minor === v.totalMinor) {
          out.push({ action: 'unchanged' });
          continue;
        }
      }
      const changes = [current.total_minor !== v.totalMinor ? `total ${formatAmount(current.total_minor, current.currency)} → ${formatAmount(v.totalMinor, v.currency)}` : null, same ? null : 'payment schedule'].filter(
        (x): x is string => x !== null,
      );
      // No schedule in the file: a schedule in percents carries over to the new total.
      const carried = current.schedule as MilestoneInput[];
      const next = !v.schedule && carried.every((m) => m.percent !== undefined) ? carried : schedule;
      out.push({ action: 'update', plan: { kind: 'version', contractId: current.id, schedule: next }, changes: [`new version ${current.version + 1}: ${changes.join(', ')}`] });
      continue;
    }
    if (scoped) {
      const [taken] = await tx.query<{ n: bigint }>('SELECT count(*) AS n FROM contracts WHERE entity_id = $1 AND side = $2 AND number = $3', [entity.id, env.side, v.number]);
      if (taken && taken.n > 0n) {
        out.push(reject('number', 'number_taken', `contract ${v.number} exists outside your data scope`));
        continue;
      }
    }
    state.seen.add(key);
    out.push({ action: 'create', plan: { kind: 'create', entityCode: entity.code, partyId: party.id, schedule } });
  }
  return out;
}

async function write(tx: Queryable, actor: Actor, { value: v }: Row<ContractValue>, outcome: { action: 'create' | 'update'; plan: ContractPlan }, _state: ContractState, env: ImportEnv): Promise<void> {
  const { plan } = outcome;
  const total = formatAmount(v.totalMinor, v.currency);
  if (plan.kind === 'version') {
    await addContractVersion(tx, actor, plan.contractId, { total, validFrom: v.validFrom ?? todayIso(), schedule: plan.schedule, note: `导入 ${env.fileName}`.slice(0, 500) });
    return;
  }
  await createContract(tx, actor, {
    entity: plan.entityCode,
    side: env.side,
    number: v.number,
    partyId: plan.partyId,
    title: v.title ?? v.number,
    currency: v.currency,
    total,
    ...(v.signedOn ? { signedOn: v.signedOn } : {}),
    validFrom: v.validFrom,
    schedule: plan.schedule,
  });
}

export const contractsHandler: KindHandler<ContractValue, ContractPlan, ContractState> = {
  parse,
  key: (v) => ({ key: `${v.entityCode ?? ''}|${v.number}`, field: 'number', text: v.number }),
  newState: () => new ContractState(),
  check,
  write,
};
