/**
 * BAI2 (Bank Administration Institute, Cash Management Balance Reporting Specifications
 * Version 2), the North American prior-day / intraday reporting format. Hand-written: the format
 * is a comma-separated record stream and no maintained TypeScript library is at hand.
 *
 *   01 file header ─┬─ 02 group header (as-of date, default currency)
 *                   │   ├─ 03 account (currency, balances and summaries: type code, amount, count, funds type)
 *                   │   │   ├─ 16 transaction detail (type code, amount, funds type, bank ref, customer ref, text)
 *                   │   │   └─ 88 continuation of the record before it (more fields, or more text)
 *                   │   └─ 49 account trailer (control total, number of records)
 *                   └─ 98 group trailer (control total, accounts, records) … 99 file trailer
 *
 * What real files do and this reader accepts: several records on one physical line separated by
 * "/ " (moov-io sample3), a record wrapped onto a line without a record code, fixed-width 80
 * column continuation text cut mid-word, a customer reference containing slashes, a 99 without
 * the closing slash, a blank account control total, a blank currency (BAI2's default, USD).
 *
 * Amounts have no decimal point: they are in the currency's minor units ("implied decimals":
 * 2 for USD/GBP/CAD, 0 for JPY, 3 for KWD …), so the digits are the minor units as they stand.
 *
 * Type codes (BAI2 2005, §"Type codes"): 001–099 account status (010 opening ledger, 015 closing
 * ledger, 040/045 opening/closing available …), 100 total credits and 101–399 credit summary and
 * detail, 400 total debits and 401–699 debit summary and detail, 700–799 loan codes (701–709 status,
 * 720–728 loan payment credits, 760 loan disbursement debit), 890 non-monetary information,
 * 900–919 bank-defined status, 920–959 bank-defined credits, 960–999 bank-defined debits.
 *
 * Control figures: each account's 49 trailer holds the algebraic sum of every amount in its 03
 * and 16 records and its number of records (03, 16, 88, 49); each group's 98 the sum of its account
 * totals, its number of accounts and records; the 99 the sum of the group totals, the number of
 * groups and records. Every one is compared and a mismatch is a check issue, never an exception.
 */
import { isoScale } from './currencies';
import { swiftDate } from './dates';
import type { Balance, CheckIssue, ParsedStatementFile, Statement, StatementLine } from './model';
import { FormatError } from '../xml';

export type Bai2Direction = 'credit' | 'debit' | 'status' | 'info';

/** What a BAI2 type code means for the money: see the table in the module comment. */
export function bai2TypeDirection(code: number): Bai2Direction | null {
  if (!Number.isInteger(code) || code < 1 || code > 999) return null;
  if (code < 100) return 'status';
  if (code < 400) return 'credit';
  if (code < 700) return 'debit';
  if (code < 720) return 'status';
  if (code < 760) return 'credit';
  if (code < 800) return 'debit';
  if (code === 890) return 'info';
  if (code < 900) return null;
  if (code < 920) return 'status';
  if (code < 960) return 'credit';
  return 'debit';
}

const RECORD_CODES = new Set(['01', '02', '03', '16', '49', '88', '98', '99']);

/** One record as it stands in the file (a physical record; 88s are their own). */
interface RawRecord {
  code: string;
  /** The text after "NN," with the closing "/" removed. */
  body: string;
  line: number;
  /** The physical text as written, to tell a full fixed-width line from one that ended early. */
  raw: string;
}

/** Looks like the start of a BAI2 file: a record "01," or "00," ending in "/" on the first line. */
export function looksLikeBai2(text: string): boolean {
  const first = text.replace(/^\uFEFF/, '').split(/\r\n?|\n/).find((l) => l.trim() !== '');
  return !!first && /^\s*\d{2},[^\n]*\/\s*$/.test(first) && !first.includes(';');
}

function records(text: string, warnings: string[]): RawRecord[] {
  const out: RawRecord[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n?|\n/);
  for (const [i, line] of lines.entries()) {
    const lineNo = i + 1;
    if (line.trim() === '') continue;
    // Several records on one line, each closed by "/" (sample3 of moov-io).
    const parts = line.split(/\/[ \t]+(?=(?:01|02|03|16|49|88|98|99),)/).map((p, k, all) => (k < all.length - 1 ? `${p}/` : p));
    for (const part of parts) {
      const m = /^\s*(\d{2}),(.*)$/.exec(part);
      if (!m) {
        const last = out[out.length - 1];
        if (!last) throw new FormatError('bai2_missing_header', `line ${lineNo}: the file does not start with a BAI2 01 file header record`);
        warnings.push(`line ${lineNo}: "${part.trim().slice(0, 20)}" does not start with a record code; read as the rest of the record on line ${last.line}`);
        // A full fixed-width line was cut mid-word; a shorter one at a break.
        const joined = `${last.raw.replace(/\/\s*$/, '')}${last.raw.length >= 80 ? '' : ' '}${part.trim()}`;
        last.body = stripSlash(joined).replace(/^\s*\d{2},/, '');
        last.raw = joined;
        continue;
      }
      if (!RECORD_CODES.has(m[1]!)) {
        if (!out.length) throw new FormatError('bai2_missing_header', `line ${lineNo}: the file starts with record "${m[1]}", not a BAI2 01 file header`);
        throw new FormatError('bai2_invalid_record', `line ${lineNo}: "${m[1]}" is not a BAI2 record code (01, 02, 03, 16, 49, 88, 98, 99)`);
      }
      out.push({ code: m[1]!, body: stripSlash(m[2]!), line: lineNo, raw: part.replace(/\s+$/, '') });
    }
  }
  return out;
}

/** A record's closing "/" (and the padding after it) is not part of its last field. */
function stripSlash(body: string): string {
  return body.replace(/\/\s*$/, '');
}

function amountOf(text: string | undefined, where: string, signed: boolean): bigint | null {
  const t = (text ?? '').trim();
  if (t === '') return null;
  if (!(signed ? /^[+-]?\d+$/ : /^\+?\d+$/).test(t)) {
    throw new FormatError('invalid_amount', `${where}: "${t}" is not a BAI2 amount (digits in minor units${signed ? ', optionally signed' : ''})`);
  }
  return BigInt(t);
}

function countOf(text: string | undefined, where: string): number | null {
  const t = (text ?? '').trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) throw new FormatError('bai2_invalid_record', `${where}: "${t}" is not a number`);
  return Number(t);
}

/** How many fields follow a funds type: S → 3 amounts, V → date and time, D → n then n pairs. */
function fundsExtras(fields: string[], at: number, where: string): number {
  const funds = (fields[at] ?? '').trim().toUpperCase();
  if (funds === 'S') return 3;
  if (funds === 'V') return 2;
  if (funds === 'D') {
    const n = countOf(fields[at + 1], `${where} distributed availability`);
    return 1 + 2 * (n ?? 0);
  }
  if (funds === '' || funds === 'Z' || funds === '0' || funds === '1' || funds === '2') return 0;
  throw new FormatError('bai2_invalid_record', `${where}: funds type "${funds}" is not one of 0, 1, 2, S, V, D, Z`);
}

interface AccountSummary {
  code: number;
  amount: bigint | null;
  count: number | null;
}

/** The "type code, amount, item count, funds type [, …]" groups of an 03 record. */
function accountSummaries(fields: string[], where: string): AccountSummary[] {
  const out: AccountSummary[] = [];
  let i = 0;
  while (i < fields.length) {
    const code = (fields[i] ?? '').trim();
    if (code === '') {
      // An empty group (",,,,") or the empty last field before the slash ("…,,,/").
      i += 1;
      continue;
    }
    if (!/^\d{3}$/.test(code)) throw new FormatError('bai2_invalid_record', `${where}: "${code}" is not a type code`);
    out.push({ code: Number(code), amount: amountOf(fields[i + 1], `${where} type ${code}`, true), count: countOf(fields[i + 2], `${where} type ${code} item count`) });
    i += 4 + fundsExtras(fields, i + 3, `${where} type ${code}`);
  }
  return out;
}

const STRUCTURED = /^([A-Z]{4}):\s?(.*)$/;

interface Detail {
  code: number;
  amount: bigint | null;
  valueDate: string | null;
  bankReference: string | null;
  customerReference: string | null;
  /** The whole text, continuations joined. */
  text: string;
  /** The text of the 16 record itself. */
  ownText: string;
  continuations: string[];
  line: number;
}

/** A 16 record and its 88 continuations. */
function detail(rec: RawRecord, continuations: RawRecord[]): Detail {
  const where = `line ${rec.line} (16)`;
  let body = rec.body;
  let fields = body.split(',');
  const extras = () => fundsExtras(fields, 2, where);
  let textAt = 3 + extras() + 2;
  /** Text continuations, each with the separator that joins it to the physical record before it. */
  const texts: { text: string; sep: string }[] = [];
  let previousRaw = rec.raw;
  for (const c of continuations) {
    if (fields.length <= textAt) {
      // The 16 ended before its text: the 88 carries the remaining fields.
      body = `${body},${c.body}`;
      fields = body.split(',');
      textAt = 3 + extras() + 2;
    } else {
      // A full 80-column line was cut mid-word; a shorter one ended at a break.
      texts.push({ text: c.body, sep: previousRaw.length >= 80 && !/\/$/.test(previousRaw) ? '' : ' ' });
    }
    previousRaw = c.raw;
  }
  const code = (fields[0] ?? '').trim();
  if (!/^\d{3}$/.test(code)) throw new FormatError('bai2_invalid_record', `${where}: "${code}" is not a type code`);
  const funds = (fields[2] ?? '').trim().toUpperCase();
  let valueDate: string | null = null;
  if (funds === 'V' && (fields[3] ?? '').trim()) valueDate = swiftDate((fields[3] ?? '').trim(), `${where} value date`);
  const ref = (s: string | undefined) => {
    const t = (s ?? '').trim();
    return t === '' ? null : t;
  };
  const own = fields.slice(textAt).join(',');
  const text = texts.reduce((a, t) => a + t.sep + t.text, own);
  return {
    code: Number(code),
    amount: amountOf(fields[1], `${where} amount`, false),
    valueDate,
    bankReference: ref(fields[3 + extras()]),
    customerReference: ref(fields[4 + extras()]),
    text: text.replace(/\s+/g, ' ').trim(),
    ownText: own.replace(/\s+/g, ' ').trim(),
    continuations: texts.map((t) => t.text.trim()),
    line: rec.line,
  };
}

function lineFrom(d: Detail, dir: 'credit' | 'debit', index: number, currency: string, bookingDate: string | null): StatementLine {
  // Goldman Sachs style structured continuations: "EREF: …", "REMI: …", "DBNM: …" …
  const keyed = new Map<string, string>();
  const free: string[] = [];
  for (const c of d.continuations) {
    const m = STRUCTURED.exec(c);
    if (m) {
      if (m[2]!.trim() && !keyed.has(m[1]!)) keyed.set(m[1]!, m[2]!.trim());
    } else if (c) free.push(c);
  }
  // Without structured keys the text is the remittance as the bank wrote it; with them, the
  // remittance is REMI, else the 16's own text and the unstructured continuations.
  const plain = keyed.size ? [d.ownText.replace(/^-$/, ''), ...free].filter(Boolean).join(' ').trim() : d.text.replace(/^-$/, '');
  const all = d.text;
  // Money in: the other side is the debtor (DBNM, DACT, DBIC); money out: the creditor (CRNM …).
  const side = dir === 'credit' ? 'D' : 'C';
  return {
    index,
    entryIndex: index,
    direction: dir,
    amountMinor: d.amount ?? 0n,
    currency,
    bookingDate,
    valueDate: d.valueDate,
    reversal: false,
    status: 'BOOK',
    bankReference: d.bankReference,
    entryReference: d.bankReference,
    endToEndId: keyed.get('EREF') ?? null,
    customerReference: d.customerReference,
    counterpartyName: keyed.get(side === 'D' ? 'DBNM' : 'CRNM') ?? null,
    counterpartyAccount: keyed.get(`${side}ACT`) ?? null,
    counterpartyBic: keyed.get(`${side}BIC`) ?? null,
    remittance: keyed.get('REMI') ?? (plain || null),
    structuredReference: null,
    transactionCode: String(d.code).padStart(3, '0'),
    additionalInfo: all && all !== (keyed.get('REMI') ?? plain) ? all.slice(0, 2000) : null,
  };
}

const money = (n: bigint) => n.toString();

export function parseBai2(text: string): ParsedStatementFile {
  const warnings: string[] = [];
  const recs = records(text, warnings);
  const head = recs[0];
  if (head?.code !== '01') throw new FormatError('bai2_missing_header', 'the file does not start with a BAI2 01 file header record');
  const hf = head.body.split(',');
  const fileId = (hf[4] ?? '').trim() || null;
  const version = (hf[7] ?? '').trim() || null;
  if (version && version !== '2') warnings.push(`file header: version ${version}; read as BAI2 (version 2)`);
  const sender = (hf[0] ?? '').trim();
  const statements: Statement[] = [];
  const fileIssues: CheckIssue[] = [];
  const fileChecked = new Set<string>();
  const ids = new Map<string, number>();
  let defaultCurrencyWarned = false;

  // File-level running state.
  let fileRecords = 1;
  let groupTotals: bigint[] = [];
  let groupNo = 0;
  let closed = false;
  // Group state.
  let group: { no: number; asOf: string | null; currency: string | null; records: number; accountTotals: bigint[]; line: number } | null = null;
  // Account state.
  let account: { statement: Statement; records: number; total: bigint; line: number } | null = null;

  const issue = (statementId: string, check: CheckIssue['check'], what: string, expected: string, actual: string): CheckIssue => ({
    statementId,
    check,
    message: `${what}: the trailer says ${expected}, the records give ${actual}`,
    expected,
    actual,
  });

  for (let r = 1; r < recs.length; r++) {
    const rec = recs[r]!;
    const where = `line ${rec.line} (${rec.code})`;
    if (closed) {
      warnings.push(`${where}: records after the 99 file trailer were ignored`);
      break;
    }
    // Gather the record's 88 continuations.
    const continuations: RawRecord[] = [];
    while (recs[r + 1]?.code === '88') continuations.push(recs[++r]!);
    const count = 1 + continuations.length;
    fileRecords += count;
    if (group) group.records += count;
    if (account) account.records += count;
    const fields = () => [rec.body, ...continuations.map((c) => c.body)].join(',').split(',');
    switch (rec.code) {
      case '01':
        throw new FormatError('bai2_structure', `${where}: a second 01 file header`);
      case '02': {
        if (group) throw new FormatError('bai2_structure', `${where}: a group header before the 98 trailer of group ${group.no}`);
        const f = fields();
        const status = (f[2] ?? '').trim();
        if (status && status !== '1') warnings.push(`group ${groupNo + 1}: status ${status} (${{ 2: 'deletion', 3: 'correction', 4: 'test only' }[status] ?? 'unknown'})`);
        const asOfText = (f[3] ?? '').trim();
        group = {
          no: ++groupNo,
          asOf: asOfText ? swiftDate(asOfText, `${where} as-of date`) : null,
          currency: (f[5] ?? '').trim().toUpperCase() || null,
          records: count,
          accountTotals: [],
          line: rec.line,
        };
        break;
      }
      case '03': {
        if (!group) throw new FormatError('bai2_structure', `${where}: an account outside a group (no 02 before it)`);
        if (account) throw new FormatError('bai2_structure', `${where}: an account before the 49 trailer of the account on line ${account.line}`);
        const f = fields();
        const accountNo = (f[0] ?? '').trim();
        if (!accountNo) throw new FormatError('bai2_invalid_record', `${where}: the account number is empty`);
        let currency = (f[1] ?? '').trim().toUpperCase() || group.currency;
        if (!currency) {
          currency = 'USD';
          if (!defaultCurrencyWarned) warnings.push(`${where}: no currency on the account or the group; BAI2's default USD is used`);
          defaultCurrencyWarned = true;
        }
        if (isoScale(currency) === undefined) throw new FormatError('unknown_currency', `${where}: unknown currency "${currency}" (not an ISO 4217 code)`);
        const sums = accountSummaries(f.slice(2), where);
        const base = `${accountNo}/${group.asOf ?? '?'}`;
        const seen = (ids.get(base) ?? 0) + 1;
        ids.set(base, seen);
        const bal = (code: number, type: string): Balance | null => {
          const s = sums.find((x) => x.code === code && x.amount !== null);
          return s ? { type, amountMinor: s.amount!, currency: currency!, date: group!.asOf } : null;
        };
        const total = (code: number) => {
          const s = sums.find((x) => x.code === code && x.amount !== null);
          return s ? { count: s.count, sumMinor: s.amount! } : undefined;
        };
        const credits = total(100);
        const debits = total(400);
        const statement: Statement = {
          id: seen > 1 ? `${base}#${seen}` : base,
          sequence: fileId,
          account: { iban: null, other: accountNo, currency, name: null, bic: null },
          currency,
          fromDate: group.asOf,
          toDate: group.asOf,
          opening: bal(10, '010'),
          closing: bal(15, '015'),
          summary: credits || debits ? { ...(credits ? { credits } : {}), ...(debits ? { debits } : {}) } : null,
          lines: [],
          warnings: [],
          detailIssues: [],
          controls: { checked: [], issues: [] },
        };
        if (!statement.opening && !statement.closing && sums.some((s) => s.code === 40 || s.code === 45)) {
          statement.warnings.push('only available balances (040/045) are given, no ledger balances (010/015): the balance is not checked');
        }
        statements.push(statement);
        account = { statement, records: count, total: sums.reduce((a, s) => a + (s.amount ?? 0n), 0n), line: rec.line };
        break;
      }
      case '16': {
        if (!account) throw new FormatError('bai2_structure', `${where}: a transaction outside an account (no 03 before it)`);
        const d = detail(rec, continuations);
        account.total += d.amount ?? 0n;
        const dir = bai2TypeDirection(d.code);
        const s = account.statement;
        if (dir === null) throw new FormatError('bai2_invalid_record', `${where}: type code ${d.code} is not a BAI2 type code`);
        if (dir === 'status' || dir === 'info') {
          s.warnings.push(`line ${rec.line}: type code ${String(d.code).padStart(3, '0')} is ${dir === 'info' ? 'non-monetary information' : 'an account status code'}, not a transaction; not read as a line`);
          break;
        }
        if (d.amount === null) throw new FormatError('invalid_amount', `${where}: the transaction has no amount`);
        s.lines.push(lineFrom(d, dir, s.lines.length + 1, s.currency, group?.asOf ?? null));
        break;
      }
      case '88':
        throw new FormatError('bai2_structure', `${where}: a continuation with no record before it`);
      case '49': {
        if (!account) throw new FormatError('bai2_structure', `${where}: an account trailer with no account`);
        const f = fields();
        const s = account.statement;
        const declared = amountOf(f[0], `${where} control total`, true);
        const n = countOf(f[1], `${where} number of records`);
        if (declared === null) s.warnings.push(`line ${rec.line}: the account trailer has no control total`);
        else {
          s.controls!.checked.push('control_total');
          if (declared !== account.total) s.controls!.issues.push(issue(s.id, 'control_total', `account ${s.account.other} control total (49, line ${rec.line})`, money(declared), money(account.total)));
        }
        if (n !== null) {
          s.controls!.checked.push('record_count');
          if (n !== account.records) s.controls!.issues.push(issue(s.id, 'record_count', `account ${s.account.other} number of records (49, line ${rec.line})`, String(n), String(account.records)));
        }
        group!.accountTotals.push(declared ?? account.total);
        account = null;
        break;
      }
      case '98': {
        if (!group) throw new FormatError('bai2_structure', `${where}: a group trailer with no group`);
        if (account) throw new FormatError('bai2_structure', `${where}: the account on line ${account.line} has no 49 trailer`);
        const f = fields();
        const declared = amountOf(f[0], `${where} control total`, true);
        const accounts = countOf(f[1], `${where} number of accounts`);
        const n = countOf(f[2], `${where} number of records`);
        const id = `group ${group.no}`;
        const sum = group.accountTotals.reduce((a, b) => a + b, 0n);
        if (declared !== null) {
          fileChecked.add('control_total');
          if (declared !== sum) fileIssues.push(issue(id, 'control_total', `group ${group.no} control total (98, line ${rec.line})`, money(declared), money(sum)));
        }
        if (accounts !== null) {
          fileChecked.add('record_count');
          if (accounts !== group.accountTotals.length) fileIssues.push(issue(id, 'record_count', `group ${group.no} number of accounts (98, line ${rec.line})`, String(accounts), String(group.accountTotals.length)));
        }
        if (n !== null) {
          fileChecked.add('record_count');
          if (n !== group.records) fileIssues.push(issue(id, 'record_count', `group ${group.no} number of records (98, line ${rec.line})`, String(n), String(group.records)));
        }
        groupTotals.push(declared ?? sum);
        group = null;
        break;
      }
      case '99': {
        if (group) throw new FormatError('bai2_structure', `${where}: group ${group.no} has no 98 trailer`);
        const f = fields();
        const declared = amountOf(f[0], `${where} control total`, true);
        const groups = countOf(f[1], `${where} number of groups`);
        const n = countOf(f[2], `${where} number of records`);
        const sum = groupTotals.reduce((a, b) => a + b, 0n);
        if (declared !== null) {
          fileChecked.add('control_total');
          if (declared !== sum) fileIssues.push(issue('file', 'control_total', `file control total (99, line ${rec.line})`, money(declared), money(sum)));
        }
        if (groups !== null) {
          fileChecked.add('record_count');
          if (groups !== groupTotals.length) fileIssues.push(issue('file', 'record_count', `file number of groups (99, line ${rec.line})`, String(groups), String(groupTotals.length)));
        }
        if (n !== null) {
          fileChecked.add('record_count');
          if (n !== fileRecords) fileIssues.push(issue('file', 'record_count', `file number of records (99, line ${rec.line})`, String(n), String(fileRecords)));
        }
        closed = true;
        groupTotals = [];
        break;
      }
    }
  }
  if (!closed) throw new FormatError('bai2_truncated', `the file ends without its 99 file trailer${account ? ' (inside an account)' : group ? ` (inside group ${group.no})` : ''}: it may be cut off`);
  if (!statements.length) throw new FormatError('bai2_no_account', 'the file holds no account (03) record');
  return {
    format: 'bai2',
    version: '2',
    messageId: [sender, fileId].filter(Boolean).join('/') || null,
    statements,
    warnings,
    controls: { checked: [...fileChecked], issues: fileIssues },
  };
}
