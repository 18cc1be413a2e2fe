/**
 * The normalized bank statement every parser produces, and the checks that compare a statement
 * with its own control figures (opening + credits − debits = closing; the bank's transaction
 * summary). Amounts are bigint minor units of the statement currency. Pure: no I/O.
 */
import { fromMinor } from './currencies';

export type StatementFormat = 'camt.052' | 'camt.053' | 'camt.054' | 'mt940' | 'mt942' | 'bai2' | 'ofx' | 'csv' | 'xlsx';

export interface Balance {
  /** Signed: a debit (overdrawn) balance is negative. */
  amountMinor: bigint;
  currency: string;
  date: string | null;
  /** OPBD/CLBD/PRCD/ITBD… for camt, 60F/60M/62F/62M for MT940, 010/015 for BAI2, LEDGERBAL for OFX, 期初余额/期末余额/余额 for tables. */
  type: string;
}

export interface StatementLine {
  /** 1-based position in the statement, after expanding entries into their transaction details. */
  index: number;
  /** 1-based number of the bank entry (camt Ntry, MT940 :61:) this line comes from. */
  entryIndex: number;
  direction: 'credit' | 'debit';
  /** Always positive (or zero); the direction says which way the money went. */
  amountMinor: bigint;
  currency: string;
  bookingDate: string | null;
  valueDate: string | null;
  /** A reversal (camt RvslInd, MT940 RC/RD) undoes an earlier booking. */
  reversal: boolean;
  /** BOOK, PDNG, INFO (camt); MT940 lines are booked. */
  status: string;
  /**
   * The bank's reference for this line (camt AcctSvcrRef, MT940 //reference), made unique within
   * the file: an entry split into several transaction details gets "/1", "/2" … appended.
   */
  bankReference: string | null;
  /** The entry's own reference as the bank sent it, before any suffix. */
  entryReference: string | null;
  endToEndId: string | null;
  /** MT940 customer reference / camt InstrId or TxId. */
  customerReference: string | null;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  counterpartyBic: string | null;
  /** Unstructured remittance lines joined with a space. */
  remittance: string | null;
  /** Structured creditor reference (camt Strd/CdtrRefInf/Ref, e.g. ISO 11649 RF…). */
  structuredReference: string | null;
  /** Bank transaction code: camt Domn/Fmly/SubFmly or proprietary, MT940 type + GV code. */
  transactionCode: string | null;
  additionalInfo: string | null;
}

export interface Statement {
  /** camt Stmt/Id, MT940 :20:. */
  id: string;
  /** camt ElctrncSeqNb/LglSeqNb, MT940 :28C:. */
  sequence: string | null;
  account: { iban: string | null; other: string | null; currency: string | null; name: string | null; bic: string | null };
  currency: string;
  fromDate: string | null;
  toDate: string | null;
  opening: Balance | null;
  closing: Balance | null;
  /**
   * The bank's own summary, when the file carries one. A count of null means the bank gave the
   * total without the number of items (BAI2 100/400 with a blank item count, a table's 合计 row).
   */
  summary: {
    entries?: { count: number; sumMinor?: bigint; netMinor?: bigint };
    credits?: { count: number | null; sumMinor: bigint };
    debits?: { count: number | null; sumMinor: bigint };
  } | null;
  lines: StatementLine[];
  /** Non-fatal observations (ignored tags, a preamble, missing dates…), in file order. */
  warnings: string[];
  /** Entries whose transaction details do not add up to the entry amount. */
  detailIssues: string[];
  /**
   * Format-specific control figures the parser compared itself (BAI2 account trailer 49 control
   * total and record count, a table's running balance column): which ran, and what did not match.
   */
  controls?: { checked: string[]; issues: CheckIssue[] };
}

export interface ParsedStatementFile {
  format: StatementFormat;
  /** Message version, e.g. "001.02" for camt. */
  version: string | null;
  messageId: string | null;
  statements: Statement[];
  warnings: string[];
  /** Control figures above the statements (BAI2 group 98 and file 99 trailers). */
  controls?: { checked: string[]; issues: CheckIssue[] };
}

export interface CheckIssue {
  statementId: string;
  check:
    | 'balance'
    | 'balance_currency'
    | 'summary_count'
    | 'summary_sum'
    | 'summary_net'
    | 'credits'
    | 'debits'
    | 'details_sum'
    | 'control_total'
    | 'record_count'
    | 'running_balance';
  message: string;
  expected?: string;
  actual?: string;
}

export interface CheckResult {
  ok: boolean;
  /** Which checks could run (e.g. no closing balance → balance not checked). */
  checked: string[];
  issues: CheckIssue[];
}

const signed = (l: StatementLine) => (l.direction === 'credit' ? l.amountMinor : -l.amountMinor);

/**
 * Compares each statement with its own control figures. Mismatches are reported, never thrown:
 * a statement that does not add up is still shown to the user, who decides.
 */
export function checkStatement(s: Statement): CheckResult {
  const issues: CheckIssue[] = [];
  const checked: string[] = [];
  const cur = s.currency;
  const fmt = (m: bigint) => fromMinor(m, cur);
  const net = s.lines.reduce((a, l) => a + signed(l), 0n);
  if (s.opening && s.closing) {
    checked.push('balance');
    if (s.opening.currency !== cur || s.closing.currency !== cur) {
      issues.push({
        statementId: s.id,
        check: 'balance_currency',
        message: `balances are in ${s.opening.currency}/${s.closing.currency}, the account in ${cur}`,
      });
    } else {
      const expected = s.opening.amountMinor + net;
      if (expected !== s.closing.amountMinor) {
        issues.push({
          statementId: s.id,
          check: 'balance',
          message: `opening ${fmt(s.opening.amountMinor)} + credits − debits ${fmt(net)} = ${fmt(expected)}, but the closing balance is ${fmt(s.closing.amountMinor)}`,
          expected: fmt(s.closing.amountMinor),
          actual: fmt(expected),
        });
      }
    }
  }
  const sum = s.summary;
  if (sum) {
    const credits = s.lines.filter((l) => l.direction === 'credit');
    const debits = s.lines.filter((l) => l.direction === 'debit');
    const total = (ls: StatementLine[]) => ls.reduce((a, l) => a + l.amountMinor, 0n);
    // A summary counts bank entries; an entry split into several transaction details is still one.
    const entryCount = (ls: StatementLine[]) => new Set(ls.map((l) => l.entryIndex)).size;
    if (sum.credits) {
      checked.push('credits');
      const count = sum.credits.count;
      if ((count !== null && count !== entryCount(credits)) || sum.credits.sumMinor !== total(credits)) {
        const said = count === null ? `credits of ${fmt(sum.credits.sumMinor)}` : `${count} credits of ${fmt(sum.credits.sumMinor)}`;
        issues.push({
          statementId: s.id,
          check: 'credits',
          message: `the bank's summary says ${said}; the statement holds ${entryCount(credits)} of ${fmt(total(credits))}`,
          expected: count === null ? fmt(sum.credits.sumMinor) : `${count} / ${fmt(sum.credits.sumMinor)}`,
          actual: count === null ? fmt(total(credits)) : `${entryCount(credits)} / ${fmt(total(credits))}`,
        });
      }
    }
    if (sum.debits) {
      checked.push('debits');
      const count = sum.debits.count;
      if ((count !== null && count !== entryCount(debits)) || sum.debits.sumMinor !== total(debits)) {
        const said = count === null ? `debits of ${fmt(sum.debits.sumMinor)}` : `${count} debits of ${fmt(sum.debits.sumMinor)}`;
        issues.push({
          statementId: s.id,
          check: 'debits',
          message: `the bank's summary says ${said}; the statement holds ${entryCount(debits)} of ${fmt(total(debits))}`,
          expected: count === null ? fmt(sum.debits.sumMinor) : `${count} / ${fmt(sum.debits.sumMinor)}`,
          actual: count === null ? fmt(total(debits)) : `${entryCount(debits)} / ${fmt(total(debits))}`,
        });
      }
    }
    if (sum.entries) {
      checked.push('summary_count');
      const n = entryCount(s.lines);
      if (sum.entries.count !== n) {
        issues.push({
          statementId: s.id,
          check: 'summary_count',
          message: `the bank's summary says ${sum.entries.count} entries; the statement holds ${n}`,
          expected: String(sum.entries.count),
          actual: String(n),
        });
      }
      if (sum.entries.sumMinor !== undefined) {
        checked.push('summary_sum');
        const gross = total(s.lines);
        if (sum.entries.sumMinor !== gross) {
          issues.push({
            statementId: s.id,
            check: 'summary_sum',
            message: `the bank's summary says entries sum to ${fmt(sum.entries.sumMinor)}; the statement's sum is ${fmt(gross)}`,
            expected: fmt(sum.entries.sumMinor),
            actual: fmt(gross),
          });
        }
      }
      if (sum.entries.netMinor !== undefined) {
        checked.push('summary_net');
        if (sum.entries.netMinor !== net) {
          issues.push({
            statementId: s.id,
            check: 'summary_net',
            message: `the bank's summary says the net movement is ${fmt(sum.entries.netMinor)}; the statement's is ${fmt(net)}`,
            expected: fmt(sum.entries.netMinor),
            actual: fmt(net),
          });
        }
      }
    }
  }
  for (const w of s.detailIssues) issues.push({ statementId: s.id, check: 'details_sum', message: w });
  if (s.controls) {
    checked.push(...s.controls.checked);
    issues.push(...s.controls.issues);
  }
  return { ok: issues.length === 0, checked: [...new Set(checked)], issues };
}

/** All statements of a file checked together. */
export function checkFile(f: ParsedStatementFile): CheckResult {
  const results = f.statements.map(checkStatement);
  if (f.controls) results.push({ ok: f.controls.issues.length === 0, checked: f.controls.checked, issues: f.controls.issues });
  return {
    ok: results.every((r) => r.ok),
    checked: [...new Set(results.flatMap((r) => r.checked))],
    issues: results.flatMap((r) => r.issues),
  };
}
