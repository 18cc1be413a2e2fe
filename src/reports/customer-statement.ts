/**
 * Customer statements (对账单) and balance confirmation (询证 / 对账确认): for a customer and a
 * period, the opening balance, every invoice, credit note, receipt and adjustment, and the closing
 * balance, per currency — as JSON, PDF (Chinese drawn properly) and XLSX; sent by e-mail with a
 * link where the customer confirms the balance or disputes items, and the answer recorded.
 *
 * The balance is the ledger's: invoices − credit notes − receipts − adjustments (unapplied cash
 * reduces what the customer owes), the same running balance as the customer's ledger page.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { createSmtpChannel, type EmailChannel, mailDomain, smtpConfigFromEnv } from '../collections/channels/email';
import type { Database, Queryable } from '../db/database';
import { formatAmount, parseAmount } from '../domain/money';
import { type Actor, createdBy, requireLedgerWriter, withActor } from '../services/actor';
import { audit } from '../services/audit';
import { AppError, conflict, invalid, notFound } from '../services/errors';
import { partyLedger } from '../services/ledger/queries';
import { renderTablePdf } from './pdf';

export interface StatementLine {
  date: string;
  type: string;
  number: string;
  debit: string;
  credit: string;
  balance: string;
}

export interface CustomerStatement {
  party: { id: string; code: string; name: string };
  from: string;
  to: string;
  currencies: { currency: string; opening: string; debits: string; credits: string; closing: string; lines: StatementLine[] }[];
}

export async function buildStatement(tx: Queryable, partyId: string, from: string, to: string): Promise<CustomerStatement> {
  if (to < from) throw invalid('invalid_period', 'the period ends before it starts', 'to');
  const [party] = await tx.query<{ id: string; code: string; name: string }>('SELECT id, code, name FROM parties WHERE id = $1 AND is_customer', [partyId]);
  if (!party) throw notFound('customer', 'id');
  const ledger = await partyLedger(tx, partyId, 'AR', to);
  const minor = (text: string, currency: string) => parseAmount(text, currency);
  const byCurrency = new Map<string, { opening: bigint; debits: bigint; credits: bigint; closing: bigint; lines: StatementLine[] }>();
  for (const item of ledger.items) {
    const c = byCurrency.get(item.currency) ?? { opening: 0n, debits: 0n, credits: 0n, closing: 0n, lines: [] };
    const balance = minor(item.balance, item.currency);
    if (item.date < from) c.opening = balance;
    else {
      c.debits += minor(item.debit, item.currency);
      c.credits += minor(item.credit, item.currency);
      c.lines.push({ date: item.date, type: item.type, number: item.number, debit: item.debit, credit: item.credit, balance: item.balance });
    }
    c.closing = balance;
    byCurrency.set(item.currency, c);
  }
  return {
    party,
    from,
    to,
    currencies: [...byCurrency]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, c]) => ({
        currency,
        opening: formatAmount(c.opening, currency),
        debits: formatAmount(c.debits, currency),
        credits: formatAmount(c.credits, currency),
        closing: formatAmount(c.closing, currency),
        lines: c.lines,
      })),
  };
}

const TYPE_ZH: Record<string, string> = { invoice: '发票', credit_note: '红字发票', receipt: '收款', adjustment: '调整' };

function rowsOf(s: CustomerStatement, zh: boolean) {
  const rows: Record<string, string | null>[] = [];
  for (const c of s.currencies) {
    rows.push({ date: s.from, type: zh ? '期初余额' : 'Opening balance', number: '', currency: c.currency, debit: '', credit: '', balance: c.opening });
    for (const l of c.lines) rows.push({ date: l.date, type: zh ? (TYPE_ZH[l.type] ?? l.type) : l.type.replace('_', ' '), number: l.number, currency: c.currency, debit: l.debit === '0.00' ? '' : l.debit, credit: l.credit === '0.00' ? '' : l.credit, balance: l.balance });
  }
  return rows;
}

export function statementPdf(s: CustomerStatement, locale: 'zh-CN' | 'en-US' = 'zh-CN', company = ''): Promise<Buffer> {
  const zh = locale === 'zh-CN';
  const body = rowsOf(s, zh);
  const totalsFrom = body.length;
  for (const c of s.currencies) body.push({ date: s.to, type: zh ? '期末余额' : 'Closing balance', number: '', currency: c.currency, debit: c.debits, credit: c.credits, balance: c.closing });
  return renderTablePdf({
    title: zh ? `对账单 ${s.party.name}` : `Statement of account — ${s.party.name}`,
    meta: [
      `${zh ? '客户编码' : 'Customer'} ${s.party.code} · ${zh ? '期间' : 'Period'} ${s.from} – ${s.to}${company ? ` · ${company}` : ''}`,
      zh ? '如对本对账单所列余额有异议，请通过邮件中的链接告知，或与我方财务联系。' : 'If you disagree with the balance shown, please tell us through the link in the e-mail.',
    ],
    columns: [
      { key: 'date', label: zh ? '日期' : 'Date', weight: 1.1 },
      { key: 'type', label: zh ? '类型' : 'Type', weight: 1.1 },
      { key: 'number', label: zh ? '单号' : 'Number', weight: 1.6 },
      { key: 'currency', label: zh ? '币种' : 'Currency', weight: 0.7 },
      { key: 'debit', label: zh ? '借方（应收）' : 'Debit', align: 'right', weight: 1.3 },
      { key: 'credit', label: zh ? '贷方（已收/冲减）' : 'Credit', align: 'right', weight: 1.3 },
      { key: 'balance', label: zh ? '余额' : 'Balance', align: 'right', weight: 1.3 },
    ],
    rows: body,
    totalsFrom,
    footer: 'Shoufu 收付',
    locale,
  });
}

export async function statementXlsx(s: CustomerStatement, locale: 'zh-CN' | 'en-US' = 'zh-CN'): Promise<Buffer> {
  const zh = locale === 'zh-CN';
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(zh ? '对账单' : 'Statement');
  ws.addRow([zh ? `对账单 ${s.party.name}（${s.party.code}）` : `Statement of account — ${s.party.name} (${s.party.code})`]).font = { bold: true, size: 13 };
  ws.addRow([`${zh ? '期间' : 'Period'} ${s.from} – ${s.to}`]);
  ws.addRow([]);
  const header = ws.addRow(zh ? ['日期', '类型', '单号', '币种', '借方', '贷方', '余额'] : ['Date', 'Type', 'Number', 'Currency', 'Debit', 'Credit', 'Balance']);
  header.font = { bold: true };
  const num = (v: string | null | undefined) => (v ? Number(v) : null);
  const add = (r: Record<string, string | null>, bold = false) => {
    const row = ws.addRow([r.date, r.type, r.number, r.currency, num(r.debit), num(r.credit), num(r.balance)]);
    for (const i of [5, 6, 7]) row.getCell(i).numFmt = '#,##0.00';
    if (bold) row.font = { bold: true };
  };
  for (const r of rowsOf(s, zh)) add(r);
  for (const c of s.currencies) add({ date: s.to, type: zh ? '期末余额' : 'Closing balance', number: '', currency: c.currency, debit: c.debits, credit: c.credits, balance: c.closing }, true);
  ws.columns.forEach((col, i) => {
    col.width = [12, 12, 20, 8, 16, 16, 16][i] ?? 12;
  });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await wb.xlsx.write(out);
  return Buffer.concat(chunks);
}

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

/**
 * Sends the statement for confirmation: a snapshot is kept with the hash of a one-time link token;
 * the mail carries the PDF and XLSX and the link. The link works for 60 days.
 */
export async function sendStatement(
  db: Database,
  actor: Actor,
  input: { partyId: string; from: string; to: string; recipients: string[]; baseUrl: string; locale?: 'zh-CN' | 'en-US' },
  channel?: EmailChannel,
): Promise<{ id: string; link: string; outcome: string }> {
  requireLedgerWriter(actor);
  const recipients = [...new Set(input.recipients.map((r) => r.trim()).filter(Boolean))];
  if (recipients.length === 0 || recipients.some((r) => !EMAIL.test(r))) throw invalid('invalid_recipients', 'give the customer’s e-mail address(es)', 'recipients');
  const token = randomBytes(24).toString('base64url');
  const statement = await withActor(db, actor, (tx) => buildStatement(tx, input.partyId, input.from, input.to));
  const id = await withActor(db, actor, async (tx) => {
    const [row] = await tx.query<{ id: string }>(
      `INSERT INTO statement_confirmations (party_id, period_from, period_to, snapshot, token_hash, sent_to, sent_by, expires_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, now() + interval '60 days') RETURNING id`,
      [input.partyId, input.from, input.to, JSON.stringify(statement), hash(token), recipients, createdBy(actor)],
    );
    await audit(tx, actor, 'statement.send', 'party', input.partyId, null, { confirmation: row!.id, from: input.from, to: input.to, recipients, closing: statement.currencies.map((c) => `${c.closing} ${c.currency}`) });
    return row!.id;
  });
  const link = `${input.baseUrl.replace(/\/$/, '')}/confirm/${token}`;
  const locale = input.locale ?? 'zh-CN';
  const zh = locale === 'zh-CN';
  const closing = statement.currencies.map((c) => `${c.closing} ${c.currency}`).join('，') || '0.00';
  const own = channel ?? (() => {
    const config = smtpConfigFromEnv();
    if (!config) throw new AppError(503, 'smtp_not_configured', 'e-mail is not configured: set SHOUFU_SMTP_URL (and SHOUFU_MAIL_FROM)');
    return createSmtpChannel(config);
  })();
  try {
    const r = await own.send({
      to: recipients.join(', '),
      subject: zh ? `对账单 ${statement.party.name} ${input.from}至${input.to}，请确认余额` : `Statement ${input.from} to ${input.to}: please confirm the balance`,
      text: zh
        ? `${statement.party.name}：\n\n附件为贵司 ${input.from} 至 ${input.to} 的对账单，截至 ${input.to} 余额为 ${closing}。\n请点击以下链接确认余额或提出异议：\n${link}\n`
        : `${statement.party.name},\n\nAttached is your statement for ${input.from} to ${input.to}; the balance at ${input.to} is ${closing}.\nPlease confirm it or tell us what you disagree with:\n${link}\n`,
      html: `<p>${zh ? `附件为贵司 ${input.from} 至 ${input.to} 的对账单，截至 ${input.to} 余额为 <b>${closing}</b>。` : `Your statement for ${input.from} to ${input.to}: balance <b>${closing}</b>.`}</p><p><a href="${link}">${zh ? '确认余额或提出异议' : 'Confirm or dispute'}</a></p>`,
      messageId: `<statement-${id}@${mailDomain(own.from)}>`,
      headers: {},
      attachments: [
        { filename: `${zh ? '对账单' : 'statement'}-${statement.party.code}-${input.to}.pdf`, content: await statementPdf(statement, locale), contentType: 'application/pdf' },
        { filename: `${zh ? '对账单' : 'statement'}-${statement.party.code}-${input.to}.xlsx`, content: await statementXlsx(statement, locale), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
      ],
    });
    return { id, link, outcome: r.outcome };
  } finally {
    if (!channel) own.close();
  }
}

/** What the customer sees through the link: the snapshot that was sent, and any answer. */
export async function statementByToken(db: Database, token: string) {
  const [row] = await db.query<{ id: string; snapshot: CustomerStatement; response: string | null; response_comment: string | null; responded_at: Date | null; expires_at: Date; expired: boolean }>(
    'SELECT id, snapshot, response, response_comment, responded_at, expires_at, expires_at < now() AS expired FROM statement_confirmations WHERE token_hash = $1',
    [hash(token)],
  );
  if (!row) throw notFound('statement', 'token');
  return {
    id: row.id,
    statement: row.snapshot,
    response: row.response,
    comment: row.response_comment,
    respondedAt: row.responded_at ? new Date(row.responded_at).toISOString() : null,
    expiresAt: new Date(row.expires_at).toISOString(),
    expired: row.expired,
  };
}

/** The customer's answer: once, before the link expires; recorded and audited. */
export async function respondToStatement(db: Database, token: string, answer: { response: 'confirmed' | 'disputed'; comment?: string | null; disputedItems?: string[] }) {
  if (answer.response === 'disputed' && !answer.comment?.trim() && !answer.disputedItems?.length) {
    throw invalid('dispute_reason_required', 'say which items you disagree with, or why', 'comment');
  }
  return db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: string; party_id: string; response: string | null; expired: boolean }>(
      'SELECT id, party_id, response, expires_at < now() AS expired FROM statement_confirmations WHERE token_hash = $1 FOR UPDATE',
      [hash(token)],
    );
    if (!row) throw notFound('statement', 'token');
    if (row.response) throw conflict('already_answered', 'this statement has been answered already');
    if (row.expired) throw new AppError(410, 'link_expired', 'this link has expired: ask for a new statement');
    await tx.query(
      `UPDATE statement_confirmations SET response = $2, response_comment = $3, disputed_items = $4::jsonb, responded_at = now() WHERE id = $1`,
      [row.id, answer.response, answer.comment?.trim() || null, answer.disputedItems?.length ? JSON.stringify(answer.disputedItems) : null],
    );
    await tx.query(`SELECT audit_append(NULL, 'customer', $1, 'party', $2, NULL, $3::jsonb)`, [
      `statement.${answer.response}`,
      row.party_id,
      JSON.stringify({ confirmation: row.id, comment: answer.comment ?? null, disputedItems: answer.disputedItems ?? [] }),
    ]);
    return { id: row.id, response: answer.response };
  });
}

export async function listConfirmations(tx: Queryable, partyId: string) {
  const rows = await tx.query<{ id: string; period_from: string; period_to: string; sent_to: string[]; created_at: Date; response: string | null; response_comment: string | null; responded_at: Date | null }>(
    'SELECT id, period_from, period_to, sent_to, created_at, response, response_comment, responded_at FROM statement_confirmations WHERE party_id = $1 ORDER BY created_at DESC',
    [partyId],
  );
  return rows.map((r) => ({
    id: r.id,
    from: r.period_from,
    to: r.period_to,
    sentTo: r.sent_to,
    sentAt: new Date(r.created_at).toISOString(),
    response: r.response,
    comment: r.response_comment,
    respondedAt: r.responded_at ? new Date(r.responded_at).toISOString() : null,
  }));
}
