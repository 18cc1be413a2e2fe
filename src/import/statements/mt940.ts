/**
 * SWIFT MT940 customer statements (and MT942 interim reports, which share the :61:/:86: lines).
 * Hand-written because no maintained TypeScript library is at hand; kept to what the field list
 * needs and tolerant of what real banks send: a free-text preamble before the first :20:
 * (Danske Bank), SWIFT envelopes {1:…}{2:…}{4: … -}, SOH/ETX and ^Z separators, Rabobank's
 * ":940:" header, funds codes after the debit/credit mark (DR, CK …), several statements per
 * file, and the two structured :86: forms in use: German "?20…?29" sub-fields and the Dutch
 * "/TAG/value" form (/REMI/, /EREF/, /ORDP/, /IBAN/, /NAME/ …).
 */
import { AmountError, toMinor } from './currencies';
import { iso, isRealDate, swiftDate } from './dates';
import type { Balance, ParsedStatementFile, Statement, StatementLine } from './model';
import { FormatError } from '../xml';

interface Field {
  tag: string;
  value: string;
  line: number;
}

const TAG = /^:(\d{2}[A-Z]?|NS):(.*)$/;
const KNOWN_TAGS = new Set(['20', '21', '25', '25P', '28', '28C', '60F', '60M', '61', '62F', '62M', '64', '65', '86', '13', '13D', '34F', '90D', '90C', 'NS']);

/** Splits the text into fields; continuation lines are appended to the field they continue. */
function fields(text: string, warnings: string[]): Field[] {
  const cleaned = text
    .replace(/\r\n?/g, '\n')
    // SWIFT FIN envelopes: basic/application/user/trailer blocks and the text block markers.
    .replace(/\{[1235]:(?:[^{}]|\{[^{}]*\})*\}/g, '\n')
    .replace(/\{4:/g, '\n')
    .replace(/-\}/g, '\n-\n')
    // SOH/ETX message delimiters and the DOS end-of-file mark.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: exactly these separators are meant
    .replace(/[\u0001\u0003\u001a]/g, '\n');
  const out: Field[] = [];
  let preamble = 0;
  let seenStart = false;
  for (const [i, raw] of cleaned.split('\n').entries()) {
    const lineNo = i + 1;
    const line = raw.replace(/\s+$/, '');
    const m = TAG.exec(line);
    const last = out[out.length - 1];
    if (m && (KNOWN_TAGS.has(m[1]!) || last?.tag !== '86')) {
      if (m[1] === '20') seenStart = true;
      if (!seenStart) {
        preamble++;
        continue;
      }
      if (!KNOWN_TAGS.has(m[1]!)) warnings.push(`line ${lineNo}: tag :${m[1]}: is not an MT940 field and was ignored`);
      out.push({ tag: m[1]!, value: m[2]!, line: lineNo });
      continue;
    }
    if (m && last?.tag === '86') {
      // A wrapped :86: line that happens to start like a tag (":26:37 …" after "T16").
      warnings.push(`line ${lineNo}: "${line.slice(0, 12)}" is not an MT940 tag; read as a continuation of :86:`);
    }
    if (!seenStart) {
      if (line.trim() !== '' && line !== ':940:') preamble++;
      continue;
    }
    if (line.trim() === '-' || line === ':940:') {
      out.push({ tag: 'END', value: '', line: lineNo });
      continue;
    }
    if (last && last.tag !== 'END') last.value += `\n${raw.replace(/\r$/, '')}`;
    else if (line.trim() !== '') warnings.push(`line ${lineNo}: text outside any field was ignored`);
  }
  if (preamble) warnings.push(`${preamble} line(s) before the first :20: were skipped as a preamble`);
  return out;
}

/**
 * SWIFT amounts use a decimal comma. Some banks send a point instead (old Rabobank exports) or no
 * decimals at all (Knab "500"); both are unambiguous because amounts never carry thousands
 * separators, so they are read too.
 */
function amount(text: string, currency: string, where: string): bigint {
  if (!/^\d+([,.]\d*)?$/.test(text)) throw new FormatError('invalid_amount', `${where}: "${text}" is not an MT940 amount (digits with a decimal comma)`);
  try {
    return toMinor(text.replace(',', '.'), currency);
  } catch (err) {
    if (err instanceof AmountError) throw new FormatError(err.code, `${where}: ${err.message}`);
    throw err;
  }
}

function balance(f: Field): Balance {
  const where = `line ${f.line} :${f.tag}:`;
  const m = /^([CD])(\d{6})([A-Z]{3})(\S+)$/.exec(f.value.trim());
  if (!m) throw new FormatError('invalid_balance', `${where}: "${f.value.trim()}" is not a balance (C/D, YYMMDD, currency, amount)`);
  const minor = amount(m[4]!, m[3]!, where);
  return { type: f.tag, currency: m[3]!, date: swiftDate(m[2]!, where), amountMinor: m[1] === 'D' ? -minor : minor };
}

// value date, entry date, mark, funds code, amount, transaction type (some banks put a space before
// it or leave it out before the //bank reference), references.
const STATEMENT_LINE = /^(\d{6})(\d{4})?(RC|RD|C|D)([A-Z])?(\d+(?:[,.]\d*)?) ?(?:([A-Z][A-Z0-9 ]{3})|(?=\/\/|$))(.*)$/;

/** :61: → the line's own fields (the :86: details are added afterwards). */
function statementLine(f: Field, currency: string, index: number): StatementLine {
  const where = `line ${f.line} :61:`;
  const [first, ...rest] = f.value.split('\n');
  const m = STATEMENT_LINE.exec(first!.trim());
  if (!m) throw new FormatError('invalid_statement_line', `${where}: "${first!.trim()}" is not a statement line (value date, C/D/RC/RD, amount, type, reference)`);
  const valueDate = swiftDate(m[1]!, where);
  let bookingDate = valueDate;
  if (m[2]) {
    // The entry date has no year: take the value date's, moved across a year end if needed.
    const vy = Number(valueDate.slice(0, 4));
    const vm = Number(valueDate.slice(5, 7));
    const em = Number(m[2].slice(0, 2));
    const ed = Number(m[2].slice(2, 4));
    const year = vm === 12 && em === 1 ? vy + 1 : vm === 1 && em === 12 ? vy - 1 : vy;
    if (!isRealDate(year, em, ed)) throw new FormatError('invalid_date', `${where}: entry date ${m[2]} is not a calendar date (MMDD)`);
    bookingDate = iso(year, em, ed);
  }
  const mark = m[3]!;
  const refs = m[7]!;
  const slash = refs.indexOf('//');
  const customer = (slash >= 0 ? refs.slice(0, slash) : refs).trim();
  const bank = slash >= 0 ? refs.slice(slash + 2).trim() : '';
  const supplementary = rest.map((r) => r.trim()).filter(Boolean).join(' ');
  return {
    index,
    entryIndex: index,
    // RC reverses a credit (money goes out again), RD reverses a debit (money comes back).
    direction: mark === 'C' || mark === 'RD' ? 'credit' : 'debit',
    amountMinor: amount(m[5]!, currency, where),
    currency,
    bookingDate,
    valueDate,
    reversal: mark.startsWith('R'),
    status: 'BOOK',
    bankReference: bank && bank !== 'NONREF' ? bank : null,
    entryReference: bank && bank !== 'NONREF' ? bank : null,
    endToEndId: null,
    customerReference: customer && customer !== 'NONREF' ? customer : null,
    counterpartyName: null,
    counterpartyAccount: null,
    counterpartyBic: null,
    remittance: null,
    structuredReference: null,
    transactionCode: m[6]?.trim() || null,
    additionalInfo: supplementary || null,
  };
}

// ---------------------------------------------------------------------------------------------
// :86: information to account owner
// ---------------------------------------------------------------------------------------------

interface Info {
  counterpartyName?: string;
  counterpartyAccount?: string;
  counterpartyBic?: string;
  remittance?: string;
  endToEndId?: string;
  structuredReference?: string;
  code?: string;
}

const SEPA_KEYS = ['EREF', 'KREF', 'MREF', 'CRED', 'DEBT', 'SVWZ', 'ABWA', 'ABWE', 'IBAN', 'BIC', 'COAM', 'OAMT'];

/**
 * German "GVC?00…?20…?63" form ('>' instead of '?' at some banks). Sub-fields wrap at fixed
 * widths, so the pieces join without spaces.
 */
function germanInfo(value: string, separator: string): Info {
  const joined = value.replace(/\n/g, '');
  const code = joined.slice(0, 3);
  const parts = new Map<number, string>();
  const sep = separator === '?' ? '\\?' : separator;
  for (const m of joined.slice(3).matchAll(new RegExp(`${sep}(\\d{2})([^${sep}]*)`, 'g'))) parts.set(Number(m[1]), (parts.get(Number(m[1])) ?? '') + m[2]!);
  const purpose = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 60, 61, 62, 63].map((k) => parts.get(k) ?? '').join('');
  const info: Info = { code };
  const tagged = new RegExp(`(${SEPA_KEYS.join('|')})\\+`, 'g');
  const marks = [...purpose.matchAll(tagged)];
  if (marks.length) {
    const values = new Map<string, string>();
    marks.forEach((m, i) => {
      const end = i + 1 < marks.length ? marks[i + 1]!.index : purpose.length;
      values.set(m[1]!, purpose.slice(m.index + m[0].length, end).trim());
    });
    const before = purpose.slice(0, marks[0]!.index).trim();
    info.remittance = values.get('SVWZ') || before || undefined;
    const eref = values.get('EREF');
    if (eref && !/^NOTPROVIDED$/i.test(eref)) info.endToEndId = eref;
  } else if (purpose.trim()) info.remittance = purpose.trim();
  const name = `${parts.get(32) ?? ''}${parts.get(33) ?? ''}`.trim();
  if (name) info.counterpartyName = name;
  if (parts.get(31)?.trim()) info.counterpartyAccount = parts.get(31)!.trim();
  if (parts.get(30)?.trim()) info.counterpartyBic = parts.get(30)!.trim();
  return info;
}

const SLASH_KEYS = [
  'TRTP', 'IBAN', 'BIC', 'NAME', 'REMI', 'EREF', 'ORDP', 'BENM', 'CSID', 'MARF', 'RTRN', 'PURP', 'CNTP',
  'ULTC', 'ULTD', 'ULTB', 'ADDR', 'ISDT', 'PREF', 'ID', 'CDTRREF', 'CDTRREFTP', 'SVCL', 'FX', 'ORIG', 'EXCH', 'CHGS', 'BUSP',
];

/** Dutch "/TAG/value/TAG/value" form (ABN AMRO, ING, Rabobank, Knab, Bunq, Triodos …). */
function slashInfo(value: string): Info {
  const joined = value.replace(/\n/g, '');
  const re = new RegExp(`/(${SLASH_KEYS.join('|')})/`, 'g');
  const marks = [...joined.matchAll(re)].filter((m, i, arr) => i === 0 || m.index >= arr[i - 1]!.index + arr[i - 1]![0].length - 1);
  const values: [string, string][] = marks.map((m, i) => {
    const end = i + 1 < marks.length ? marks[i + 1]!.index : joined.length;
    return [m[1]!, joined.slice(m.index + m[0].length, end).replace(/\/+$/, '').trim()];
  });
  const get = (k: string) => values.find(([key, v]) => key === k && v !== '')?.[1];
  const info: Info = {};
  const remi = get('REMI');
  if (remi !== undefined) {
    const strd = /^STRD\/CUR\/(.*)$/.exec(remi);
    if (strd) info.structuredReference = strd[1]!.trim();
    info.remittance = remi.replace(/^USTD\/\//, '').replace(/^STRD\/CUR\//, '').trim() || undefined;
  }
  const eref = get('EREF');
  if (eref && !/^NOTPROVIDED$/i.test(eref)) info.endToEndId = eref;
  const cntp = get('CNTP');
  if (cntp !== undefined) {
    const [account, bic, name] = cntp.split('/').map((s) => s.trim());
    if (account) info.counterpartyAccount = account;
    if (bic) info.counterpartyBic = bic;
    if (name) info.counterpartyName = name;
  }
  info.counterpartyAccount ??= get('IBAN');
  info.counterpartyBic ??= get('BIC');
  info.counterpartyName ??= get('NAME');
  info.code = get('TRTP');
  if (!info.remittance && !values.length) info.remittance = joined.trim() || undefined;
  return info;
}

function info(value: string): Info {
  const v = value.trim();
  const german = /^\d{3}\n?([?>])\d{2}/.exec(v);
  if (german) return germanInfo(v, german[1]!);
  if (/^\/(?:[A-Z]{2,9})\//.test(v) || /\/(REMI|EREF|ORDP|BENM|TRTP|CNTP)\//.test(v)) return slashInfo(v);
  // Free text (older layouts, Danske Bank, SNS …): kept as the remittance, lines joined by spaces.
  return { remittance: v.split('\n').map((s) => s.trim()).filter(Boolean).join(' ') || undefined };
}

// ---------------------------------------------------------------------------------------------

/** Any line that starts like an MT940 field (":20:", ":60F:" …). */
export function looksLikeMt940(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: SOH may precede the first field
  return /(^|[\n\r\u0001{])\s*:(\d{2}[A-Z]?|NS):/.test(text.slice(0, 1_000_000));
}

export function parseMt940(text: string): ParsedStatementFile {
  const warnings: string[] = [];
  const all = fields(text, warnings);
  if (!all.some((f) => f.tag === '20')) {
    throw new FormatError('mt940_no_statement', 'no :20: transaction reference found: the file holds no complete MT940/MT942 statement');
  }
  const groups: Field[][] = [];
  for (const f of all) {
    if (f.tag === '20') groups.push([f]);
    else if (f.tag !== 'END') groups[groups.length - 1]?.push(f);
  }
  const isMt942 = groups.every((g) => !g.some((f) => f.tag.startsWith('60'))) && groups.some((g) => g.some((f) => ['34F', '13D', '13', '90D', '90C'].includes(f.tag)));
  const statements = groups.map((g, gi): Statement => {
    const id = g[0]!.value.trim();
    const where = `statement ${gi + 1} (:20:${id})`;
    const get = (...tags: string[]) => g.find((f) => tags.includes(f.tag));
    const acct = get('25', '25P');
    if (!acct) throw new FormatError('mt940_missing_field', `${where} has no :25: account identification`);
    const openingField = get('60F', '60M');
    const closingField = get('62F', '62M');
    if (!isMt942 && !openingField) throw new FormatError('mt940_missing_field', `${where} has no opening balance :60F:/:60M:`);
    if (!isMt942 && !closingField) throw new FormatError('mt940_missing_field', `${where} has no closing balance :62F:/:62M:`);
    const opening = openingField ? balance(openingField) : null;
    const closing = closingField ? balance(closingField) : null;
    let currency = opening?.currency ?? closing?.currency;
    const floor = get('34F');
    if (!currency && floor) currency = /^([A-Z]{3})/.exec(floor.value.trim())?.[1];
    const sums = g.filter((f) => f.tag === '90D' || f.tag === '90C');
    if (!currency && sums[0]) currency = /^\d+([A-Z]{3})/.exec(sums[0].value.trim())?.[1];
    if (!currency) throw new FormatError('missing_currency', `${where}: no balance or floor limit tells the currency`);
    // Some banks append the currency to the account ("NL10BUNQ2290325473 EUR", "…/9223382012EUR").
    let accountText = acct.value.trim();
    const suffixed = new RegExp(`^(.*\\d)\\s?${currency}$`).exec(accountText);
    if (suffixed) accountText = suffixed[1]!.trim();
    const iban = /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(accountText) ? accountText : null;
    const statement: Statement = {
      id,
      sequence: get('28C', '28')?.value.trim() || null,
      account: { iban, other: iban ? null : accountText, currency, name: null, bic: null },
      currency,
      fromDate: opening?.date ?? null,
      toDate: closing?.date ?? null,
      opening,
      closing,
      summary: null,
      lines: [],
      warnings: [],
      detailIssues: [],
    };
    let current: StatementLine | null = null;
    let details: string[] = [];
    const flush = () => {
      if (current && details.length) {
        const i = info(details.join('\n'));
        current.counterpartyName = i.counterpartyName ?? null;
        current.counterpartyAccount = i.counterpartyAccount?.replace(/\s+/g, '') ?? null;
        // Rabobank puts the counterparty's IBAN in the :61: supplementary details.
        if (!current.counterpartyAccount && current.additionalInfo && /^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(current.additionalInfo)) {
          current.counterpartyAccount = current.additionalInfo;
        }
        current.counterpartyBic = i.counterpartyBic ?? null;
        current.remittance = i.remittance ?? null;
        current.endToEndId = i.endToEndId ?? null;
        current.structuredReference = i.structuredReference ?? null;
        if (i.code) current.transactionCode = `${current.transactionCode}/${i.code}`;
      }
      details = [];
    };
    const info86: string[] = [];
    for (const f of g) {
      if (f.tag === '61') {
        flush();
        current = statementLine(f, currency, statement.lines.length + 1);
        statement.lines.push(current);
      } else if (f.tag === '86') {
        if (current) details.push(f.value);
        else info86.push(f.value.trim());
      } else {
        flush();
        if (f.tag.startsWith('62') || f.tag === '64' || f.tag === '65') current = null;
      }
    }
    flush();
    if (info86.length) statement.warnings.push(`statement information (:86: outside a line): ${info86.join(' | ').replace(/\s+/g, ' ').slice(0, 300)}`);
    for (const f of sums) {
      const m = /^(\d+)([A-Z]{3})(\d+,\d*)$/.exec(f.value.trim());
      if (!m) throw new FormatError('invalid_summary', `line ${f.line} :${f.tag}: "${f.value.trim()}" is not a count, currency and amount`);
      const entry = { count: Number(m[1]), sumMinor: amount(m[3]!, m[2]!, `line ${f.line} :${f.tag}:`) };
      statement.summary = { ...statement.summary, [f.tag === '90D' ? 'debits' : 'credits']: entry };
    }
    return statement;
  });
  return { format: isMt942 ? 'mt942' : 'mt940', version: null, messageId: null, statements, warnings };
}
