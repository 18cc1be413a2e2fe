/**
 * Receipts (money in, AR) and payments (money out, AP), posted through createReceipt. Matched by
 * bank reference (银行流水号) when the row has one, else by document number. A row may name the
 * invoices it settles (核销发票号, several separated by , 、 ; / or spaces): they are allocated
 * through allocateReceipt, oldest due installment first, up to the receipt's amount; the rest stays
 * unapplied. Re-importing a receipt whose invoices are all allocated is "unchanged"; one that is
 * posted but not yet allocated to a listed invoice gets that allocation ("updated").
 */
import type { Queryable } from '../../db/database';
import { type OpenInstallment, planOldestFirst } from '../../domain/ledger';
import { formatAmount } from '../../domain/money';
import { type Actor, createdBy, requireLedgerWriter } from '../../services/actor';
import { audit } from '../../services/audit';
import { allocateReceipt } from '../../services/ledger/allocations';
import { createReceipt } from '../../services/ledger/receipts';
import { parseCode, parseCurrency, parseDate, parseList, parseMethod, parseMoney, parseText } from '../tabular/values';
import { actorIsScoped, EntityCache, lookupParties, numberTaken, resolveParty, roleError, KeySet } from './common';
import { type BatchInfo, FieldReader, type FieldError, type ImportEnv, type KindHandler, type KindState, type MappedRow, type Outcome, reject, type Row } from './types';

export interface ReceiptValue {
  number: string | null;
  bankReference: string | null;
  entityCode: string | null;
  partyCode: string | null;
  partyName: string | null;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  bankAccount: string | null;
  date: string;
  currency: string;
  amountMinor: bigint;
  method: 'bank_transfer' | 'cash' | 'draft' | 'card' | 'other' | null;
  remittance: string | null;
  settles: { token: string; slashed: boolean }[];
}

export interface ReceiptPlan {
  entityCode: string;
  partyId: string | null;
  /** The posted receipt when the row only adds allocations. */
  receiptId: string | null;
  lines: { installmentId: string; amountMinor: bigint }[];
  invoices: string[];
}

export class ReceiptState implements KindState {
  entities = new EntityCache();
  /** Amount each installment has been allocated by earlier rows of this file. */
  consumed = new Map<string, bigint>();
  /** entity id | number and entity id | bank reference of the rows accepted so far. */
  seen = KeySet.empty();
  clone(): this {
    const c = new ReceiptState() as this;
    c.entities = this.entities.copy();
    c.consumed = new Map(this.consumed);
    c.seen = this.seen.branch();
    return c;
  }
}

function parse(row: MappedRow, env: ImportEnv): { value: ReceiptValue; errors?: undefined } | { value?: undefined; errors: FieldError[] } {
  const r = new FieldReader(row);
  const number = r.read('number', (c) => parseCode(c, 64));
  const bankReference = r.read('bankReference', (c) => parseCode(c, 100));
  if (!number && !bankReference && !r.errors.length) {
    r.fail(row.has('bankReference') ? 'bankReference' : 'number', 'key_required', 'a bank reference (银行流水号) or a document number is required, so that a re-import finds the same receipt');
  }
  const entityCode = r.read('entity', (c) => parseCode(c, 32));
  const partyCode = r.read('partyCode', (c) => parseCode(c, 64));
  const partyName = r.read('partyName', (c) => parseText(c, 200));
  const counterpartyName = r.read('counterpartyName', (c) => parseText(c, 200));
  const counterpartyAccount = r.read('counterpartyAccount', (c) => parseCode(c, 64));
  const bankAccount = r.read('bankAccount', (c) => parseCode(c, 64));
  const date = r.required('receiptDate', env.side === 'AR' ? 'the receipt date (收款日期)' : 'the payment date (付款日期)', parseDate);
  const currency = r.read('currency', parseCurrency) ?? env.entity.baseCurrency;
  const amount = r.required('amount', 'the amount', (c) => parseMoney(c, currency));
  if (amount && amount.minor <= 0n) r.fail('amount', 'amount_not_positive', 'the amount must be greater than zero');
  const method = r.read('method', parseMethod);
  const remittance = r.read('remittance', (c) => parseText(c, 1000));
  const settles = r.read('settles', parseList) ?? [];
  if (r.errors.length || date === null || amount === null) return { errors: r.errors };
  return {
    value: {
      number,
      bankReference,
      entityCode,
      partyCode,
      partyName,
      counterpartyName,
      counterpartyAccount,
      bankAccount,
      date,
      currency,
      amountMinor: amount.minor,
      method,
      remittance,
      settles,
    },
  };
}

interface ExistingReceipt {
  id: string;
  number: string;
  bank_reference: string | null;
  entity_id: string;
  party_id: string | null;
  party_code: string | null;
  receipt_date: string;
  currency: string;
  amount_minor: bigint;
  allocated_minor: bigint;
}

interface InvoiceInstallment {
  invoice_id: string;
  number: string;
  entity_id: string;
  kind: string;
  party_id: string;
  parent_id: string | null;
  currency: string;
  issue_date: string;
  installment_id: string;
  due_date: string;
  amount_minor: bigint;
  allocated_minor: bigint;
}

async function check(tx: Queryable, actor: Actor, rows: Row<ReceiptValue>[], state: ReceiptState, env: ImportEnv): Promise<Outcome<ReceiptPlan>[]> {
  await state.entities.load(tx, rows.flatMap((r) => (r.value.entityCode ? [r.value.entityCode] : [])));
  const parties = await lookupParties(
    tx,
    rows.flatMap((r) => (r.value.partyCode ? [r.value.partyCode] : [])),
    rows.flatMap((r) => [r.value.partyName, r.value.counterpartyName].filter((n): n is string => !!n)),
  );
  const receipts = await tx.query<ExistingReceipt>(
    `SELECT r.id, r.number, r.bank_reference, r.entity_id, r.party_id, p.code AS party_code, r.receipt_date, r.currency,
            r.amount_minor, r.allocated_minor
       FROM receipts r LEFT JOIN parties p ON p.id = r.party_id
      WHERE r.entity_id = ANY($1::uuid[]) AND r.side = $2 AND (r.bank_reference = ANY($3::text[]) OR r.number = ANY($4::text[]))`,
    [
      state.entities.ids(env),
      env.side,
      rows.flatMap((r) => (r.value.bankReference ? [r.value.bankReference] : [])),
      rows.flatMap((r) => (r.value.number ? [r.value.number] : [])),
    ],
  );
  const byRef = new Map(receipts.filter((r) => r.bank_reference).map((r) => [`${r.entity_id}|${r.bank_reference}`, r]));
  const byNumber = new Map(receipts.map((r) => [`${r.entity_id}|${r.number}`, r]));
  const allocatedFrom = new Map<string, Set<string>>();
  if (receipts.length) {
    const done = await tx.query<{ receipt_id: string; number: string }>(
      `SELECT a.source_receipt_id AS receipt_id, i.number
         FROM allocations a JOIN installments n ON n.id = a.target_installment_id JOIN invoices i ON i.id = n.invoice_id
        WHERE a.source_receipt_id = ANY($1::uuid[]) GROUP BY 1, 2 HAVING sum(a.amount_minor) > 0`,
      [receipts.map((r) => r.id)],
    );
    for (const d of done) allocatedFrom.set(d.receipt_id, (allocatedFrom.get(d.receipt_id) ?? new Set()).add(d.number));
  }
  const tokens = new Set<string>();
  for (const { value } of rows) {
    for (const t of value.settles) {
      tokens.add(t.token);
      if (t.slashed) for (const part of t.token.split('/')) if (part) tokens.add(part);
    }
  }
  const installments = tokens.size
    ? await tx.query<InvoiceInstallment>(
        `SELECT i.id AS invoice_id, i.number, i.entity_id, i.kind, i.party_id, p.parent_id, i.currency, i.issue_date,
                n.id AS installment_id, n.due_date, n.amount_minor, n.allocated_minor
           FROM invoices i JOIN installments n ON n.invoice_id = i.id JOIN parties p ON p.id = i.party_id
          WHERE i.entity_id = ANY($1::uuid[]) AND i.side = $2 AND i.number = ANY($3::text[])`,
        [state.entities.ids(env), env.side, [...tokens]],
      )
    : [];
  const invoicesByKey = new Map<string, InvoiceInstallment[]>();
  for (const n of installments) {
    const k = `${n.entity_id}|${n.number}`;
    invoicesByKey.set(k, [...(invoicesByKey.get(k) ?? []), n]);
  }
  const scoped = actorIsScoped(actor);

  const out: Outcome<ReceiptPlan>[] = [];
  for (const { value: v } of rows) {
    const e = state.entities.resolve(v.entityCode, env, actor);
    if (e.error) {
      out.push({ action: 'reject', errors: [e.error] });
      continue;
    }
    const entity = e.entity;

    // The payer: by code, else by the party name, else the bank's counterparty name if it is
    // exactly a party's name. An AR receipt may stay without a payer (认领 later).
    let party = resolveParty(parties, v.partyCode, v.partyName, env.side);
    if (!party.error && !party.party && v.counterpartyName) {
      const named = parties.byName.get(v.counterpartyName) ?? [];
      if (named.length === 1) party = { party: named[0]! };
    }
    if (party.error) {
      out.push({ action: 'reject', errors: [party.error] });
      continue;
    }
    const payer = party.party;
    if (payer) {
      const role = roleError(payer, env.side, v.partyCode ? 'partyCode' : 'partyName');
      if (role) {
        out.push({ action: 'reject', errors: [role] });
        continue;
      }
    } else if (env.side === 'AP') {
      out.push(reject(v.partyCode !== null || v.partyName !== null ? 'partyCode' : 'counterpartyName', 'party_required', 'a payment needs its supplier (供应商编码 or a name that is a supplier)'));
      continue;
    }

    const refKey = v.bankReference ? `${entity.id}|${v.bankReference}` : null;
    const numberKey = v.number ? `${entity.id}|${v.number}` : null;
    if ((refKey && state.seen.has(`ref|${refKey}`)) || (numberKey && state.seen.has(`no|${numberKey}`))) {
      out.push(reject(refKey ? 'bankReference' : 'number', 'duplicate_in_file', `${v.bankReference ?? v.number} appears twice in the file`));
      continue;
    }
    const posted = refKey ? byRef.get(refKey) : numberKey ? byNumber.get(numberKey) : undefined;
    if (posted) {
      const diffs: string[] = [];
      if (v.number && posted.number !== v.number) diffs.push(`number ${posted.number}`);
      if (posted.receipt_date !== v.date) diffs.push(`date ${posted.receipt_date}`);
      if (posted.currency !== v.currency) diffs.push(`currency ${posted.currency}`);
      else if (posted.amount_minor !== v.amountMinor) diffs.push(`amount ${formatAmount(posted.amount_minor, posted.currency)}`);
      if (payer && posted.party_id !== payer.id) diffs.push(`payer ${posted.party_code ?? '(unknown)'}`);
      if (!v.bankReference && posted.bank_reference) diffs.push(`bank reference ${posted.bank_reference}`);
      if (diffs.length) {
        out.push(reject(refKey ? 'bankReference' : 'number', 'posted_receipt_differs', `posted ${v.bankReference ?? v.number} differs (${diffs.join(', ')}); a posted receipt cannot change`));
        continue;
      }
    } else if (numberKey && byNumber.has(numberKey)) {
      out.push(reject('number', 'duplicate_number', `document number ${v.number} is already used by receipt with bank reference ${byNumber.get(numberKey)!.bank_reference ?? '(none)'}`));
      continue;
    } else if (scoped && v.number && (await numberTaken(tx, 'receipts', entity.id, env.side, v.number))) {
      out.push(reject('number', 'number_taken', `document number ${v.number} is already used by a document outside your data scope`));
      continue;
    }

    // Invoices to settle, minus those this receipt already settles.
    const already = posted ? (allocatedFrom.get(posted.id) ?? new Set<string>()) : new Set<string>();
    const listed: InvoiceInstallment[][] = [];
    const errors: FieldError[] = [];
    for (const t of v.settles) {
      const whole = invoicesByKey.get(`${entity.id}|${t.token}`);
      const parts = whole ? [t.token] : t.slashed ? t.token.split('/').filter(Boolean) : [t.token];
      for (const number of parts) {
        const inst = invoicesByKey.get(`${entity.id}|${number}`);
        if (!inst) {
          errors.push({ field: 'settles', code: 'unknown_invoice', message: `unknown invoice ${number} (发票不存在)` });
          continue;
        }
        if (!already.has(number) && !listed.some((l) => l[0]!.number === number)) listed.push(inst);
      }
    }
    if (errors.length) {
      out.push({ action: 'reject', errors });
      continue;
    }
    let lines: { installmentId: string; amountMinor: bigint }[] = [];
    if (listed.length) {
      const problem = settleProblem(listed, payer?.id ?? null, v.currency, state);
      if (problem) {
        out.push({ action: 'reject', errors: [problem] });
        continue;
      }
      const unapplied = posted ? posted.amount_minor - posted.allocated_minor : v.amountMinor;
      if (unapplied <= 0n) {
        out.push(reject('settles', 'receipt_fully_allocated', `the receipt is already fully allocated; it cannot also settle ${listed.map((l) => l[0]!.number).join(', ')}`));
        continue;
      }
      const candidates: OpenInstallment[] = listed.flat().map((n) => ({
        installmentId: n.installment_id,
        currency: n.currency,
        amountMinor: n.amount_minor,
        allocatedMinor: n.allocated_minor + (state.consumed.get(n.installment_id) ?? 0n),
        dueDate: n.due_date,
        issueDate: n.issue_date,
      }));
      lines = planOldestFirst(unapplied, candidates);
    }

    if (refKey) state.seen.add(`ref|${refKey}`);
    if (numberKey) state.seen.add(`no|${numberKey}`);
    for (const l of lines) state.consumed.set(l.installmentId, (state.consumed.get(l.installmentId) ?? 0n) + l.amountMinor);
    const plan: ReceiptPlan = {
      entityCode: entity.code,
      partyId: payer?.id ?? null,
      receiptId: posted?.id ?? null,
      lines,
      invoices: listed.map((l) => l[0]!.number),
    };
    if (!posted) out.push({ action: 'create', plan });
    else if (lines.length) out.push({ action: 'update', plan, changes: plan.invoices.map((n) => `allocate ${n}`) });
    else out.push({ action: 'unchanged' });
  }
  return out;
}

/** Why the listed invoices cannot be settled by this receipt, or null. */
function settleProblem(listed: InvoiceInstallment[][], payerId: string | null, currency: string, state: ReceiptState): FieldError | null {
  for (const inst of listed) {
    const first = inst[0]!;
    if (first.kind !== 'invoice') return { field: 'settles', code: 'allocation_target_not_invoice', message: `${first.number} is a credit note, not an invoice` };
    if (!payerId) return { field: 'settles', code: 'party_required', message: `give the payer (客户编码) to settle ${first.number}` };
    // A head office may pay for its subsidiaries: the invoice's party or its parent.
    if (first.party_id !== payerId && first.parent_id !== payerId) {
      return { field: 'settles', code: 'allocation_party_mismatch', message: `${first.number} belongs to another party` };
    }
    if (first.currency !== currency) {
      return { field: 'settles', code: 'currency_mismatch', message: `${first.number} is in ${first.currency}; allocations across currencies need a rate (allocate them in Shoufu)` };
    }
    const open = inst.reduce((s, n) => s + n.amount_minor - n.allocated_minor - (state.consumed.get(n.installment_id) ?? 0n), 0n);
    if (open <= 0n) return { field: 'settles', code: 'invoice_already_paid', message: `${first.number} has nothing left to allocate (已核销完毕)` };
  }
  return null;
}

async function write(tx: Queryable, actor: Actor, { rowNo, value: v }: Row<ReceiptValue>, outcome: { action: 'create' | 'update'; plan: ReceiptPlan }, _state: ReceiptState, env: ImportEnv): Promise<void> {
  const { plan } = outcome;
  let receiptId = plan.receiptId;
  if (!receiptId) {
    const created = await createReceipt(tx, actor, {
      entity: plan.entityCode,
      side: env.side,
      ...(v.number ? { number: v.number } : {}),
      ...(plan.partyId ? { partyId: plan.partyId } : {}),
      receiptDate: v.date,
      currency: v.currency,
      amount: formatAmount(v.amountMinor, v.currency),
      ...(v.method ? { method: v.method } : {}),
      bankAccount: v.bankAccount,
      counterpartyName: v.counterpartyName,
      counterpartyAccount: v.counterpartyAccount,
      remittance: v.remittance,
      bankReference: v.bankReference,
    });
    receiptId = created.id;
  }
  if (plan.lines.length) {
    await allocateReceipt(tx, actor, {
      receiptId,
      lines: plan.lines.map((l) => ({ installmentId: l.installmentId, amount: formatAmount(l.amountMinor, v.currency) })),
      method: 'import',
      reason: `导入 ${env.fileName} 第 ${rowNo} 行`.slice(0, 500),
    });
  }
}

/**
 * New receipts that settle nothing, set-based: numbers drawn from the sequence in one statement,
 * one INSERT … SELECT FROM unnest(…), and one audit entry listing every receipt. Rows that
 * allocate (or only add allocations to a posted receipt) go through write() one by one.
 */
async function writeBatch(
  tx: Queryable,
  actor: Actor,
  rows: { row: Row<ReceiptValue>; outcome: { action: 'create' | 'update'; plan: ReceiptPlan } }[],
  state: ReceiptState,
  env: ImportEnv,
  batch: BatchInfo,
): Promise<void> {
  requireLedgerWriter(actor);
  const simple = rows.filter((r) => !r.outcome.plan.receiptId && r.outcome.plan.lines.length === 0);
  if (simple.length) {
    const entities = await tx.query<{ id: string; code: string }>('SELECT id, code FROM entities WHERE code = ANY($1::text[])', [[...new Set(simple.map((r) => r.outcome.plan.entityCode))]]);
    const entityId = new Map(entities.map((e) => [e.code, e.id]));
    const unnumbered = simple.filter((r) => !r.row.value.number).length;
    const drawn = unnumbered
      ? (await tx.query<{ n: bigint }>("SELECT nextval('receipt_number_seq') AS n FROM generate_series(1, $1::int)", [unnumbered])).map((r) => r.n)
      : [];
    const prefix = env.side === 'AR' ? 'RC' : 'PY';
    let next = 0;
    const cols = {
      entity: [] as string[],
      number: [] as string[],
      party: [] as (string | null)[],
      date: [] as string[],
      currency: [] as string[],
      amount: [] as string[],
      method: [] as string[],
      bankAccount: [] as (string | null)[],
      counterpartyName: [] as (string | null)[],
      counterpartyAccount: [] as (string | null)[],
      remittance: [] as (string | null)[],
      bankReference: [] as (string | null)[],
    };
    const documents: unknown[] = [];
    for (const { row, outcome } of simple) {
      const v = row.value;
      const id = entityId.get(outcome.plan.entityCode);
      if (!id) throw new Error(`entity ${outcome.plan.entityCode} vanished during the import`);
      const number = v.number ?? `${prefix}${v.date.slice(2, 4)}-${drawn[next++]!.toString().padStart(6, '0')}`;
      cols.entity.push(id);
      cols.number.push(number);
      cols.party.push(outcome.plan.partyId);
      cols.date.push(v.date);
      cols.currency.push(v.currency);
      cols.amount.push(v.amountMinor.toString());
      cols.method.push(v.method ?? 'bank_transfer');
      cols.bankAccount.push(v.bankAccount);
      cols.counterpartyName.push(v.counterpartyName);
      cols.counterpartyAccount.push(v.counterpartyAccount);
      cols.remittance.push(v.remittance);
      cols.bankReference.push(v.bankReference);
      documents.push({ number, partyId: outcome.plan.partyId, receiptDate: v.date, currency: v.currency, amount: formatAmount(v.amountMinor, v.currency), bankReference: v.bankReference });
    }
    const ids = await tx.query<{ id: string; number: string }>(
      `INSERT INTO receipts (entity_id, side, number, party_id, receipt_date, currency, amount_minor, method, bank_account,
                            counterparty_name, counterparty_account, remittance, bank_reference, created_by)
       SELECT t.entity_id, $1, t.number, t.party_id, t.receipt_date, t.currency, t.amount, t.method, t.bank_account,
              t.counterparty_name, t.counterparty_account, t.remittance, t.bank_reference, $2
         FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::date[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
           AS t(entity_id, number, party_id, receipt_date, currency, amount, method, bank_account, counterparty_name, counterparty_account, remittance, bank_reference)
       RETURNING id, number`,
      [
        env.side,
        createdBy(actor),
        cols.entity,
        cols.number,
        cols.party,
        cols.date,
        cols.currency,
        cols.amount,
        cols.method,
        cols.bankAccount,
        cols.counterpartyName,
        cols.counterpartyAccount,
        cols.remittance,
        cols.bankReference,
      ],
    );
    const idOf = new Map(ids.map((r) => [r.number, r.id]));
    await audit(tx, actor, env.side === 'AR' ? 'receipt.import' : 'payment.import', 'import_batch', batch.runId ? `${batch.runId}:${batch.firstRow}` : null, null, {
      file: env.fileName,
      rows: { first: batch.firstRow, last: batch.lastRow },
      side: env.side,
      count: documents.length,
      documents: documents.map((d) => ({ id: idOf.get((d as { number: string }).number) ?? null, ...(d as object) })),
    });
  }
  for (const r of rows) {
    if (simple.includes(r)) continue;
    await write(tx, actor, r.row, r.outcome, state, env);
  }
}

export const receiptsHandler: KindHandler<ReceiptValue, ReceiptPlan, ReceiptState> = {
  parse,
  writeBatch,
  key: (v) => (v.bankReference ? { key: `ref|${v.entityCode ?? ''}|${v.bankReference}`, field: 'bankReference', text: v.bankReference } : { key: `no|${v.entityCode ?? ''}|${v.number}`, field: 'number', text: v.number ?? '' }),
  newState: () => new ReceiptState(),
  check,
  write,
};

