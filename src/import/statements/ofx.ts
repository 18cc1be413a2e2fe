/**
 * OFX bank and credit-card statements: OFX 1.x (SGML: "OFXHEADER:100" headers, then a tag stream
 * whose leaf elements are usually not closed) and OFX 2.x (XML with an <?OFX …?> instruction). Both
 * are read by one hand-written tokenizer, because real 2.x files are often SGML-style inside an
 * XML prologue (ANZ) and 1.x files close some leaves and not others:
 *
 * - `<TAG>text` is a leaf whether or not `</TAG>` follows; `<TAG></TAG>` is an empty leaf;
 * - `<TAG>` followed by another tag opens an aggregate, closed by `</TAG>` (which also closes any
 *   aggregate left open inside it); a known leaf name followed directly by a tag is an empty leaf;
 * - CDATA sections are text; the five XML entities and numeric references are decoded once;
 *   a bare "&" (K&L Wines) stays as written; comments and processing instructions are skipped;
 * - any DOCTYPE or ENTITY declaration is refused before reading (`xml_dtd_forbidden`), as for camt.
 *
 * STMTRS (bank, BANKACCTFROM) and CCSTMTRS (credit card, CCACCTFROM) become statements, as many as
 * the file holds. STMTTRN → line: the sign of TRNAMT gives the direction, FITID the bank
 * reference, NAME (or PAYEE/NAME) the counterparty, MEMO the remittance, DTPOSTED the booking day
 * and DTAVAIL/DTUSER the value day. Dates are "YYYYMMDD[HHMMSS[.XXX]][[±hh[:TZ]]]" in the bank's
 * time zone: the calendar day is the one written, never shifted to UTC. LEDGERBAL (else AVAILBAL) is
 * the closing balance; OFX has no opening balance, so the balance equation cannot be checked.
 *
 * Files without a bank or card statement are refused by name: investment statements
 * (`ofx_investment_statement`), a failed sign-on (`ofx_signon_failed`), an error answer to the
 * statement request (`ofx_error_response`), sign-on only / account lists (`ofx_no_statement`).
 */
import { AmountError, isoScale, toMinor } from './currencies';
import { iso, isRealDate } from './dates';
import type { Balance, ParsedStatementFile, Statement, StatementLine } from './model';
import { assertNoDtd, decodeEntities, FormatError } from '../xml';

export interface OfxNode {
  name: string;
  /** Text of a leaf element ('' when empty); null for an aggregate. */
  value: string | null;
  children: OfxNode[];
}

/** Leaf elements that may appear with no value and no closing tag (`<FITID><NAME>…`). */
const LEAVES = new Set(
  (
    'CODE SEVERITY MESSAGE DTSERVER LANGUAGE DTPROFUP DTACCTUP ORG FID TRNUID CLTCOOKIE CURDEF BANKID BRANCHID ACCTID ACCTTYPE ' +
    'ACCTKEY DTSTART DTEND TRNTYPE DTPOSTED DTUSER DTAVAIL TRNAMT FITID CORRECTFITID CORRECTACTION SRVRTID CHECKNUM REFNUM SIC ' +
    'PAYEEID NAME EXTDNAME MEMO CURRATE CURSYM BALAMT DTASOF MKTGINFO INV401KSOURCE VALUEDATE CATEGORY ACCTBAL TRANSACTIONSPLIT ' +
    'ADDR1 ADDR2 ADDR3 CITY STATE POSTALCODE COUNTRY PHONE'
  ).split(' '),
);

/** OFX 1.x headers / OFX 2.x processing instruction, and the body from <OFX>. */
function split(text: string): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {};
  const start = text.search(/<OFX>/i);
  if (start < 0) throw new FormatError('ofx_malformed', 'the file has no <OFX> element');
  const head = text.slice(0, start);
  for (const m of head.matchAll(/^\s*([A-Z]+):(.*)$/gm)) headers[m[1]!.toUpperCase()] = m[2]!.trim();
  const pi = /<\?OFX\s+([^?]*)\?>/i.exec(head);
  if (pi) for (const m of pi[1]!.matchAll(/([A-Z]+)\s*=\s*"([^"]*)"/gi)) headers[m[1]!.toUpperCase()] = m[2]!;
  return { headers, body: text.slice(start) };
}

const TOKEN = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z][A-Za-z0-9_.-]*)\s*(\/?)>|([^<]+)|(<)/g;

/** The tag stream as a tree; see the module comment for the rules. */
export function ofxTree(body: string, warnings: string[] = []): OfxNode {
  const root: OfxNode = { name: '#root', value: null, children: [] };
  const stack: OfxNode[] = [root];
  /** The leaf just given its text: its closing tag, if any, comes next. */
  let lastLeaf: OfxNode | null = null;
  let stray = 0;
  const top = () => stack[stack.length - 1]!;
  const closeEmptyLeaf = () => {
    const t = top();
    if (t !== root && t.value === null && t.children.length === 0 && LEAVES.has(t.name)) {
      t.value = '';
      stack.pop();
    }
  };
  for (const m of body.matchAll(TOKEN)) {
    const [, cdata, slash, tag, selfClose, text, lt] = m;
    if (lt !== undefined) throw new FormatError('ofx_malformed', `a "<" that starts no tag at character ${m.index}`);
    if (tag !== undefined) {
      const name = tag.toUpperCase();
      if (slash) {
        if (lastLeaf && lastLeaf.name === name) {
          lastLeaf = null;
          continue;
        }
        lastLeaf = null;
        const at = stack.map((n) => n.name).lastIndexOf(name);
        if (at <= 0) {
          stray++;
          continue;
        }
        while (stack.length > at) {
          const n = stack.pop()!;
          if (n.value === null && n.children.length === 0) n.value = '';
        }
        continue;
      }
      lastLeaf = null;
      closeEmptyLeaf();
      const node: OfxNode = { name, value: selfClose ? '' : null, children: [] };
      top().children.push(node);
      if (!selfClose) stack.push(node);
      continue;
    }
    const value = cdata !== undefined ? cdata : text !== undefined ? text : '';
    if (cdata === undefined && value.trim() === '') continue;
    const t = top();
    if (t !== root && t.value === null && t.children.length === 0) {
      t.value = cdata !== undefined ? cdata.trim() : decodeEntities(value.trim());
      stack.pop();
      lastLeaf = t;
    } else {
      stray++;
    }
  }
  if (stray) warnings.push(`${stray} stray closing tag(s) or text outside an element were ignored`);
  return root;
}

function child(node: OfxNode | undefined, path: string): OfxNode | undefined {
  let cur = node;
  for (const part of path.split('/')) {
    cur = cur?.children.find((c) => c.name === part);
    if (!cur) return undefined;
  }
  return cur;
}

function value(node: OfxNode | undefined, path: string): string | null {
  const v = child(node, path)?.value?.trim();
  return v ? v : null;
}

function findAll(node: OfxNode, names: Set<string>, out: OfxNode[] = [], skip?: Set<string>): OfxNode[] {
  for (const c of node.children) {
    if (names.has(c.name)) out.push(c);
    else if (!skip?.has(c.name)) findAll(c, names, out, skip);
  }
  return out;
}

const DATE = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:[.:]\d{1,6})?)?)?\s*(?:\[\s*([+-]?\d{0,2}(?:\.\d+)?)?\s*(?::\s*[A-Za-z]*)?\s*\])?$/;

/** An OFX date-time as the calendar day the bank wrote (its own time zone); null when empty. */
export function ofxDate(text: string | null, where: string): string | null {
  if (text === null) return null;
  const m = DATE.exec(text.trim());
  if (!m) throw new FormatError('invalid_date', `${where}: "${text}" is not an OFX date (YYYYMMDD[HHMMSS[.XXX]][[±hh:TZ]])`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isRealDate(y, mo, d)) throw new FormatError('invalid_date', `${where}: ${text} is not a calendar date`);
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 60))) {
    throw new FormatError('invalid_date', `${where}: ${text} is not a time of day`);
  }
  return iso(y, mo, d);
}

/** "-1234.56", "+00012.50", "12,34" (decimal comma, some European banks) in minor units. */
function ofxAmount(text: string | null, currency: string, where: string): bigint {
  if (text === null) throw new FormatError('invalid_amount', `${where}: the amount is empty`);
  const t = text.trim();
  const plain = /^[+-]?\d+,\d+$/.test(t) ? t.replace(',', '.') : t;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(plain)) throw new FormatError('invalid_amount', `${where}: "${t}" is not an amount`);
  try {
    return toMinor(plain.replace(/^\+/, ''), currency);
  } catch (err) {
    if (err instanceof AmountError) throw new FormatError(err.code, `${where}: ${err.message}`);
    throw err;
  }
}

function statusOf(node: OfxNode | undefined): { code: string | null; severity: string | null; message: string | null } {
  const s = child(node, 'STATUS');
  return { code: value(s, 'CODE'), severity: value(s, 'SEVERITY')?.toUpperCase() ?? null, message: value(s, 'MESSAGE') };
}

function statement(rs: OfxNode, n: number): Statement {
  const card = rs.name === 'CCSTMTRS';
  const acct = child(rs, card ? 'CCACCTFROM' : 'BANKACCTFROM');
  const where = `statement ${n} (${rs.name})`;
  const acctId = value(acct, 'ACCTID');
  if (!acctId) throw new FormatError('ofx_missing_field', `${where} has no ${card ? 'CCACCTFROM' : 'BANKACCTFROM'}/ACCTID account`);
  const list = child(rs, 'BANKTRANLIST');
  const trns = list?.children.filter((c) => c.name === 'STMTTRN') ?? [];
  const stmtWarnings: string[] = [];
  let currency = value(rs, 'CURDEF')?.toUpperCase() ?? null;
  if (!currency) {
    const syms = new Set(trns.map((t) => value(t, 'CURRENCY/CURSYM') ?? value(t, 'ORIGCURRENCY/CURSYM')).filter((c): c is string => !!c).map((c) => c.toUpperCase()));
    if (syms.size !== 1) throw new FormatError('missing_currency', `${where} has no CURDEF currency${syms.size > 1 ? ` and its transactions are in ${[...syms].join(', ')}` : ''}`);
    currency = [...syms][0]!;
    stmtWarnings.push(`CURDEF is empty: the currency ${currency} is taken from the transactions' CURRENCY`);
  }
  if (isoScale(currency) === undefined) throw new FormatError('unknown_currency', `${where}: unknown currency "${currency}" (not an ISO 4217 code)`);
  const lines: StatementLine[] = trns.map((t, i): StatementLine => {
    const w = `${where} transaction ${i + 1}${value(t, 'FITID') ? ` (FITID ${value(t, 'FITID')})` : ''}`;
    const trnCurrency = child(t, 'CURRENCY');
    const sym = value(trnCurrency, 'CURSYM')?.toUpperCase();
    if (sym && sym !== currency) {
      throw new FormatError('mixed_currency', `${w} is in ${sym} at rate ${value(trnCurrency, 'CURRATE') ?? '?'}, the statement in ${currency}: a line in another currency cannot be imported exactly`);
    }
    const amount = ofxAmount(value(t, 'TRNAMT'), currency!, `${w} TRNAMT`);
    const posted = ofxDate(value(t, 'DTPOSTED'), `${w} DTPOSTED`);
    const user = ofxDate(value(t, 'DTUSER'), `${w} DTUSER`);
    const avail = ofxDate(value(t, 'DTAVAIL'), `${w} DTAVAIL`);
    if (!posted) throw new FormatError('missing_date', `${w} has no DTPOSTED date`);
    const type = value(t, 'TRNTYPE')?.toUpperCase() ?? null;
    const check = value(t, 'CHECKNUM');
    const name = value(t, 'NAME') ?? value(t, 'PAYEE/NAME') ?? value(t, 'EXTDNAME');
    const memo = value(t, 'MEMO');
    return {
      index: i + 1,
      entryIndex: i + 1,
      direction: amount < 0n ? 'debit' : 'credit',
      amountMinor: amount < 0n ? -amount : amount,
      currency: currency!,
      bookingDate: posted,
      valueDate: avail ?? user,
      reversal: false,
      status: type === 'HOLD' ? 'PDNG' : 'BOOK',
      bankReference: value(t, 'FITID'),
      entryReference: value(t, 'FITID'),
      endToEndId: null,
      customerReference: (check && !/^0+$/.test(check) ? check : null) ?? value(t, 'REFNUM'),
      counterpartyName: name,
      counterpartyAccount: value(t, 'BANKACCTTO/ACCTID') ?? value(t, 'CCACCTTO/ACCTID'),
      counterpartyBic: null,
      remittance: memo,
      structuredReference: null,
      transactionCode: [type, value(t, 'SIC')].filter(Boolean).join('/') || null,
      additionalInfo: value(t, 'PAYEE/MEMO'),
    };
  });
  const balanceOf = (tag: 'LEDGERBAL' | 'AVAILBAL'): Balance | null => {
    const b = child(rs, tag);
    if (!b) return null;
    const amt = value(b, 'BALAMT');
    if (amt === null) {
      stmtWarnings.push(`${tag} has no amount (BALAMT is empty)`);
      return null;
    }
    return { type: tag, currency: currency!, amountMinor: ofxAmount(amt, currency!, `${where} ${tag}/BALAMT`), date: ofxDate(value(b, 'DTASOF'), `${where} ${tag}/DTASOF`) };
  };
  let closing = balanceOf('LEDGERBAL');
  if (!closing) {
    closing = balanceOf('AVAILBAL');
    if (closing) stmtWarnings.push('no ledger balance: the available balance (AVAILBAL) is shown as the closing balance');
  }
  const fromDate = ofxDate(value(list, 'DTSTART'), `${where} DTSTART`);
  const toDate = ofxDate(value(list, 'DTEND'), `${where} DTEND`);
  const iban = /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(acctId.replace(/\s+/g, '')) ? acctId.replace(/\s+/g, '') : null;
  return {
    id: `${acctId}/${toDate ?? closing?.date ?? fromDate ?? n}`,
    sequence: null,
    account: { iban, other: iban ? null : acctId, currency, name: null, bic: null },
    currency,
    fromDate,
    toDate,
    opening: null,
    closing,
    summary: null,
    lines,
    warnings: stmtWarnings,
    detailIssues: [],
  };
}

export function looksLikeOfx(text: string): boolean {
  return /^\s*OFXHEADER\s*:/i.test(text) || /^\s*<OFX>/i.test(text) || /^\s*<\?xml[^>]*\?>\s*<\?OFX\b/i.test(text);
}

export function parseOfx(text: string): ParsedStatementFile {
  assertNoDtd(text);
  const warnings: string[] = [];
  const { headers, body } = split(text.replace(/^\uFEFF/, ''));
  const tree = ofxTree(body, warnings);
  const ofx = tree.children.find((c) => c.name === 'OFX');
  if (!ofx) throw new FormatError('ofx_malformed', 'the file has no <OFX> element');
  const signon = statusOf(child(ofx, 'SIGNONMSGSRSV1/SONRS'));
  if (signon.severity === 'ERROR') {
    throw new FormatError('ofx_signon_failed', `the bank refused the sign-on (code ${signon.code ?? '?'}${signon.message ? `: ${signon.message}` : ''}); the file holds no statement`);
  }
  const rss = findAll(ofx, new Set(['STMTRS', 'CCSTMTRS']), [], new Set(['INVSTMTMSGSRSV1']));
  if (!rss.length) {
    const failed = findAll(ofx, new Set(['STMTTRNRS', 'CCSTMTTRNRS'])).map(statusOf).find((s) => s.severity === 'ERROR');
    if (failed) {
      throw new FormatError('ofx_error_response', `the bank answered the statement request with error ${failed.code ?? '?'}${failed.message ? ` (${failed.message})` : ''}; the file holds no statement`);
    }
    if (findAll(ofx, new Set(['INVSTMTRS'])).length) {
      throw new FormatError('ofx_investment_statement', 'this is an OFX investment (brokerage) statement: trades and positions are not receipts or payments; only bank and credit-card statements are imported');
    }
    if (findAll(ofx, new Set(['ACCTINFORS'])).length) {
      throw new FormatError('ofx_no_statement', 'the OFX file is an account list (ACCTINFORS), not a statement');
    }
    throw new FormatError('ofx_no_statement', `the OFX file holds ${child(ofx, 'SIGNONMSGSRSV1') ? 'only a sign-on response' : 'nothing'}, no bank or credit-card statement`);
  }
  if (findAll(ofx, new Set(['INVSTMTRS'])).length) warnings.push('investment statements (INVSTMTRS) in the file were ignored');
  const statements = rss.map((rs, i) => statement(rs, i + 1));
  const version = headers['VERSION'] ?? null;
  const uid = headers['NEWFILEUID'];
  return { format: 'ofx', version, messageId: uid && uid.toUpperCase() !== 'NONE' ? uid : null, statements, warnings };
}
