/**
 * Bank statements as Chinese banks export them from online banking (银行流水 / 账户明细 / 对账单),
 * as CSV (UTF-8 or GBK/GB18030) or XLSX, and the English-language equivalents:
 *
 *     中国XX银行 账户交易明细                                  ← title, ignored
 *     账号：6222 0212 3456 7890   户名：上海示例科技有限公司     ← account block: 账号, 户名, 币种,
 *     币种：人民币   起止日期：2024-03-01 至 2024-03-31          起止日期, 期初余额, 开户行 …
 *     交易日期 | 交易时间 | 摘要 | 贷方发生额 | 借方发生额 | 余额 | 对方户名 | 对方账号 | 附言 | 流水号
 *     …rows…
 *     合计 | | | 1,234.00 | 567.00 |                          ← totals: control figures
 *     贷方笔数：3  借方笔数：2  期末余额：…                     ← footer block, read like the head
 *
 * The reading (encoding sniffing, XLSX), the cell parsers (every date and amount spelling) and the
 * header matching are those of the table import (src/import/tabular/); the statement columns have
 * their own dictionary there (STATEMENT_FIELDS). The header row is the first of the first 30 rows
 * with a date column and an amount column (separate 贷方/借方 columns, or one 金额 column signed or
 * with a 借贷标志/收支 column) among at least three known columns.
 *
 * Control figures: a 余额 column is checked row by row (previous balance + credit − debit = this
 * balance; files listed newest first are read in reverse), and 期初余额 / 期末余额 and the 合计 row
 * or 贷方/借方 totals and counts of the head and foot become the statement's own balance and
 * summary. Mismatches are check issues, never exceptions.
 */
import { ImportFileError, LIMITS, type RawRow, bufferSource, readRows, sniff } from '../tabular/read';
import { type ColumnMatch, matchStatementHeader, normalizeHeader } from '../tabular/headers';
import { type Cell, cellText, halfWidth, parseCode, parseCurrency, parseDate, parseMoney, parseText } from '../tabular/values';
import { isKnownCurrency } from '../../domain/money';
import { AppError } from '../../services/errors';
import { fromMinor } from './currencies';
import type { Balance, CheckIssue, ParsedStatementFile, Statement, StatementLine } from './model';
import { FormatError } from '../xml';

const HEADER_SCAN_ROWS = 30;

type BlockKey =
  | 'account'
  | 'name'
  | 'currency'
  | 'period'
  | 'from'
  | 'to'
  | 'bank'
  | 'opening'
  | 'closing'
  | 'creditTotal'
  | 'debitTotal'
  | 'creditCount'
  | 'debitCount';

const BLOCK_KEYS: Record<BlockKey, string[]> = {
  account: ['账号', '帐号', '账户', '账户号', '账户账号', '账户号码', '查询账号', '本方账号', '卡号', '账号/卡号', 'account', 'account no', 'account number', 'acct no'],
  name: ['户名', '账户名称', '账户名', '单位名称', '客户名称', '公司名称', '账户户名', 'account name', 'name', 'account holder'],
  currency: ['币种', '币别', '货币', '账户币种', 'currency'],
  period: ['起止日期', '查询日期', '查询期间', '查询区间', '交易期间', '交易日期', '日期范围', '期间', '对账期间', '账单周期', 'period', 'statement period', 'date range'],
  from: ['开始日期', '起始日期', '起始时间', 'from', 'start date', 'from date'],
  to: ['结束日期', '截止日期', '终止日期', '结束时间', 'to', 'end date', 'to date'],
  bank: ['开户行', '开户银行', '开户机构', '开户网点', 'bank', 'bank name'],
  opening: ['期初余额', '上期余额', '起始余额', '上日余额', '期初', 'opening balance', 'beginning balance', 'balance brought forward'],
  closing: ['期末余额', '本期余额', '截止余额', '当前余额', '期末', 'closing balance', 'ending balance', 'balance carried forward'],
  creditTotal: ['贷方发生额合计', '贷方合计', '贷方发生总额', '贷方总额', '贷方总金额', '收入合计', '收入总额', '收入总金额', 'total credits', 'total credit'],
  debitTotal: ['借方发生额合计', '借方合计', '借方发生总额', '借方总额', '借方总金额', '支出合计', '支出总额', '支出总金额', 'total debits', 'total debit'],
  creditCount: ['贷方笔数', '贷方总笔数', '收入笔数', '收入总笔数', 'number of credits', 'credit count'],
  debitCount: ['借方笔数', '借方总笔数', '支出笔数', '支出总笔数', 'number of debits', 'debit count'],
};

const BLOCK_INDEX = new Map<string, BlockKey>(
  (Object.entries(BLOCK_KEYS) as [BlockKey, string[]][]).flatMap(([k, names]) => names.map((n) => [normalizeHeader(n), k] as const)),
);

const TOTAL_ROW = /^(合\s*计|总计|小计|本页合计|本期合计|累计|total|totals|sum|page total)(?![a-z])/i;
const PLACEHOLDER = /^[-—–_\s]*$/;

type Block = Partial<Record<BlockKey, { text: string; cell: Cell; rowNo: number }>>;

function text(cell: Cell | undefined): string {
  if (cell === undefined) return '';
  const t = cellText(cell);
  return t.error || t.value === null ? '' : t.value;
}

/** "账号：6222…", "账号" | "6222…", "Account No: …" pairs of the rows above (or below) the table. */
function readBlock(rows: RawRow[], into: Block = {}): Block {
  for (const row of rows) {
    const cells = row.cells;
    for (let i = 0; i < cells.length; i++) {
      const t = text(cells[i]);
      if (!t) continue;
      // Several "key：value" pairs may share one cell, separated by spaces.
      const pairs = [...halfWidth(t).matchAll(/([^:：\s][^:：]*?)\s*[:：]\s*(\S[^:：]*?)?(?=\s+[^:：\s]+\s*[:：]|$)/g)];
      if (pairs.length) {
        for (const p of pairs) {
          const key = BLOCK_INDEX.get(normalizeHeader(p[1]!));
          if (!key) continue;
          let value = (p[2] ?? '').trim();
          let cell: Cell = value;
          if (!value && i + 1 < cells.length && text(cells[i + 1])) {
            cell = cells[i + 1]!;
            value = text(cell);
            i++;
          }
          if (value && !into[key]) into[key] = { text: value, cell, rowNo: row.rowNo };
        }
        continue;
      }
      const key = BLOCK_INDEX.get(normalizeHeader(t));
      if (key && i + 1 < cells.length && text(cells[i + 1])) {
        if (!into[key]) into[key] = { text: text(cells[i + 1]), cell: cells[i + 1]!, rowNo: row.rowNo };
        i++;
      }
    }
  }
  return into;
}

const DATE_IN_TEXT = /\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{8}/g;

function datesIn(value: string): string[] {
  return [...halfWidth(value).matchAll(DATE_IN_TEXT)].map((m) => parseDate(m[0].replace(/\s+/g, '')).value).filter((d): d is string => !!d);
}

const DEBIT_WORDS = new Set(['借', '借方', '支', '支出', '出', '付', '付款', '转出', '取', '取出', 'd', 'dr', 'debit', 'out', 'withdrawal', '-', '1']);
const CREDIT_WORDS = new Set(['贷', '贷方', '收', '收入', '入', '存', '存入', '收款', '转入', 'c', 'cr', 'credit', 'in', 'deposit', '+', '2']);

/** Which header row, and how its columns map; null when none of the first rows is a statement header. */
export function findStatementHeader(rows: RawRow[]): { at: number; columns: ColumnMatch[]; fields: Map<string, number> } | null {
  for (let i = 0; i < Math.min(rows.length, HEADER_SCAN_ROWS); i++) {
    const cells = rows[i]!.cells.map((c) => text(c));
    if (cells.filter(Boolean).length < 3) continue;
    const m = matchStatementHeader(cells);
    const has = (f: string) => m.fields.has(f);
    if (has('date') && (has('credit') || has('debit') || has('amount')) && m.fields.size >= 3) return { at: i, ...m };
  }
  return null;
}

interface Row {
  rowNo: number;
  date: string;
  valueDate: string | null;
  direction: 'credit' | 'debit';
  amountMinor: bigint;
  currency: string;
  balance: bigint | null;
  account: string | null;
  line: Omit<StatementLine, 'index' | 'entryIndex' | 'direction' | 'amountMinor' | 'currency' | 'bookingDate' | 'valueDate'>;
}

/** A bank statement table (CSV bytes or an XLSX workbook) as normalized statements. */
export async function parseStatementTable(bytes: Uint8Array, name = 'statement'): Promise<ParsedStatementFile> {
  const source = bufferSource(name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const rows: RawRow[] = [];
  let format: Awaited<ReturnType<typeof sniff>>;
  try {
    format = await sniff(source);
    for await (const row of readRows(source, format)) {
      rows.push(row);
      if (rows.length > LIMITS.maxRows) throw new FormatError('too_many_rows', `the table has more than ${LIMITS.maxRows} rows`);
    }
  } catch (err) {
    if (err instanceof ImportFileError || err instanceof AppError) {
      const code = (err as AppError).code === 'binary_file' ? 'binary_data' : (err as AppError).code;
      throw new FormatError(code, err.message);
    }
    throw err;
  }
  const warnings: string[] = [];
  const header = findStatementHeader(rows);
  if (!header) {
    throw new FormatError(
      'unknown_format',
      'the file is neither camt, MT940, BAI2 nor OFX, and no bank statement table header (a date column such as 交易日期 and amount columns such as 贷方发生额/借方发生额 or 金额) was found in its first 30 rows',
    );
  }
  if (format.format === 'csv' && format.encoding === 'gb18030') warnings.push('the CSV is not UTF-8: read as GB18030 (GBK)');
  const col = (f: string) => header.fields.get(f);
  const cellOf = (row: RawRow, f: string): Cell => {
    const i = col(f);
    return i === undefined ? null : (row.cells[i] ?? null);
  };
  const unknown = header.columns.filter((c) => c.status === 'unrecognised').map((c) => c.header);
  if (unknown.length) warnings.push(`columns not read: ${unknown.join(', ')}`);
  const headerName = (f: string) => header.columns[col(f)!]?.header ?? f;

  const block = readBlock(rows.slice(0, header.at));
  const footer: Block = {};
  const fail = (rowNo: number, f: string, message: string, code = 'invalid_value') => new FormatError(code, `row ${rowNo}, column ${headerName(f)}: ${message}`);

  let blockCurrency: string | null = null;
  if (block.currency) {
    const c = parseCurrency(block.currency.cell);
    if (c.error) throw new FormatError('unknown_currency', `row ${block.currency.rowNo}: ${c.error.message}`);
    blockCurrency = c.value;
  }
  let defaultWarned = false;
  const money = (row: RawRow, f: string, currency: string): bigint | null => {
    const cell = cellOf(row, f);
    if (cell === null || (typeof cell === 'string' && PLACEHOLDER.test(cell))) return null;
    const m = parseMoney(cell, currency);
    if (m.error) throw fail(row.rowNo, f, m.error.message, m.error.code === 'too_many_decimals' ? 'too_many_decimals' : 'invalid_amount');
    return m.value?.minor ?? null;
  };
  const out: Row[] = [];
  const totals: { credit: bigint | null; debit: bigint | null; rowNo: number } = { credit: null, debit: null, rowNo: 0 };
  let ended = false;
  const footRows: RawRow[] = [];
  for (const row of rows.slice(header.at + 1)) {
    const cells = row.cells.map((c) => text(c));
    if (!cells.some(Boolean)) continue;
    const first = cells.find(Boolean) ?? '';
    if (ended) {
      footRows.push(row);
      continue;
    }
    if (TOTAL_ROW.test(halfWidth(first).trim())) {
      const currency = blockCurrency ?? 'CNY';
      if (col('credit') !== undefined) totals.credit = money(row, 'credit', currency);
      if (col('debit') !== undefined) totals.debit = money(row, 'debit', currency);
      totals.rowNo = row.rowNo;
      footRows.push(row);
      ended = true;
      continue;
    }
    const dateCell = cellOf(row, 'date');
    const date = parseDate(typeof dateCell === 'string' ? dateCell.replace(/\s+(\d{1,2}:\d{2}(:\d{2})?)$/, ' $1') : dateCell);
    if (date.error || date.value === null) {
      // Not a transaction: a footer line ("借方笔数：2"), a sub-heading, a note. Rows below are read as the foot.
      const hasAmounts = ['credit', 'debit', 'amount'].some((f) => {
        const c = cellOf(row, f);
        return c !== null && text(c) !== '' && !PLACEHOLDER.test(text(c));
      });
      if (hasAmounts && date.error) throw fail(row.rowNo, 'date', date.error.message, 'invalid_date');
      if (hasAmounts) throw fail(row.rowNo, 'date', 'a row with an amount has no date', 'missing_date');
      footRows.push(row);
      ended = true;
      continue;
    }
    let currency = blockCurrency;
    const cc = cellOf(row, 'currency');
    if (cc !== null && text(cc)) {
      const c = parseCurrency(cc);
      if (c.error) throw fail(row.rowNo, 'currency', c.error.message, 'unknown_currency');
      currency = c.value;
    }
    if (!currency) {
      currency = 'CNY';
      if (!defaultWarned) warnings.push('no 币种 (currency) in the file: amounts are read as CNY');
      defaultWarned = true;
    }
    if (!isKnownCurrency(currency)) throw new FormatError('unknown_currency', `row ${row.rowNo}: the currency ${currency} is not one this ledger reads from tables`);
    let direction: 'credit' | 'debit' | null = null;
    let amount = 0n;
    const credit = col('credit') !== undefined ? money(row, 'credit', currency) : null;
    const debit = col('debit') !== undefined ? money(row, 'debit', currency) : null;
    if ((credit ?? 0n) !== 0n && (debit ?? 0n) !== 0n) {
      throw new FormatError('ambiguous_row', `row ${row.rowNo}: both ${headerName('credit')} and ${headerName('debit')} hold an amount`);
    }
    if ((credit ?? 0n) !== 0n) {
      direction = 'credit';
      amount = credit!;
    } else if ((debit ?? 0n) !== 0n) {
      direction = 'debit';
      amount = debit!;
    } else if (col('amount') !== undefined) {
      const a = money(row, 'amount', currency);
      if (a !== null && a !== 0n) {
        const flagCell = cellOf(row, 'direction');
        const flag = halfWidth(text(flagCell)).trim().toLowerCase();
        if (col('direction') !== undefined && flag) {
          if (DEBIT_WORDS.has(flag)) direction = 'debit';
          else if (CREDIT_WORDS.has(flag)) direction = 'credit';
          else throw fail(row.rowNo, 'direction', `"${text(flagCell)}" is neither 借/支/D (debit) nor 贷/收/C (credit)`, 'invalid_direction');
          if (a < 0n) throw fail(row.rowNo, 'amount', `a negative amount beside the direction ${text(flagCell)} is ambiguous`, 'invalid_amount');
        } else direction = a < 0n ? 'debit' : 'credit';
        amount = a;
      }
    }
    if (direction === null) {
      warnings.push(`row ${row.rowNo}: no amount; the row was skipped`);
      continue;
    }
    if (amount < 0n) {
      if (col('credit') !== undefined && col('debit') !== undefined) warnings.push(`row ${row.rowNo}: a negative amount in the ${direction === 'credit' ? headerName('credit') : headerName('debit')} column was read as its absolute value`);
      amount = -amount;
    }
    const valueDateCell = cellOf(row, 'valueDate');
    const valueDate = valueDateCell === null ? null : parseDate(valueDateCell).value ?? null;
    const str = (f: string, max = 500) => {
      const c = cellOf(row, f);
      if (c === null) return null;
      const t = parseText(c, max);
      if (t.error) throw fail(row.rowNo, f, t.error.message);
      return t.value?.replace(/\s+/g, ' ').trim() || null;
    };
    const ref = (() => {
      const c = cellOf(row, 'bankReference');
      if (c === null) return null;
      const t = parseCode(c, 100);
      if (t.error) throw fail(row.rowNo, 'bankReference', t.error.message);
      return t.value && !PLACEHOLDER.test(t.value) ? t.value : null;
    })();
    const summary = str('summary', 200);
    const remittance = str('remittance', 1000);
    const time = str('time', 40);
    const bank = str('counterpartyBank', 200);
    out.push({
      rowNo: row.rowNo,
      date: date.value,
      valueDate,
      direction,
      amountMinor: amount,
      currency,
      balance: col('balance') !== undefined ? money(row, 'balance', currency) : null,
      account: str('account', 100)?.replace(/\s+/g, '') ?? null,
      line: {
        reversal: false,
        status: 'BOOK',
        bankReference: ref,
        entryReference: ref,
        endToEndId: null,
        customerReference: null,
        counterpartyName: str('counterpartyName', 200),
        counterpartyAccount: str('counterpartyAccount', 100)?.replace(/\s+/g, '') ?? null,
        counterpartyBic: null,
        remittance: remittance ?? summary,
        structuredReference: null,
        transactionCode: summary,
        additionalInfo: [time && `time ${time}`, bank && `bank ${bank}`].filter(Boolean).join(' | ') || null,
      },
    });
  }
  readBlock(footRows, footer);
  if (!out.length) throw new FormatError('empty_statement', 'the bank statement table has a header row but no transaction rows');

  // One statement per account and currency.
  const blockAccount = block.account?.text.replace(/\s+/g, '') ?? null;
  const accountName = block.name?.text ?? null;
  if (!blockAccount && out.every((r) => !r.account)) {
    warnings.push('no account number (账号) in the file: its lines are keyed to the account name and currency; import each account\'s statements in their own files');
  }
  const groups = new Map<string, Row[]>();
  for (const r of out) {
    const k = `${r.account ?? blockAccount ?? ''}\u001f${r.currency}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const period = block.period ? datesIn(block.period.text) : [];
  const blockFrom = period[0] ?? (block.from ? (datesIn(block.from.text)[0] ?? null) : null);
  const blockTo = period[1] ?? (block.to ? (datesIn(block.to.text)[0] ?? null) : null);
  const single = groups.size === 1;
  const blockBalance = (b: Block, key: 'opening' | 'closing', currency: string, type: string, date: string | null): Balance | null => {
    const v = b[key];
    if (!v) return null;
    const m = parseMoney(v.cell, currency);
    if (m.error || !m.value) throw new FormatError('invalid_balance', `row ${v.rowNo}: ${BLOCK_KEYS[key][0]} "${v.text}" is not an amount`);
    return { type, amountMinor: m.value.minor, currency, date };
  };
  const statements: Statement[] = [...groups.values()].map((rs): Statement => {
    const currency = rs[0]!.currency;
    const account = rs[0]!.account ?? blockAccount;
    const issues: CheckIssue[] = [];
    const checked: string[] = [];
    const stmtWarnings: string[] = [];
    // Newest first? Read the rows in the order their running balances fit.
    const signed = (r: Row) => (r.direction === 'credit' ? r.amountMinor : -r.amountMinor);
    const breaks = (list: Row[]) => list.slice(1).filter((r, i) => r.balance !== null && list[i]!.balance !== null && list[i]!.balance! + signed(r) !== r.balance).length;
    let ordered = rs;
    const dated = rs.map((r) => r.date);
    const descending = dated.every((d, i) => i === 0 || d <= dated[i - 1]!) && dated[0]! > dated[dated.length - 1]!;
    if (rs.some((r) => r.balance !== null)) {
      const reversed = [...rs].reverse();
      if (breaks(reversed) < breaks(rs) || (breaks(reversed) === breaks(rs) && descending)) ordered = reversed;
    } else if (descending) ordered = [...rs].reverse();
    if (ordered !== rs) stmtWarnings.push('the rows are listed newest first; read in date order');
    const id = account ? `${account}/${currency}` : `${accountName ?? 'bank table'} ${currency}`;
    const from = single && blockFrom ? blockFrom : ordered.map((r) => r.date).sort()[0]!;
    const to = single && blockTo ? blockTo : ordered.map((r) => r.date).sort().at(-1)!;
    // Running balance: previous balance + this line = this balance.
    const withBalance = ordered.filter((r) => r.balance !== null);
    const opening = (single ? blockBalance(block, 'opening', currency, '期初余额', from) : null) ??
      (withBalance.length && ordered[0]!.balance !== null ? { type: '余额', amountMinor: ordered[0]!.balance! - signed(ordered[0]!), currency, date: from } : null);
    const closing = (single ? (blockBalance(block, 'closing', currency, '期末余额', to) ?? blockBalance(footer, 'closing', currency, '期末余额', to)) : null) ??
      (withBalance.length && ordered.at(-1)!.balance !== null ? { type: '余额', amountMinor: ordered.at(-1)!.balance!, currency, date: to } : null);
    if (withBalance.length) {
      checked.push('running_balance');
      let previous = opening?.amountMinor ?? null;
      for (const r of ordered) {
        if (r.balance === null) {
          previous = null;
          continue;
        }
        if (previous !== null && previous + signed(r) !== r.balance) {
          issues.push({
            statementId: id,
            check: 'running_balance',
            message: `row ${r.rowNo}: the balance before it ${fromMinor(previous, currency)} ${r.direction === 'credit' ? '+' : '−'} ${fromMinor(r.amountMinor, currency)} = ${fromMinor(previous + signed(r), currency)}, but the row says ${fromMinor(r.balance, currency)}`,
            expected: fromMinor(r.balance, currency),
            actual: fromMinor(previous + signed(r), currency),
          });
        }
        previous = r.balance;
      }
    }
    const count = (b: Block, k: 'creditCount' | 'debitCount') => {
      const v = b[k] ?? (k === 'creditCount' ? footer.creditCount : footer.debitCount);
      return v && /^\d+$/.test(halfWidth(v.text).replace(/笔$/, '').trim()) ? Number(halfWidth(v.text).replace(/笔$/, '').trim()) : null;
    };
    const total = (k: 'creditTotal' | 'debitTotal', fromRow: bigint | null): bigint | null => {
      if (fromRow !== null) return fromRow;
      const v = block[k] ?? footer[k];
      if (!v) return null;
      const m = parseMoney(v.cell, currency);
      return m.value ? m.value.minor : null;
    };
    const creditSum = single ? total('creditTotal', totals.credit) : null;
    const debitSum = single ? total('debitTotal', totals.debit) : null;
    const summary: Statement['summary'] =
      creditSum !== null || debitSum !== null
        ? {
            ...(creditSum !== null ? { credits: { count: count(block, 'creditCount'), sumMinor: creditSum < 0n ? -creditSum : creditSum } } : {}),
            ...(debitSum !== null ? { debits: { count: count(block, 'debitCount'), sumMinor: debitSum < 0n ? -debitSum : debitSum } } : {}),
          }
        : null;
    const lines: StatementLine[] = ordered.map((r, i) => ({
      index: i + 1,
      entryIndex: i + 1,
      direction: r.direction,
      amountMinor: r.amountMinor,
      currency,
      bookingDate: r.date,
      valueDate: r.valueDate,
      ...r.line,
    }));
    return {
      id,
      sequence: null,
      account: { iban: null, other: account, currency, name: accountName, bic: null },
      currency,
      fromDate: from,
      toDate: to,
      opening,
      closing,
      summary,
      lines,
      warnings: stmtWarnings,
      detailIssues: [],
      controls: { checked, issues },
    };
  });
  return { format: format.format === 'xlsx' ? 'xlsx' : 'csv', version: null, messageId: null, statements, warnings };
}
