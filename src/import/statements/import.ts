/**
 * Importing a bank statement into the ledger, in the caller's transaction (all or nothing per
 * file). Credit lines become receipts (side AR), debit lines payments (side AP), through the same
 * createReceipt() use case the API and the UI use. Any format parseStatement() reads: camt.05x,
 * MT940/MT942, BAI2, OFX, and banks' CSV/XLSX statement tables; their control figures (balances,
 * summaries, BAI2 trailer control totals, a table's running balance) decide `statement_unbalanced`.
 *
 *   parse → check balances → plan every line (duplicate? whose money? importable?) → write
 *
 * Who paid is identified by the counterparty's exact bank account (party_bank_accounts), else by
 * its exact name (name, short name or English name; case and spacing ignored), among customers
 * for money in and suppliers for money out. A receipt whose payer is not identified is recorded
 * without a party (收款待认领); a payment needs its supplier, so a debit line whose supplier is not
 * identified is reported and left out — create the supplier (with its bank account) and import
 * the same file again: the lines already imported are recognised and only the missing ones are
 * added. Reversals, lines not booked yet (PDNG/INFO) and zero amounts are reported and left out.
 *
 * A line is recognised again by its fingerprint: our account, booking date, direction, amount,
 * currency, the bank's reference (or, without one, the counterparty account, end-to-end id,
 * transaction reference and remittance) and its occurrence among identical lines of the file.
 * A bank reference already used by a receipt of a different amount or date is a conflict.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../../db/database';
import { type Actor, createdBy, requireLedgerWriter } from '../../services/actor';
import { audit } from '../../services/audit';
import { AppError, forbidden, invalid } from '../../services/errors';
import { resolveEntity } from '../../services/ledger/input';
import { createReceipt } from '../../services/ledger/receipts';
import { FormatError } from '../xml';
import { fromMinor } from './currencies';
import type { Statement, StatementLine } from './model';
import { type ParsedStatement, parseStatement } from './parse';

export interface StatementImportInput {
  /** Entity code; the first entity when omitted. */
  entity?: string;
  filename?: string | null;
  bytes: Uint8Array;
  /** Plan only: report what would happen, write nothing. */
  dryRun?: boolean;
  /** Import even when the statement's balances or summary do not add up (reported either way). */
  acceptMismatch?: boolean;
  maxBytes?: number;
}

export type LineOutcomeKind = 'created' | 'duplicate' | 'rejected';

export interface LineOutcome {
  statementId: string;
  line: number;
  bookingDate: string | null;
  direction: 'credit' | 'debit';
  amount: string;
  currency: string;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  bankReference: string | null;
  outcome: LineOutcomeKind;
  side: 'AR' | 'AP';
  /** The identified party's code; null for a receipt of unknown payer. */
  partyCode: string | null;
  /** How the party was identified. */
  matchedBy: 'account' | 'name' | null;
  /** The receipt created (or found, for a duplicate). */
  receiptNumber: string | null;
  /** Why a line was left out (rejected) or what it duplicates. */
  reason: string | null;
  message: string | null;
}

export interface StatementImportResult {
  importId: string | null;
  dryRun: boolean;
  filename: string | null;
  fileSha256: string;
  format: string;
  version: string | null;
  entity: string;
  statements: {
    id: string;
    account: string;
    currency: string;
    opening: string | null;
    closing: string | null;
    fromDate: string | null;
    toDate: string | null;
    lines: number;
  }[];
  balance: ParsedStatement['check'];
  counts: {
    lines: number;
    created: number;
    receipts: number;
    payments: number;
    duplicates: number;
    /** Receipts created without an identified payer (to be claimed). */
    unidentified: number;
    rejected: number;
  };
  lines: LineOutcome[];
  warnings: string[];
}

/** A FormatError from a parser as the AppError the edges understand (422, its stable code). */
export function formatToAppError(err: unknown): unknown {
  return err instanceof FormatError ? new AppError(err.code === 'file_too_large' ? 413 : 422, err.code, err.message) : err;
}

const norm = {
  account: (s: string) => s.replace(/[\s-]+/g, '').toUpperCase(),
  name: (s: string) => s.normalize('NFKC').replace(/\s+/g, ' ').trim().toLowerCase(),
};

function accountOf(s: Statement): string {
  return s.account.iban ?? s.account.other ?? `statement ${s.id}`;
}

interface PartyRow {
  id: string;
  code: string;
  name: string;
  short_name: string | null;
  name_en: string | null;
  is_customer: boolean;
  is_supplier: boolean;
}

async function partyDirectory(tx: Queryable) {
  const parties = await tx.query<PartyRow>('SELECT id, code, name, short_name, name_en, is_customer, is_supplier FROM parties');
  const accounts = await tx.query<{ party_id: string; account_no: string }>('SELECT party_id, account_no FROM party_bank_accounts');
  const byId = new Map(parties.map((p) => [p.id, p]));
  const byAccount = new Map<string, PartyRow[]>();
  for (const a of accounts) {
    const p = byId.get(a.party_id);
    if (!p) continue;
    const k = norm.account(a.account_no);
    byAccount.set(k, [...(byAccount.get(k) ?? []), p]);
  }
  const byName = new Map<string, PartyRow[]>();
  for (const p of parties) {
    for (const n of new Set([p.name, p.short_name, p.name_en].filter((x): x is string => !!x).map(norm.name))) {
      byName.set(n, [...(byName.get(n) ?? []), p]);
    }
  }
  return {
    /** The one party of the role with this account, else with this name; ambiguity is reported. */
    identify(line: StatementLine, role: 'customer' | 'supplier'): { party: PartyRow | null; by: 'account' | 'name' | null; ambiguous: PartyRow[] } {
      const fits = (p: PartyRow) => (role === 'customer' ? p.is_customer : p.is_supplier);
      const candidates: [('account' | 'name'), PartyRow[]][] = [
        ['account', line.counterpartyAccount ? (byAccount.get(norm.account(line.counterpartyAccount)) ?? []).filter(fits) : []],
        ['name', line.counterpartyName ? (byName.get(norm.name(line.counterpartyName)) ?? []).filter(fits) : []],
      ];
      for (const [by, list] of candidates) {
        const unique = [...new Map(list.map((p) => [p.id, p])).values()];
        if (unique.length === 1) return { party: unique[0]!, by, ambiguous: [] };
        if (unique.length > 1) return { party: null, by: null, ambiguous: unique };
      }
      return { party: null, by: null, ambiguous: [] };
    },
  };
}

function fingerprint(account: string, l: StatementLine): string {
  const identity = l.bankReference
    ? ['ref', l.bankReference]
    : ['noref', l.counterpartyAccount ?? '', l.endToEndId ?? '', l.customerReference ?? '', l.remittance ?? '', l.structuredReference ?? ''];
  return [account, l.bookingDate ?? l.valueDate ?? '', l.direction, l.amountMinor.toString(), l.currency, ...identity].join('\u001f');
}

function remittanceOf(l: StatementLine): string | null {
  const parts = [l.remittance];
  if (l.structuredReference && !l.remittance?.includes(l.structuredReference)) parts.push(`Ref ${l.structuredReference}`);
  if (l.endToEndId) parts.push(`E2E ${l.endToEndId}`);
  const s = parts.filter(Boolean).join(' | ');
  return s ? s.slice(0, 2000) : null;
}

export async function importStatement(tx: Queryable, actor: Actor, input: StatementImportInput): Promise<StatementImportResult> {
  requireLedgerWriter(actor);
  if (actor.scopeRegions !== null || actor.ownCustomersOnly) {
    // A statement carries every customer's and supplier's money; a user limited to some regions or
    // to own customers would create receipts for parties they cannot see.
    throw forbidden('importing bank statements needs a user without a region or own-customer limit');
  }
  let parsed: ParsedStatement;
  try {
    parsed = await parseStatement(input.bytes, input.maxBytes !== undefined ? { maxBytes: input.maxBytes } : {});
  } catch (err) {
    throw formatToAppError(err);
  }
  const entity = await resolveEntity(tx, input.entity);
  if (actor.scopeEntityIds !== null && !actor.scopeEntityIds.includes(entity.id)) throw forbidden(`entity ${entity.code} is outside your data scope`);
  const fileSha256 = createHash('sha256').update(input.bytes).digest('hex');

  if (!parsed.check.ok && !input.acceptMismatch) {
    throw invalid(
      'statement_unbalanced',
      `the statement does not add up, so nothing was imported: ${parsed.check.issues.map((i) => i.message).join('; ')} (import anyway with acceptMismatch / --accept-mismatch)`,
    );
  }
  const enabled = new Set((await tx.query<{ code: string }>('SELECT code FROM currencies')).map((r) => r.code.trim()));
  for (const s of parsed.statements) {
    if (s.lines.length && !enabled.has(s.currency)) {
      throw invalid('currency_not_enabled', `statement ${s.id} is in ${s.currency}, which this ledger does not have (table currencies); add the currency first`);
    }
  }

  // ---- plan ----------------------------------------------------------------------------------
  const directory = await partyDirectory(tx);
  interface Planned {
    outcome: LineOutcome;
    line: StatementLine;
    account: string;
    key: string;
    partyId: string | null;
    /** Receipt to link a recognised line to (a duplicate by bank reference). */
    existingReceiptId: string | null;
    receiptBankReference: string | null;
  }
  const planned: Planned[] = [];
  const occurrences = new Map<string, number>();
  // receipts.bank_reference is unique per entity and side: a reference the bank repeats within one
  // file (split batches, a bank's own reuse) gets "#2", "#3" … on the later lines.
  const referenceUses = new Map<string, number>();
  const receiptReference = (l: StatementLine) => {
    if (!l.bankReference) return null;
    const k = `${l.direction}|${l.bankReference}`;
    const n = (referenceUses.get(k) ?? 0) + 1;
    referenceUses.set(k, n);
    return n > 1 ? `${l.bankReference}#${n}` : l.bankReference;
  };
  for (const s of parsed.statements) {
    const account = accountOf(s);
    for (const l of s.lines) {
      const base = fingerprint(account, l);
      const n = (occurrences.get(base) ?? 0) + 1;
      occurrences.set(base, n);
      const key = createHash('sha256').update(`${base}\u001f#${n}`).digest('hex');
      planned.push({
        line: l,
        account,
        key,
        partyId: null,
        existingReceiptId: null,
        receiptBankReference: receiptReference(l),
        outcome: {
          statementId: s.id,
          line: l.index,
          bookingDate: l.bookingDate ?? l.valueDate,
          direction: l.direction,
          amount: fromMinor(l.amountMinor, l.currency),
          currency: l.currency,
          counterpartyName: l.counterpartyName,
          counterpartyAccount: l.counterpartyAccount,
          bankReference: l.bankReference,
          outcome: 'created',
          side: l.direction === 'credit' ? 'AR' : 'AP',
          partyCode: null,
          matchedBy: null,
          receiptNumber: null,
          reason: null,
          message: null,
        },
      });
    }
  }
  const known = new Map(
    (
      await tx.query<{ line_key: string; number: string }>(
        `SELECT l.line_key, r.number FROM statement_lines l JOIN receipts r ON r.id = l.receipt_id
          WHERE l.entity_id = $1 AND l.line_key = ANY($2::text[])`,
        [entity.id, planned.map((p) => p.key)],
      )
    ).map((r) => [r.line_key, r.number]),
  );
  const refs = [...new Set(planned.map((p) => p.receiptBankReference).filter((r): r is string => !!r))];
  const byReference = new Map(
    (
      await tx.query<{ id: string; side: string; number: string; bank_reference: string; amount_minor: bigint; receipt_date: string; currency: string }>(
        `SELECT id, side, number, bank_reference, amount_minor, receipt_date, currency FROM receipts
          WHERE entity_id = $1 AND bank_reference = ANY($2::text[])`,
        [entity.id, refs],
      )
    ).map((r) => [`${r.side.trim()}|${r.bank_reference}`, r]),
  );
  const reject = (p: Planned, reason: string, message: string) => {
    p.outcome.outcome = 'rejected';
    p.outcome.reason = reason;
    p.outcome.message = message;
  };
  for (const p of planned) {
    const l = p.line;
    const o = p.outcome;
    if (known.has(p.key)) {
      o.outcome = 'duplicate';
      o.reason = 'already_imported';
      o.receiptNumber = known.get(p.key)!;
      o.message = `already imported as ${o.receiptNumber}`;
      continue;
    }
    if (l.status !== 'BOOK') {
      reject(p, 'not_booked', `status ${l.status}: only booked lines are imported`);
      continue;
    }
    if (l.reversal) {
      reject(p, 'reversal', 'a reversal of an earlier booking: reverse the original receipt or allocation by hand');
      continue;
    }
    if (l.amountMinor <= 0n) {
      reject(p, 'zero_amount', 'a line of zero amount is not a receipt or payment');
      continue;
    }
    if (!o.bookingDate) {
      reject(p, 'no_date', 'the line has neither a booking nor a value date');
      continue;
    }
    const role = l.direction === 'credit' ? 'customer' : 'supplier';
    const who = directory.identify(l, role);
    if (who.party) {
      p.partyId = who.party.id;
      o.partyCode = who.party.code;
      o.matchedBy = who.by;
    } else if (o.side === 'AP') {
      if (who.ambiguous.length) {
        reject(p, 'supplier_ambiguous', `several suppliers match ${l.counterpartyName ?? l.counterpartyAccount}: ${who.ambiguous.map((x) => x.code).join(', ')}`);
      } else {
        reject(
          p,
          'supplier_not_identified',
          `no supplier has the account ${l.counterpartyAccount ?? '(none given)'} or the name ${l.counterpartyName ?? '(none given)'}; create it and import the file again`,
        );
      }
      continue;
    } else if (who.ambiguous.length) {
      o.message = `payer not identified: several customers match (${who.ambiguous.map((x) => x.code).join(', ')})`;
    }
    if (p.receiptBankReference) {
      const existing = byReference.get(`${o.side}|${p.receiptBankReference}`);
      if (existing) {
        if (existing.amount_minor === l.amountMinor && existing.receipt_date === o.bookingDate && existing.currency.trim() === l.currency) {
          o.outcome = 'duplicate';
          o.reason = 'same_bank_reference';
          o.receiptNumber = existing.number;
          o.message = `receipt ${existing.number} already has bank reference ${p.receiptBankReference}`;
          p.existingReceiptId = existing.id;
        } else {
          reject(
            p,
            'bank_reference_conflict',
            `bank reference ${p.receiptBankReference} is already used by ${existing.number} (${fromMinor(existing.amount_minor, existing.currency.trim())} on ${existing.receipt_date})`,
          );
        }
      }
    }
  }

  const outcomes = planned.map((p) => p.outcome);
  const created = outcomes.filter((o) => o.outcome === 'created');
  const counts = {
    lines: outcomes.length,
    created: created.length,
    receipts: created.filter((o) => o.side === 'AR').length,
    payments: created.filter((o) => o.side === 'AP').length,
    duplicates: outcomes.filter((o) => o.outcome === 'duplicate').length,
    unidentified: created.filter((o) => o.side === 'AR' && o.partyCode === null).length,
    rejected: outcomes.filter((o) => o.outcome === 'rejected').length,
  };
  const statements = parsed.statements.map((s) => ({
    id: s.id,
    account: accountOf(s),
    currency: s.currency,
    opening: s.opening ? fromMinor(s.opening.amountMinor, s.opening.currency) : null,
    closing: s.closing ? fromMinor(s.closing.amountMinor, s.closing.currency) : null,
    fromDate: s.fromDate,
    toDate: s.toDate,
    lines: s.lines.length,
  }));
  const result: StatementImportResult = {
    importId: null,
    dryRun: !!input.dryRun,
    filename: input.filename ?? null,
    fileSha256,
    format: parsed.format,
    version: parsed.version,
    entity: entity.code,
    statements,
    balance: parsed.check,
    counts,
    lines: outcomes,
    warnings: [...parsed.warnings, ...parsed.statements.flatMap((s) => s.warnings.map((w) => `${s.id}: ${w}`))],
  };
  if (input.dryRun) return result;

  // ---- write ---------------------------------------------------------------------------------
  const [imp] = await tx.query<{ id: string }>(
    `INSERT INTO statement_imports (entity_id, filename, file_sha256, format, statements, balance_ok, check_issues,
                                    created_count, duplicate_count, unidentified_count, rejected_count, created_by)
     VALUES ($1,$2,$3,$4,$5::jsonb,$6,$7::jsonb,$8,$9,$10,$11,$12) RETURNING id`,
    [
      entity.id,
      input.filename ?? null,
      fileSha256,
      parsed.version ? `${parsed.format}.${parsed.version}` : parsed.format,
      JSON.stringify(statements),
      parsed.check.ok,
      JSON.stringify(parsed.check.issues),
      counts.created,
      counts.duplicates,
      counts.unidentified,
      counts.rejected,
      createdBy(actor),
    ],
  );
  result.importId = imp!.id;
  const recordLine = (p: Planned, receiptId: string) =>
    tx.query(
      `INSERT INTO statement_lines (entity_id, import_id, line_key, account, booking_date, direction, amount_minor, currency,
                                    bank_reference, end_to_end_id, receipt_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [entity.id, imp!.id, p.key, p.account, p.outcome.bookingDate, p.line.direction, p.line.amountMinor, p.line.currency, p.receiptBankReference, p.line.endToEndId, receiptId],
    );
  for (const p of planned) {
    if (p.outcome.outcome === 'duplicate' && p.existingReceiptId) {
      await recordLine(p, p.existingReceiptId);
      continue;
    }
    if (p.outcome.outcome !== 'created') continue;
    const l = p.line;
    const receipt = await createReceipt(tx, actor, {
      entity: entity.code,
      side: p.outcome.side,
      ...(p.partyId ? { partyId: p.partyId } : {}),
      receiptDate: p.outcome.bookingDate!,
      currency: l.currency,
      amount: p.outcome.amount,
      method: 'bank_transfer',
      bankAccount: p.account,
      counterpartyName: l.counterpartyName,
      counterpartyAccount: l.counterpartyAccount,
      remittance: remittanceOf(l),
      bankReference: p.receiptBankReference,
    });
    p.outcome.receiptNumber = receipt.number;
    await recordLine(p, receipt.id);
  }
  await audit(tx, actor, 'statement.import', 'statement_import', imp!.id, null, {
    filename: input.filename ?? null,
    fileSha256,
    format: result.format,
    statements: statements.map((s) => ({ id: s.id, account: s.account, opening: s.opening, closing: s.closing })),
    balanceOk: parsed.check.ok,
    counts,
  });
  return result;
}
