/**
 * Customer statements (对账单) and balance confirmation (询证), both databases: the figures agree
 * with the customer's ledger; the statement goes out by e-mail (a real SMTP server on a loopback
 * port) with the PDF, the XLSX and a link; the customer answers once through the link, without an
 * account, and the answer is recorded and audited.
 */
import type { AddressInfo } from 'node:net';
import ExcelJS from 'exceljs';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import { createSmtpChannel } from '../../src/collections/channels/email';
import type { Database } from '../../src/db/database';
import { buildStatement, respondToStatement, sendStatement, statementByToken } from '../../src/reports/customer-statement';
import { withActor } from '../../src/services/actor';
import { verifyAuditChain } from '../../src/services/audit';
import { createApiToken } from '../../src/services/auth/users';
import { databases, rejection, type Seed, seedBasics } from './harness';

interface Mail {
  to: string;
  subject: string;
  text: string;
  attachments: { filename: string; content: Buffer }[];
}

describe.each(databases)('customer statements on $name', (database) => {
  let db: Database;
  let seed: Seed;
  let partyId = '';
  const received: Mail[] = [];
  let smtp: SMTPServer;
  let port = 0;

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
    const ledger = seed.as();
    partyId = (await ledger.customer('ST-1', { name: '上海华信贸易有限公司', region: '华东' })).id;
    const before = await ledger.invoice({ partyId, amount: '1000.00', issueDate: '2026-08-20' });
    const inv = await ledger.invoice({ partyId, amount: '2260.00', issueDate: '2026-09-10' });
    const r = await ledger.receipt({ partyId, amount: '1500.00', receiptDate: '2026-09-25' });
    const [i1] = await ledger.installments(before.id);
    await ledger.allocate({ receiptId: r.id, lines: [{ installmentId: i1!, amount: '1000.00' }] });
    await ledger.creditNote(inv.id, '260.00', '2026-09-28');
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _s, cb) => {
        simpleParser(stream)
          .then((p) => {
            received.push({
              to: Array.isArray(p.to) ? String(p.to[0]?.text) : String(p.to?.text ?? ''),
              subject: p.subject ?? '',
              text: p.text ?? '',
              attachments: p.attachments.map((a) => ({ filename: a.filename ?? '', content: a.content })),
            });
            cb();
          })
          .catch((e: Error) => cb(e));
      },
    });
    await new Promise<void>((r2) => smtp.listen(0, '127.0.0.1', () => r2()));
    port = (smtp.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => smtp?.close(() => r()));
    await db?.close();
  });

  it('states the opening balance, the period’s documents and the closing balance as the ledger has them', async () => {
    const s = await withActor(db, seed.finance, (tx) => buildStatement(tx, partyId, '2026-09-01', '2026-09-30'));
    expect(s.party).toMatchObject({ code: 'ST-1' });
    expect(s.currencies).toHaveLength(1);
    const c = s.currencies[0]!;
    // Opening: the August invoice. In September: +2260 invoice, −1500 receipt, −260 credit note.
    expect(c).toMatchObject({ currency: 'CNY', opening: '1000.00', debits: '2260.00', credits: '1760.00', closing: '1500.00' });
    expect(c.lines.map((l) => l.type)).toEqual(['invoice', 'receipt', 'credit_note']);
    await expect(withActor(db, seed.finance, (tx) => buildStatement(tx, partyId, '2026-09-30', '2026-09-01'))).rejects.toMatchObject({ code: 'invalid_period' });
  });

  it('e-mails it with PDF, XLSX and a link; the customer confirms once through the link, and it is recorded', async () => {
    const channel = createSmtpChannel({ url: `smtp://127.0.0.1:${port}`, from: 'AR <ar@shoufu.test>', timeoutMs: 5000 });
    let sent: Awaited<ReturnType<typeof sendStatement>>;
    try {
      sent = await sendStatement(db, seed.finance, { partyId, from: '2026-09-01', to: '2026-09-30', recipients: ['ap@huaxin.example'], baseUrl: 'https://ar.example.com' }, channel);
    } finally {
      channel.close();
    }
    expect(sent.outcome).toBe('accepted');
    const mail = received.at(-1)!;
    expect(mail.subject).toBe('对账单 上海华信贸易有限公司 2026-09-01至2026-09-30，请确认余额');
    expect(mail.text).toContain('余额为 1500.00 CNY');
    const link = /https:\/\/ar\.example\.com\/confirm\/(\S+)/.exec(mail.text)!;
    expect(link[0]).toBe(sent.link);
    expect(mail.attachments.map((a) => a.filename.split('.').at(-1))).toEqual(['pdf', 'xlsx']);
    expect(mail.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(mail.attachments[1]!.content as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(ws.rowCount).getCell(7).value).toBe(1500);

    const token = link[1]!;
    const seen = await statementByToken(db, token);
    expect(seen).toMatchObject({ response: null, expired: false, statement: { party: { code: 'ST-1' } } });
    expect((await rejection(respondToStatement(db, token, { response: 'disputed', comment: ' ' }))).code).toBe('dispute_reason_required');
    await respondToStatement(db, token, { response: 'confirmed', comment: '余额无误' });
    expect((await rejection(respondToStatement(db, token, { response: 'disputed', comment: '不对' }))).code).toBe('already_answered');
    const [row] = await db.query<{ response: string; response_comment: string }>('SELECT response, response_comment FROM statement_confirmations WHERE id = $1', [sent.id]);
    expect(row).toEqual({ response: 'confirmed', response_comment: '余额无误' });
    const [a] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM audit_log WHERE action IN ('statement.send', 'statement.confirmed')");
    expect(a!.n).toBe(2n);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('serves the PDF to staff and the link’s page to anyone holding the token, nothing else without a login', async () => {
    const app = await buildServer({ db, webDist: null });
    try {
      const token = await createApiToken(db, 'finance', 'statement test');
      const pdf = await app.inject({ method: 'GET', url: `/api/customers/${partyId}/statement?from=2026-09-01&to=2026-09-30&format=pdf`, headers: { authorization: `Bearer ${token}` } });
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect((await app.inject({ method: 'GET', url: `/api/customers/${partyId}/statement?from=2026-09-01` })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/api/public/statements/not-a-real-token-123456789' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
