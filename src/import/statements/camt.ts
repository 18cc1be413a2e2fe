/**
 * ISO 20022 cash-management reports: camt.053 (statement), camt.052 (intraday report) and camt.054
 * (debit/credit notification), message versions 001.01 onwards. The element names the fields use
 * are the same across versions except where noted (Sts is text up to 001.05 and Sts/Cd after;
 * parties sit in Dbtr/Nm up to 001.06 and Dbtr/Pty/Nm after; transaction amounts in
 * AmtDtls/TxAmt/Amt or in TxDtls/Amt).
 */
import { AmountError, toMinor } from './currencies';
import { isoDateOf } from './dates';
import type { Balance, ParsedStatementFile, Statement, StatementFormat, StatementLine } from './model';
import { all, attr, FormatError, first, one, type ParsedXml, text, textOf, texts, type XmlObject, type XmlValue } from '../xml';

const CAMT_NS = /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[234])\.(\d{3}\.\d{2})$/;

/** The camt message kind and version named by the document's namespace, if any. */
export function camtNamespace(xml: ParsedXml): { format: StatementFormat; version: string } | null {
  for (const ns of xml.namespaces) {
    const m = CAMT_NS.exec(ns.trim());
    if (m) return { format: m[1] as StatementFormat, version: m[2]! };
  }
  return null;
}

function findDocument(xml: ParsedXml): XmlObject | undefined {
  if (xml.root === 'Document') return xml.doc;
  // A business application header wrapper (<message><AppHdr/><Document/></message> and the like).
  const queue: XmlValue[] = [xml.doc];
  for (let depth = 0; depth < 3 && queue.length; depth++) {
    const next: XmlValue[] = [];
    for (const n of queue) {
      if (typeof n !== 'object') continue;
      const d = one(n, 'Document');
      if (d && typeof d === 'object') return d;
      for (const [k, v] of Object.entries(n)) if (!k.startsWith('@_') && v !== undefined) next.push(...(Array.isArray(v) ? v : [v]));
    }
    queue.splice(0, queue.length, ...next);
  }
  return undefined;
}

function amountOf(node: XmlValue | undefined, where: string, fallbackCurrency?: string | null): { minor: bigint; currency: string } | null {
  if (node === undefined) return null;
  const raw = textOf(node);
  const currency = attr(node, 'Ccy') ?? fallbackCurrency ?? undefined;
  if (raw === undefined) throw new FormatError('invalid_amount', `${where}: the amount is empty`);
  if (!currency) throw new FormatError('missing_currency', `${where}: the amount has no currency (Ccy)`);
  try {
    return { minor: toMinor(raw, currency), currency };
  } catch (err) {
    if (err instanceof AmountError) throw new FormatError(err.code, `${where}: ${err.message}`);
    throw err;
  }
}

function direction(node: XmlValue | undefined, where: string): 'credit' | 'debit' {
  const v = text(node, 'CdtDbtInd');
  if (v === 'CRDT') return 'credit';
  if (v === 'DBIT') return 'debit';
  throw new FormatError('invalid_direction', `${where}: CdtDbtInd must be CRDT or DBIT, found ${v === undefined ? 'nothing' : `"${v}"`}`);
}

function accountId(node: XmlValue | undefined): string | null {
  return text(node, 'Id/IBAN', 'Id/Othr/Id', 'Id/PrtryAcct/Id') ?? null;
}

function dateOf(node: XmlValue | undefined, path: string, where: string): string | null {
  return isoDateOf(text(node, `${path}/Dt`, `${path}/DtTm`), where);
}

function balanceOf(bal: XmlValue, where: string, accountCurrency: string | null, warnings: string[]): Balance {
  const type = text(bal, 'Tp/CdOrPrtry/Cd', 'Tp/CdOrPrtry/Prtry', 'Tp/Cd', 'Tp/Prtry') ?? '?';
  const amt = amountOf(one(bal, 'Amt'), `${where} (${type})`, accountCurrency);
  if (!amt) throw new FormatError('invalid_balance', `${where} (${type}) has no amount`);
  // The indicator is mandatory, but some banks leave it out of positive balances.
  let dir: 'credit' | 'debit' = 'credit';
  if (text(bal, 'CdtDbtInd') === undefined) warnings.push(`${where} (${type}) has no CdtDbtInd; read as a credit balance`);
  else dir = direction(bal, `${where} (${type})`);
  return { type, currency: amt.currency, amountMinor: dir === 'credit' ? amt.minor : -amt.minor, date: dateOf(bal, 'Dt', `${where} (${type}) date`) };
}

function bankTxCode(node: XmlValue | undefined): string | null {
  const domain = text(node, 'BkTxCd/Domn/Cd');
  if (domain) return [domain, text(node, 'BkTxCd/Domn/Fmly/Cd'), text(node, 'BkTxCd/Domn/Fmly/SubFmlyCd')].filter(Boolean).join('/');
  return text(node, 'BkTxCd/Prtry/Cd') ?? null;
}

const NOT_PROVIDED = /^NOT ?PROVIDED$/i;

/** A reference, or null for the placeholders banks put where they have none. */
function reference(value: string | undefined): string | null {
  return value === undefined || /^(NONREF|NOTPROVIDED|NOT PROVIDED)$/i.test(value) ? null : value;
}

interface Details {
  endToEndId: string | null;
  customerReference: string | null;
  ownReference: string | null;
  counterpartyName: string | null;
  counterpartyAccount: string | null;
  counterpartyBic: string | null;
  remittance: string | null;
  structuredReference: string | null;
  transactionCode: string | null;
  additionalInfo: string | null;
}

function detailsOf(tx: XmlValue | undefined, dir: 'credit' | 'debit'): Details {
  // Money in: the other side is the debtor; money out: the creditor.
  const side = dir === 'credit' ? 'Dbtr' : 'Cdtr';
  const party = first(tx, `RltdPties/${side}/Pty`, `RltdPties/${side}`);
  const ultimate = first(tx, `RltdPties/Ultmt${side}/Pty`, `RltdPties/Ultmt${side}`);
  const e2e = text(tx, 'Refs/EndToEndId');
  const ustrd = texts(tx, 'RmtInf/Ustrd').join(' ').replace(/\s+/g, ' ').trim();
  const strd = [...new Set(texts(tx, 'RmtInf/Strd/CdtrRefInf/Ref'))].join(' ');
  return {
    endToEndId: e2e && !NOT_PROVIDED.test(e2e) ? e2e : null,
    customerReference: ['Refs/InstrId', 'Refs/TxId', 'Refs/PmtInfId'].map((p) => reference(text(tx, p))).find((r) => r !== null) ?? null,
    ownReference: reference(text(tx, 'Refs/AcctSvcrRef')),
    counterpartyName: text(party, 'Nm') ?? text(ultimate, 'Nm') ?? null,
    counterpartyAccount: accountId(one(tx, `RltdPties/${side}Acct`)),
    counterpartyBic: text(tx, `RltdAgts/${side}Agt/FinInstnId/BIC`, `RltdAgts/${side}Agt/FinInstnId/BICFI`) ?? null,
    remittance: ustrd || null,
    structuredReference: strd || null,
    transactionCode: bankTxCode(tx),
    additionalInfo: text(tx, 'AddtlTxInf') ?? null,
  };
}

function parseEntry(ntry: XmlValue, entryIndex: number, where: string, accountCurrency: string | null, statement: Statement, firstLineIndex: number): StatementLine[] {
  const amt = amountOf(one(ntry, 'Amt'), `${where} amount`, accountCurrency);
  if (!amt) throw new FormatError('invalid_amount', `${where} has no amount`);
  const dir = direction(ntry, where);
  const reversal = text(ntry, 'RvslInd') === 'true';
  const status = text(ntry, 'Sts', 'Sts/Cd', 'Sts/Prtry') ?? 'BOOK';
  const bookingDate = dateOf(ntry, 'BookgDt', `${where} booking date`);
  const valueDate = dateOf(ntry, 'ValDt', `${where} value date`);
  const entryRef = reference(text(ntry, 'AcctSvcrRef'));
  const entryCode = bankTxCode(ntry);
  const entryInfo = text(ntry, 'AddtlNtryInf') ?? null;
  const txs = all(ntry, 'NtryDtls/TxDtls');

  const line = (i: number, d: Details, amountMinor: bigint, lineDir: 'credit' | 'debit', bankReference: string | null): StatementLine => ({
    index: firstLineIndex + i,
    entryIndex,
    direction: lineDir,
    amountMinor,
    currency: amt.currency,
    bookingDate,
    valueDate,
    reversal,
    status,
    bankReference,
    entryReference: entryRef ?? d.ownReference ?? text(ntry, 'NtryRef') ?? null,
    endToEndId: d.endToEndId,
    customerReference: d.customerReference,
    counterpartyName: d.counterpartyName,
    counterpartyAccount: d.counterpartyAccount,
    counterpartyBic: d.counterpartyBic,
    remittance: d.remittance,
    structuredReference: d.structuredReference,
    transactionCode: d.transactionCode ?? entryCode,
    additionalInfo: d.additionalInfo ?? entryInfo,
  });

  if (txs.length <= 1) {
    const d = detailsOf(txs[0], dir);
    return [line(0, d, amt.minor, dir, entryRef ?? d.ownReference ?? text(ntry, 'NtryRef') ?? null)];
  }
  // Several transactions booked as one entry (a batch): one line each, when each has its amount.
  const parts = txs.map((tx, i) => {
    const node = first(tx, 'Amt', 'AmtDtls/TxAmt/Amt');
    const a = amountOf(node, `${where} transaction ${i + 1} amount`, amt.currency);
    const txDir = text(tx, 'CdtDbtInd') ? direction(tx, `${where} transaction ${i + 1}`) : dir;
    return a && a.currency === amt.currency ? { minor: a.minor, dir: txDir } : null;
  });
  if (parts.some((p) => p === null)) {
    statement.warnings.push(`${where}: ${txs.length} transaction details without individual amounts in the account currency; kept as one line`);
    const d = detailsOf(txs[0], dir);
    return [line(0, { ...d, counterpartyName: null, counterpartyAccount: null, remittance: texts(ntry, 'NtryDtls/TxDtls/RmtInf/Ustrd').join(' ') || null }, amt.minor, dir, entryRef)];
  }
  const signedSum = parts.reduce((s, p) => s + (p!.dir === dir ? p!.minor : -p!.minor), 0n);
  if (signedSum !== amt.minor) {
    statement.detailIssues.push(`${where}: the ${txs.length} transaction details add up to ${signedSum} minor units, the entry is ${amt.minor}`);
  }
  const base = entryRef ?? text(ntry, 'NtryRef') ?? null;
  return txs.map((tx, i) => {
    const d = detailsOf(tx, parts[i]!.dir);
    const ref = base ? `${base}/${i + 1}` : d.ownReference;
    return line(i, d, parts[i]!.minor, parts[i]!.dir, ref);
  });
}

export function parseCamt(xml: ParsedXml): ParsedStatementFile {
  const ns = camtNamespace(xml);
  if (!ns) {
    const near = xml.namespaces.find((n) => /camt/i.test(n));
    if (near !== undefined) {
      throw new FormatError('camt_unknown_version', `the namespace "${near}" names no camt message and version (expected urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN)`);
    }
    throw new FormatError('camt_no_namespace', 'the document has no ISO 20022 camt namespace, so its message type and version are unknown');
  }
  const document = findDocument(xml);
  const messageKey = document && Object.keys(document).find((k) => k.startsWith('BkToCstmr'));
  const message = messageKey ? one(document, messageKey) : undefined;
  if (!message || typeof message !== 'object') {
    throw new FormatError('camt_no_message', `the ${ns.format} document has no BkToCstmr… message element`);
  }
  const stmtKey = ns.format === 'camt.053' ? 'Stmt' : ns.format === 'camt.052' ? 'Rpt' : 'Ntfctn';
  const nodes = all(message, stmtKey);
  if (!nodes.length) {
    throw new FormatError('no_statements', `the ${ns.format}.${ns.version} message holds no ${stmtKey} element (nothing to import)`);
  }
  let lineIndex = 1;
  const statements = nodes.map((st, si): Statement => {
    lineIndex = 1;
    const id = text(st, 'Id') ?? `#${si + 1}`;
    const where = `${stmtKey} ${id}`;
    const acct = one(st, 'Acct');
    const accountCurrency = text(acct, 'Ccy') ?? null;
    const balanceWarnings: string[] = [];
    const balances = all(st, 'Bal').map((b, i) => balanceOf(b, `${where} balance ${i + 1}`, accountCurrency, balanceWarnings));
    const byType = (...types: string[]) => {
      for (const t of types) {
        const b = balances.find((x) => x.type === t);
        if (b) return b;
      }
      return null;
    };
    const statement: Statement = {
      id,
      sequence: text(st, 'ElctrncSeqNb', 'LglSeqNb') ?? null,
      account: {
        iban: text(acct, 'Id/IBAN') ?? null,
        other: text(acct, 'Id/Othr/Id', 'Id/PrtryAcct/Id') ?? null,
        currency: accountCurrency,
        name: text(acct, 'Nm') ?? null,
        bic: text(acct, 'Svcr/FinInstnId/BIC', 'Svcr/FinInstnId/BICFI') ?? null,
      },
      currency: '',
      fromDate: isoDateOf(text(st, 'FrToDt/FrDtTm', 'FrToDt/FrDt'), `${where} from date`),
      toDate: isoDateOf(text(st, 'FrToDt/ToDtTm', 'FrToDt/ToDt'), `${where} to date`),
      // Opening: booked opening, or the previous closing (PRCD) that some banks send instead.
      opening: byType('OPBD', 'PRCD'),
      // Closing: booked closing; an intraday report (camt.052) may carry an interim booked one.
      closing: byType('CLBD', ...(ns.format === 'camt.052' ? ['ITBD'] : [])),
      summary: null,
      lines: [],
      warnings: balanceWarnings,
      detailIssues: [],
    };
    const entries = all(st, 'Ntry');
    for (const [ei, ntry] of entries.entries()) {
      const lines = parseEntry(ntry, ei + 1, `${where} entry ${ei + 1}`, accountCurrency, statement, lineIndex);
      lineIndex += lines.length;
      statement.lines.push(...lines);
    }
    statement.currency = accountCurrency ?? statement.opening?.currency ?? statement.lines[0]?.currency ?? statement.closing?.currency ?? '';
    if (!statement.currency) throw new FormatError('missing_currency', `${where}: no account currency, balance or entry tells the currency`);
    for (const l of statement.lines) {
      if (l.currency !== statement.currency) {
        throw new FormatError('currency_mismatch', `${where} entry ${l.entryIndex} is in ${l.currency}, the account in ${statement.currency}`);
      }
    }
    const summary = one(st, 'TxsSummry');
    if (summary) {
      const cur = statement.currency;
      const count = (n: XmlValue | undefined) => {
        const t = text(n, 'NbOfNtries');
        return t !== undefined && /^\d+$/.test(t) ? Number(t) : undefined;
      };
      const sumOf = (n: XmlValue | undefined, path: string, label: string) => {
        const t = text(n, path);
        return t === undefined ? undefined : amountOf(t, `${where} summary ${label}`, cur)!.minor;
      };
      const s: NonNullable<Statement['summary']> = {};
      const tot = one(summary, 'TtlNtries');
      const totCount = count(tot);
      if (totCount !== undefined) {
        const netNode = one(tot, 'TtlNetNtry');
        const netAmt = text(netNode, 'Amt') ?? text(tot, 'TtlNetNtryAmt');
        let netMinor: bigint | undefined;
        if (netAmt !== undefined) {
          const minor = amountOf(netAmt, `${where} summary net`, cur)!.minor;
          const d = text(netNode, 'CdtDbtInd') ?? text(tot, 'CdtDbtInd');
          netMinor = d === 'DBIT' ? -minor : minor;
        }
        s.entries = { count: totCount, ...(sumOf(tot, 'Sum', 'sum') !== undefined ? { sumMinor: sumOf(tot, 'Sum', 'sum')! } : {}), ...(netMinor !== undefined ? { netMinor } : {}) };
      }
      for (const [key, path] of [
        ['credits', 'TtlCdtNtries'],
        ['debits', 'TtlDbtNtries'],
      ] as const) {
        const n = one(summary, path);
        const c = count(n);
        const sm = sumOf(n, 'Sum', key);
        if (c !== undefined && sm !== undefined) s[key] = { count: c, sumMinor: sm };
      }
      statement.summary = Object.keys(s).length ? s : null;
    }
    return statement;
  });
  return { format: ns.format, version: ns.version, messageId: text(message, 'GrpHdr/MsgId') ?? null, statements, warnings: [] };
}
