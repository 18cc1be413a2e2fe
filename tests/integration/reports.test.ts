/**
 * Scheduled weekly aging reports, both databases, against a real SMTP server on a loopback port:
 * the mail that arrives (subject, Chinese body, the PDF and the XLSX with the right totals),
 * once per week however often the scheduler runs, retried after a failure, built with the
 * subscriber's data scope; and the HTTP routes.
 */
import type { AddressInfo } from 'node:net';
import ExcelJS from 'exceljs';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server';
import { createSmtpChannel } from '../../src/collections/channels/email';
import type { Database } from '../../src/db/database';
import { createSubscription, sendDueReports } from '../../src/reports/subscriptions';
import { withActor } from '../../src/services/actor';
import { agingAsOf } from '../../src/services/analytics/aging';
import { createApiToken } from '../../src/services/auth/users';
import { createActor, databases, type Seed, seedBasics } from './harness';

interface Mail {
  to: string;
  subject: string;
  text: string;
  messageId: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

class Smtp {
  server: SMTPServer;
  received: Mail[] = [];
  refuse = false;
  port = 0;
  constructor() {
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((p) => {
            if (this.refuse) return callback(Object.assign(new Error('451 4.3.0 try again later'), { responseCode: 451 }));
            this.received.push({
              to: Array.isArray(p.to) ? String(p.to[0]?.text) : String(p.to?.text ?? ''),
              subject: p.subject ?? '',
              text: p.text ?? '',
              messageId: p.messageId ?? '',
              attachments: p.attachments.map((a) => ({ filename: a.filename ?? '', contentType: a.contentType, content: a.content })),
            });
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });
    this.server.on('error', () => undefined);
  }
  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

/** Monday 2026-11-23 09:00 in Shanghai, and two days later. */
const MONDAY = new Date('2026-11-23T01:00:00Z');
const WEDNESDAY = new Date('2026-11-25T01:00:00Z');

describe.each(databases)('weekly aging reports by e-mail on $name', (database) => {
  let db: Database;
  let seed: Seed;
  let smtp: Smtp;
  const channel = () => createSmtpChannel({ url: `smtp://127.0.0.1:${smtp.port}`, from: 'Shoufu 收付 <ar@shoufu.test>', timeoutMs: 5000 });

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
    smtp = await new Smtp().listen();
    const ledger = seed.as();
    const east = await ledger.customer('RP-E', { name: '上海华信贸易有限公司', region: '华东', paymentTermsDays: 30 });
    const south = await ledger.customer('RP-S', { name: '深圳南方电子有限公司', region: '华南', paymentTermsDays: 30 });
    await ledger.invoice({ partyId: east.id, amount: '11300.00', issueDate: '2026-08-01' });
    await ledger.invoice({ partyId: east.id, amount: '500.00', issueDate: '2026-11-10' });
    await ledger.invoice({ partyId: south.id, amount: '2260.00', issueDate: '2026-09-15' });
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.close();
  });

  it('mails the week’s aging with the PDF and the XLSX, once per week however often it runs', async () => {
    const sub = await withActor(db, seed.finance, (tx) =>
      createSubscription(tx, seed.finance, { weekday: 1, hour: 8, recipients: ['cfo@example.com', 'ar@example.com'], options: { by: ['customer'] } }),
    );
    expect(sub).toMatchObject({ weekday: 1, hour: 8, timeZone: 'Asia/Shanghai', active: true });

    // Sunday: nothing due yet this week (the subscription is newer than last Monday).
    expect(await sendDueReports(db, { now: new Date('2026-11-22T23:00:00Z'), channel: channel() })).toMatchObject({ due: 0, sent: 0 });
    const first = await sendDueReports(db, { now: MONDAY, channel: channel() });
    expect(first).toMatchObject({ due: 1, sent: 1, failed: 0 });
    expect(await sendDueReports(db, { now: WEDNESDAY, channel: channel() })).toMatchObject({ due: 0, sent: 0 });
    expect(smtp.received).toHaveLength(1);

    const mail = smtp.received[0]!;
    expect(mail.to).toContain('cfo@example.com');
    expect(mail.subject).toBe('应收账龄周报 2026-W48（截至 2026-11-23）');
    expect(mail.text).toContain('CNY 应收余额 14060.00，其中逾期 13560.00（3 笔）');
    expect(mail.text).toContain('上海华信贸易有限公司');
    expect(mail.messageId).toContain('2026-W48');
    const pdf = mail.attachments.find((a) => a.filename.endsWith('.pdf'))!;
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
    const xlsx = mail.attachments.find((a) => a.filename.endsWith('.xlsx'))!;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.content as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const header = (ws.getRow(1).values as unknown[]).slice(1);
    const totalCol = header.indexOf('合计') + 1;
    const api = await withActor(db, seed.finance, (tx) => agingAsOf(tx, { side: 'AR', asOf: '2026-11-23', basis: 'due', buckets: 'chinese', by: ['customer'], currency: 'all' }));
    const lastRow = ws.getRow(ws.rowCount);
    expect(Number(lastRow.getCell(totalCol).value)).toBe(14060);
    expect(api.report.totals[0]!.total).toBe(1_406_000n);
  });

  it('retries a week that failed, and builds each report with the subscriber’s data scope', async () => {
    const south = await createActor(db, 'rp-south', 'finance', { regions: ['华南'] });
    await withActor(db, south, (tx) => createSubscription(tx, south, { weekday: 1, hour: 8, recipients: ['south@example.com'] }));
    smtp.received = [];
    smtp.refuse = true;
    expect(await sendDueReports(db, { now: MONDAY, channel: channel() })).toMatchObject({ due: 1, sent: 0, failed: 1 });
    smtp.refuse = false;
    expect(await sendDueReports(db, { now: WEDNESDAY, channel: channel() })).toMatchObject({ due: 1, sent: 1 });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.to).toContain('south@example.com');
    expect(mail.text).toContain('CNY 应收余额 2260.00');
    expect(mail.text).not.toContain('上海华信');
    const [d] = await db.query<{ attempts: number; status: string }>(
      "SELECT d.attempts, d.status FROM report_deliveries d JOIN report_subscriptions s ON s.id = d.subscription_id JOIN users u ON u.id = s.user_id WHERE u.username = 'rp-south'",
    );
    expect(d).toEqual({ attempts: 2, status: 'sent' });
  });

  it('lets a user subscribe, see and cancel their own subscriptions over HTTP', async () => {
    const app = await buildServer({ db, webDist: null });
    try {
      const token = await createApiToken(db, 'finance', 'reports test');
      const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
        app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
      const bad = await call('POST', '/api/reports/subscriptions', { weekday: 9, hour: 8, recipients: ['x@example.com'] });
      expect(bad.statusCode).toBe(400);
      const wrongMail = await call('POST', '/api/reports/subscriptions', { weekday: 1, hour: 8, recipients: ['not-an-address'] });
      expect(wrongMail.statusCode).toBe(422);
      const created = await call('POST', '/api/reports/subscriptions', { weekday: 5, hour: 17, recipients: ['boss@example.com'], options: { by: ['region'] } });
      expect(created.statusCode).toBe(201);
      const list = (await call('GET', '/api/reports/subscriptions')).json() as { id: string; weekday: number }[];
      expect(list.map((s) => s.weekday)).toEqual([1, 5]);
      expect((await call('DELETE', `/api/reports/subscriptions/${created.json().id}`)).statusCode).toBe(204);
      expect(((await call('GET', '/api/reports/subscriptions')).json() as unknown[]).length).toBe(1);
      // The aging report itself as PDF, Chinese drawn with an embedded CJK font.
      const pdf = await call('GET', '/api/aging?asOf=2026-11-23&by=customer&format=pdf');
      expect(pdf.statusCode).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.rawPayload.toString('latin1')).toMatch(/\/FontFile[23]?|\/BaseFont\s*\/[A-Z]{6}\+Noto/);
    } finally {
      await app.close();
    }
  });
});
