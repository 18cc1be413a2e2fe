/**
 * Collections (催收) end to end on both databases, against real local servers: an SMTP server
 * (smtp-server) whose received mail is parsed (mailparser) and checked — subject, Chinese body
 * listing the items, totals — and an HTTP receiver standing in for the WeCom and DingTalk robot
 * webhooks that checks their message formats and DingTalk's signature. Covers planning and dry
 * run (levels, grouping, disputes, promises, do-not-contact, caps, catch-up after missed days),
 * the per-webhook rate budget with digests, and, on PostgreSQL, exactly-once with two
 * `shoufu dunning run` processes at once, one of them killed with SIGKILL while sending.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpChannel } from '../../src/collections/channels/email';
import { planDunning } from '../../src/collections/planner';
import { createDunningSender } from '../../src/collections/sender';
import { addRobot, createPromise, setDoNotContact, updatePolicy, worklist } from '../../src/collections/service';
import type { Database } from '../../src/db/database';
import { addDays } from '../../src/domain/dates';
import { buildServer } from '../../src/api/server';
import { listContacts, logContact } from '../../src/collections/contacts';
import { SYSTEM_ACTOR, withActor } from '../../src/services/actor';
import { createApiToken } from '../../src/services/auth/users';
import { verifyAuditChain } from '../../src/services/audit';
import { openDispute, resolveDispute } from '../../src/services/ledger/disputes';
import { createActor, databases, postgres, type Seed, seedBasics, TEST_DATABASE_URL } from './harness';

interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  contact: string;
  worker: string;
  attachments: { filename: string; content: Buffer }[];
}

/** A real SMTP server on a loopback port. `hold` keeps a message unanswered (no 250) until the client goes away. */
class Smtp {
  server: SMTPServer;
  received: Mail[] = [];
  held: Mail[] = [];
  hold: (m: Mail) => boolean = () => false;
  onHold: (m: Mail) => void = () => undefined;
  port = 0;
  constructor() {
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _s, cb) => (address.address.endsWith('@bounce.test') ? cb(new Error('550 5.1.1 no such user')) : cb()),
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((p) => {
            const header = (name: string) => String(p.headers.get(name) ?? '');
            const mail: Mail = {
              to: Array.isArray(p.to) ? String(p.to[0]?.text) : String(p.to?.text ?? ''),
              subject: p.subject ?? '',
              text: p.text ?? '',
              html: typeof p.html === 'string' ? p.html : '',
              messageId: p.messageId ?? '',
              contact: header('x-shoufu-contact'),
              worker: header('x-shoufu-worker'),
              attachments: p.attachments.map((a) => ({ filename: a.filename ?? '', content: a.content })),
            };
            if (this.hold(mail)) {
              this.held.push(mail);
              this.onHold(mail);
              return; // never answered: the client is killed while waiting for 250
            }
            this.received.push(mail);
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
  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

interface RobotHit {
  path: string;
  query: URLSearchParams;
  body: { msgtype: string; markdown: { content?: string; title?: string; text?: string } };
}

/** Stands in for qyapi.weixin.qq.com and oapi.dingtalk.com: records, answers {"errcode":0}. */
class Robots {
  server: Server;
  hits: RobotHit[] = [];
  url = '';
  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        this.hits.push({ path: u.pathname, query: u.searchParams, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"errcode":0,"errmsg":"ok"}');
      });
    });
  }
  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  at(path: string) {
    return this.hits.filter((h) => h.path === path);
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const DING_SECRET = 'SEC0123456789abcdef0123456789abcdef';
// Tuesday 2026-03-10 10:00 in Shanghai.
const T0 = new Date('2026-03-10T02:00:00Z');

describe.each(databases)('collections on $name', (database) => {
  let db: Database;
  let seed: Seed;
  let smtp: Smtp;
  let robots: Robots;
  const ids: Record<string, string> = {};
  const inv: Record<string, string> = {};

  const customer = async (code: string, name: string, extra: Record<string, unknown> = {}) => {
    ids[code] = (await seed.as().customer(code, { name, region: '华东', contactEmail: `${code.toLowerCase()}@customer.test`, ...extra })).id;
    return ids[code]!;
  };
  const invoice = async (code: string, number: string, amount: string, dueDate: string, issueDate = '2026-01-05') => {
    const r = await seed.as().invoice({ partyId: ids[code]!, number, amount, issueDate, installments: [{ dueDate, amount }] });
    inv[number] = r.id;
    return r;
  };
  const email = () => createSmtpChannel({ url: smtp.url, from: '上海收付测试有限公司 应收组 <ar@shoufu.test>' });
  const sendAt = async (now: Date) => {
    const ch = email();
    try {
      return await createDunningSender({ db, now: () => now, email: ch, workerName: 'test' }).drain();
    } finally {
      ch.close();
    }
  };
  const plan = (now: Date, dryRun = false) => planDunning(db, { actor: SYSTEM_ACTOR, now, dryRun });

  beforeAll(async () => {
    db = await database.open();
    seed = await seedBasics(db);
    smtp = await new Smtp().listen();
    robots = await new Robots().listen();
    await withActor(db, seed.admin, async (tx) => {
      await addRobot(tx, seed.admin, { kind: 'wecom', name: '华东催收群', webhookUrl: `${robots.url}/cgi-bin/webhook/send?key=wecom-key`, regions: ['华东'] });
      await addRobot(tx, seed.admin, { kind: 'dingtalk', name: '财务钉钉群', webhookUrl: `${robots.url}/robot/send?access_token=ding-token`, secret: DING_SECRET, regions: ['华东'] });
    });
    // A: three items at different levels; B: one disputed, one overdue; C: under a promise;
    // D: do-not-contact; E: paid; F: no e-mail address (robots only).
    await customer('A', '杭州恒信电子科技有限公司');
    await invoice('A', 'A-001', '1000.00', '2026-03-05');
    await invoice('A', 'A-002', '2500.00', '2026-02-20');
    await invoice('A', 'A-003', '300.00', '2026-03-14');
    await invoice('A', 'A-004', '999.00', '2026-04-30'); // out of reach
    await customer('B', '苏州明达精密机械有限公司');
    await invoice('B', 'B-001', '8000.00', '2026-02-01');
    await invoice('B', 'B-002', '1200.50', '2026-03-08');
    await withActor(db, seed.finance, (tx) => openDispute(tx, seed.finance, inv['B-001']!, { reason: '数量不符', openedOn: '2026-02-10' }));
    await customer('C', '宁波海联贸易有限公司');
    await invoice('C', 'C-001', '600.00', '2026-03-01');
    await withActor(db, seed.finance, (tx) =>
      createPromise(tx, seed.finance, { partyId: ids.C!, amount: '600.00', currency: 'CNY', madeOn: '2026-03-05', promisedDate: '2026-03-15' }),
    );
    await customer('D', '上海禁扰客户有限公司');
    await invoice('D', 'D-001', '700.00', '2026-03-01');
    await withActor(db, seed.finance, (tx) => setDoNotContact(tx, seed.finance, ids.D!, { doNotContact: true, reason: '诉讼中' }));
    await customer('E', '南京已付清有限公司');
    const e1 = await invoice('E', 'E-001', '500.00', '2026-03-01');
    const r = await seed.as().receipt({ partyId: ids.E!, amount: '500.00', receiptDate: '2026-03-02' });
    const [eInst] = await seed.as().installments(e1.id);
    await seed.as().allocate({ receiptId: r.id, lines: [{ installmentId: eInst!, amount: '500.00' }] });
    await customer('F', '无锡无邮箱有限公司', { contactEmail: null });
    await invoice('F', 'F-001', '100.00', '2026-03-06');
  }, 120_000);

  afterAll(async () => {
    await smtp?.close();
    await robots?.close();
    await db?.close();
  });

  it('dry run: one proposed contact per customer at its highest level, pauses and do-not-contact respected, nothing written', async () => {
    const p = await plan(T0, true);
    expect(await db.query('SELECT 1 FROM dunning_actions')).toHaveLength(0);
    const by = (code: string) => p.actions.filter((a) => a.customer.code === code);
    const a = by('A');
    expect(a.map((x) => x.channel).sort()).toEqual(['dingtalk', 'email', 'wecom']);
    expect(a[0]!.level).toMatchObject({ code: 'second_notice', offsetDays: 15 });
    expect(a[0]!.items.map((i) => [i.invoiceNumber, i.level, i.daysOverdue, i.amount])).toEqual([
      ['A-002', 'second_notice', 18, '2500.00'],
      ['A-001', 'notice', 5, '1000.00'],
      ['A-003', 'reminder', -4, '300.00'],
    ]);
    expect(a[0]!.totals).toEqual([{ currency: 'CNY', amount: '3800.00' }]);
    expect(by('B')[0]!.items.map((i) => i.invoiceNumber)).toEqual(['B-002']); // B-001 disputed
    expect(by('B')[0]!.level.code).toBe('notice');
    expect(by('C')).toEqual([]); // promise to pay on 03-15
    expect(by('D')).toEqual([]);
    expect(by('E')).toEqual([]);
    expect(by('F').map((x) => x.channel)).toEqual(['wecom']);
    expect(p.skipped.map((s) => [s.customer.code, s.reason]).sort()).toEqual([
      ['D', 'do_not_contact'],
      ['F', 'no_email'],
    ]);
    expect(p.paused).toEqual({ disputed: 1, promised: 1 });
    expect(p.actions.every((x) => x.state === 'proposed' && x.notBefore === T0.toISOString())).toBe(true);
  });

  it('plans each contact once, sends the Chinese e-mail with the items and totals, and posts WeCom and signed DingTalk messages', async () => {
    const first = await plan(T0);
    expect(first.actions.filter((x) => x.state === 'new')).toHaveLength(first.actions.length);
    const again = await plan(new Date(T0.getTime() + 60_000)); // a retried job
    expect(again.actions.every((x) => x.state === 'existing')).toBe(true);
    expect((await db.query('SELECT 1 FROM dunning_actions')).length).toBe(first.actions.length);
    expect(await db.query("SELECT 1 FROM collection_tasks WHERE role = 'collector'")).toHaveLength(3); // A (second notice), B and F (notice)
    const s = await sendAt(T0);
    expect(s.failed + s.dead).toBe(0);
    expect(s.sent).toBe(first.actions.length);

    expect(smtp.received.map((m) => m.to).sort()).toEqual(['a@customer.test', 'b@customer.test']);
    const mailA = smtp.received.find((m) => m.to === 'a@customer.test')!;
    expect(mailA.subject).toBe('【二次催收】杭州恒信电子科技有限公司 逾期款项合计 3800.00 CNY');
    expect(mailA.text).toContain('尊敬的 杭州恒信电子科技有限公司');
    expect(mailA.text).toContain('最长逾期 18 天');
    expect(mailA.text).toContain('A-002 | 2026-02-20 | 2500.00 CNY | 18');
    expect(mailA.text).toContain('A-001 | 2026-03-05 | 1000.00 CNY | 5');
    expect(mailA.text).toContain('A-003 | 2026-03-14 | 300.00 CNY | 4 天后到期');
    expect(mailA.text).toContain('合计: 3800.00 CNY');
    expect(mailA.text).not.toContain('A-004');
    expect(mailA.html).toContain('<td>A-002</td>');
    expect(mailA.messageId).toMatch(/^<dunning\.[0-9a-f-]{36}@shoufu\.test>$/);
    // The customer's statement (对账单) goes with it.
    expect(mailA.attachments.map((x) => x.filename)).toEqual([expect.stringMatching(/^对账单-A-\d{4}-\d{2}-\d{2}\.pdf$/)]);
    expect(mailA.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');
    const mailB = smtp.received.find((m) => m.to === 'b@customer.test')!;
    expect(mailB.subject).toBe('【逾期通知】苏州明达精密机械有限公司 有 1 笔款项已逾期');
    expect(mailB.text).toContain('B-002 | 2026-03-08 | 1200.50 CNY | 2');
    expect(mailB.text).not.toContain('B-001');

    const wecom = robots.at('/cgi-bin/webhook/send');
    expect(wecom).toHaveLength(3); // A, B, F
    for (const h of wecom) {
      expect(h.query.get('key')).toBe('wecom-key');
      expect(h.body.msgtype).toBe('markdown');
      expect(Object.keys(h.body.markdown)).toEqual(['content']);
    }
    expect(wecom.map((h) => h.body.markdown.content).join('\n')).toContain('### 二次催收：杭州恒信电子科技有限公司（A）\n3 笔，合计 **3800.00 CNY**');
    const ding = robots.at('/robot/send');
    expect(ding).toHaveLength(1); // only A reached a level with DingTalk
    const d = ding[0]!;
    const ts = d.query.get('timestamp')!;
    expect(d.query.get('access_token')).toBe('ding-token');
    expect(d.query.get('sign')).toBe(createHmac('sha256', DING_SECRET).update(`${ts}\n${DING_SECRET}`).digest('base64'));
    expect(Number(ts)).toBe(T0.getTime());
    expect(d.body).toMatchObject({ msgtype: 'markdown', markdown: { title: expect.stringContaining('杭州恒信') } });
    expect(d.body.markdown.text).toContain('A-002');

    const statuses = await db.query<{ status: string; n: bigint }>('SELECT status, count(*) AS n FROM dunning_actions GROUP BY status');
    expect(statuses.map((r) => r.status)).toEqual(['sent']);
    expect((await db.query("SELECT outcome FROM dunning_deliveries WHERE channel = 'email'")).map((r) => r.outcome)).toEqual(['accepted', 'accepted']);
    expect((await verifyAuditChain(db)).ok).toBe(true);
    expect((await db.query("SELECT 1 FROM audit_log WHERE action = 'dunning.sent'")).length).toBe(first.actions.length);
    // Sending again sends nothing.
    expect((await sendAt(new Date(T0.getTime() + 3_600_000))).claimed).toBe(0);
  });

  it('catches up after missed days, resumes after a dispute is resolved and a promise is broken, and respects the cap', async () => {
    smtp.received = [];
    await withActor(db, seed.finance, (tx) => resolveDispute(tx, seed.finance, inv['B-001']!, { resolvedOn: '2026-03-20' }));
    // Nobody ran the scheduler for a month.
    const t1 = new Date('2026-04-10T02:00:00Z'); // Friday 10:00
    const p = await plan(t1);
    const byCode = (code: string) => p.actions.find((a) => a.customer.code === code && a.channel !== 'dingtalk');
    expect(byCode('A')!.level.code).toBe('escalation');
    expect(byCode('A')!.items.map((i) => [i.invoiceNumber, i.level])).toEqual([
      ['A-002', 'escalation'],
      ['A-001', 'escalation'],
      ['A-003', 'second_notice'],
    ]);
    expect(byCode('B')!.items.map((i) => [i.invoiceNumber, i.level])).toEqual([
      ['B-001', 'demand_letter'], // 68 days overdue, no longer disputed
      ['B-002', 'escalation'],
    ]);
    expect(byCode('C')!.items.map((i) => [i.invoiceNumber, i.level])).toEqual([['C-001', 'escalation']]); // promise broken on 03-15
    await sendAt(t1);
    expect(smtp.received.map((m) => m.to).sort()).toEqual(['a@customer.test', 'b@customer.test', 'c@customer.test']);
    expect(smtp.received.find((m) => m.to === 'b@customer.test')!.subject).toBe('【催款函】致 苏州明达精密机械有限公司：请于七日内支付逾期款项 9200.50 CNY');

    // A new invoice of A falls due; the next day it is owed a notice but A was contacted yesterday (min gap 2 days).
    await invoice('A', 'A-005', '50.00', '2026-04-10', '2026-03-01');
    const t2 = new Date('2026-04-13T02:00:00Z'); // Monday; A-005 is +3
    await db.query("UPDATE dunning_policies SET cap_min_gap_days = 5 WHERE code = 'default'");
    const capped = await plan(t2, true);
    expect(capped.skipped.find((s) => s.customer.code === 'A')).toMatchObject({ reason: 'capped', detail: 'next contact allowed on 2026-04-15' });
    const later = await plan(new Date('2026-04-15T02:00:00Z'), true);
    // A-003 (due 03-14) has meanwhile reached +30 too: one contact for both.
    expect(later.actions.find((a) => a.customer.code === 'A' && a.channel === 'email')!.items.map((i) => [i.invoiceNumber, i.level])).toEqual([
      ['A-003', 'escalation'],
      ['A-005', 'notice'],
    ]);
    await db.query("UPDATE dunning_policies SET cap_min_gap_days = 2 WHERE code = 'default'");
  });

  it('holds messages in quiet hours and on holidays until the next business morning in the customer’s time zone', async () => {
    await invoice('F', 'F-002', '10.00', '2026-09-29', '2026-09-01');
    await db.query(`UPDATE parties SET contact_email = 'f@customer.test' WHERE id = $1`, [ids.F]);
    // 2026-10-02 20:00 Shanghai: 国庆 holiday and after hours → Friday 10-08 09:00 (国庆 1–7).
    const p = await plan(new Date('2026-10-02T12:00:00Z'));
    const f = p.actions.find((a) => a.customer.code === 'F' && a.channel === 'email')!;
    expect(f.notBefore).toBe('2026-10-08T01:00:00.000Z');
    smtp.received = [];
    await sendAt(new Date('2026-10-07T12:00:00Z'));
    expect(smtp.received.filter((m) => m.to === 'f@customer.test')).toEqual([]);
    await sendAt(new Date('2026-10-08T01:00:00Z'));
    expect(smtp.received.filter((m) => m.to === 'f@customer.test')).toHaveLength(1);
  });

  it('queues per robot webhook: sends digests when the queue exceeds the per-minute budget and defers the rest, never drops', async () => {
    await withActor(db, seed.admin, (tx) =>
      addRobot(tx, seed.admin, { kind: 'wecom', name: '华南催收群', webhookUrl: `${robots.url}/rate?key=south`, regions: ['华南'], perMinute: 2 }),
    );
    const south: string[] = [];
    for (let i = 1; i <= 7; i++) {
      const code = `S${i}`;
      south.push(await customer(code, `广州南方客户${i}号有限公司`, { region: '华南', contactEmail: null }));
      await invoice(code, `S-${i}`, `${i}00.00`, '2026-10-05', '2026-09-01');
    }
    const t = new Date('2026-10-09T02:00:00Z');
    const p = await planDunning(db, { actor: SYSTEM_ACTOR, now: t, dryRun: false, partyIds: south });
    expect(p.actions.filter((a) => a.channel === 'wecom')).toHaveLength(7);
    const s1 = await createDunningSender({ db, now: () => t }).drain();
    expect(s1).toMatchObject({ sent: 7, digests: 1 });
    const rate = robots.at('/rate');
    expect(rate).toHaveLength(1);
    const digest = rate[0]!.body.markdown.content!;
    expect(digest).toMatch(/^## 催收汇总（7 位客户）/);
    for (let i = 1; i <= 7; i++) expect(digest).toContain(`广州南方客户${i}号有限公司`);
    expect(Buffer.byteLength(digest, 'utf8')).toBeLessThanOrEqual(4096);

    // One more message fits this minute; a second webhook run within the minute has no budget left.
    const more: string[] = [];
    for (let i = 8; i <= 9; i++) {
      more.push(await customer(`S${i}`, `广州南方客户${i}号有限公司`, { region: '华南', contactEmail: null }));
      await invoice(`S${i}`, `S-${i}`, '10.00', '2026-10-05', '2026-09-01');
    }
    await planDunning(db, { actor: SYSTEM_ACTOR, now: t, dryRun: false, partyIds: more });
    const s2 = await createDunningSender({ db, now: () => new Date(t.getTime() + 10_000) }).drain();
    expect(s2).toMatchObject({ sent: 2, digests: 1 }); // budget 1 left: S8+S9 as one digest
    await customer('S10', '广州南方客户10号有限公司', { region: '华南', contactEmail: null });
    await invoice('S10', 'S-10', '10.00', '2026-10-05', '2026-09-01');
    await planDunning(db, { actor: SYSTEM_ACTOR, now: t, dryRun: false, partyIds: [ids.S10!] });
    const s3 = await createDunningSender({ db, now: () => new Date(t.getTime() + 20_000) }).drain();
    expect(s3).toMatchObject({ sent: 0, deferred: 1 });
    expect(await db.query("SELECT status FROM dunning_actions WHERE party_id = $1", [ids.S10])).toEqual([{ status: 'planned' }]);
    const s4 = await createDunningSender({ db, now: () => new Date(t.getTime() + 61_000) }).drain();
    expect(s4).toMatchObject({ sent: 1, digests: 0 });
    expect(robots.at('/rate')).toHaveLength(3);
  });

  it('records a bounce, retries a temporary failure and cancels for a customer put on do-not-contact meanwhile', async () => {
    const t = new Date('2026-11-03T02:00:00Z');
    const bounce = await customer('X1', '退信客户有限公司', { region: '西北', contactEmail: 'nobody@bounce.test' });
    await invoice('X1', 'X1-1', '10.00', '2026-11-01', '2026-10-01');
    const stop = await customer('X2', '后来禁扰客户有限公司', { region: '西北' });
    await invoice('X2', 'X2-1', '10.00', '2026-11-01', '2026-10-01');
    await planDunning(db, { actor: SYSTEM_ACTOR, now: t, dryRun: false, partyIds: [bounce, stop] });
    await withActor(db, seed.finance, (tx) => setDoNotContact(tx, seed.finance, stop, { doNotContact: true }));
    const s = await sendAt(t);
    expect(s).toMatchObject({ dead: 1, cancelled: 1, sent: 0 });
    const [b] = await db.query<{ status: string; outcome: string }>(
      `SELECT a.status, d.outcome FROM dunning_actions a JOIN dunning_deliveries d ON a.id = ANY (d.action_ids) WHERE a.party_id = $1`,
      [bounce],
    );
    expect(b).toEqual({ status: 'dead', outcome: 'bounced' });
    // The cancelled contact is not "done": lifting the flag lets the next run plan it again.
    await withActor(db, seed.finance, (tx) => setDoNotContact(tx, seed.finance, stop, { doNotContact: false }));
    const p = await planDunning(db, { actor: SYSTEM_ACTOR, now: t, dryRun: true, partyIds: [stop] });
    expect(p.actions.map((a) => a.channel)).toEqual(['email']);

    // A temporary failure (SMTP server down) is retried later, not lost.
    const down = await customer('X3', '重试客户有限公司', { region: '西北' });
    await invoice('X3', 'X3-1', '10.00', '2026-11-01', '2026-10-01');
    await planDunning(db, { actor: SYSTEM_ACTOR, now: t, dryRun: false, partyIds: [down] });
    const dead = createSmtpChannel({ url: 'smtp://127.0.0.1:1', from: 'ar@shoufu.test', timeoutMs: 2000 });
    const f = await createDunningSender({ db, now: () => t, email: dead }).drain();
    dead.close();
    expect(f).toMatchObject({ failed: 1 });
    smtp.received = [];
    expect((await sendAt(new Date(t.getTime() + 30_000))).claimed).toBe(0); // backoff: not yet
    expect((await sendAt(new Date(t.getTime() + 61_000))).sent).toBe(1);
    expect(smtp.received.map((m) => m.to)).toEqual(['x3@customer.test']);
  });

  it('serves policies, dry run, actions, promises, do-not-contact and the worklist over HTTP with OpenAPI schemas', async () => {
    const app = await buildServer({ db, webDist: null });
    try {
      const auth = { authorization: `Bearer ${await createApiToken(db, 'finance', 'test')}` };
      const policies = (await app.inject({ method: 'GET', url: '/api/collections/policies', headers: auth })).json();
      expect(policies[0]).toMatchObject({ code: 'default', sendWindow: { start: '09:00', end: '18:00' }, cap: { maxContacts: 2, windowDays: 7 } });
      expect(policies[0].levels.map((l: { offsetDays: number }) => l.offsetDays)).toEqual([-7, 1, 15, 30, 60, 90]);
      const upd = await app.inject({ method: 'PUT', url: `/api/collections/policies/${policies[0].id}`, headers: auth, payload: { cap: { maxContacts: 3, windowDays: 7, minGapDays: 2 } } });
      expect(upd.statusCode).toBe(200);
      expect(upd.json().cap.maxContacts).toBe(3);
      const dry = await app.inject({ method: 'POST', url: '/api/collections/dry-run', headers: auth, payload: { asOf: '2026-12-01' } });
      expect(dry.statusCode).toBe(200);
      expect(dry.json().dryRun).toBe(true);
      const actions = (await app.inject({ method: 'GET', url: '/api/collections/actions?status=sent', headers: auth })).json();
      expect(actions.length).toBeGreaterThan(0);
      const bad = await app.inject({ method: 'POST', url: '/api/collections/promises', headers: auth, payload: { partyId: ids.B, amount: '-5', promisedDate: '2026-12-01' } });
      expect(bad.statusCode).toBe(400);
      const ok = await app.inject({ method: 'POST', url: '/api/collections/promises', headers: auth, payload: { partyId: ids.B, amount: '100.00', madeOn: '2026-11-20', promisedDate: '2026-12-05' } });
      expect(ok.statusCode).toBe(201);
      const listed = (await app.inject({ method: 'GET', url: `/api/collections/promises?partyId=${ids.B}&asOf=2026-11-25`, headers: auth })).json();
      expect(listed[0]).toMatchObject({ amount: '100.00', state: 'open' });
      const dnc = await app.inject({ method: 'PUT', url: `/api/collections/customers/${ids.B}/do-not-contact`, headers: auth, payload: { doNotContact: false } });
      expect(dnc.json()).toMatchObject({ doNotContact: false });
      const wl = await app.inject({ method: 'GET', url: '/api/collections/worklist?asOf=2026-11-25', headers: auth });
      expect(wl.statusCode).toBe(200);
      const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/collections/worklist', '/api/collections/dry-run', '/api/collections/promises']));
    } finally {
      await app.close();
    }
  });

  it('orders the collector worklist: broken promises first, then days overdue × amount', async () => {
    await withActor(db, seed.finance, (tx) =>
      createPromise(tx, seed.finance, { partyId: ids.A!, amount: '10.00', currency: 'CNY', madeOn: '2026-11-01', promisedDate: '2026-11-05' }),
    );
    const list = await withActor(db, seed.finance, (tx) => worklist(tx, seed.finance, { asOf: '2026-11-10' }));
    expect(list[0]!.customer.code).toBe('A');
    expect(list[0]!.promise).toBe('broken');
    const rest = list.slice(1);
    for (let i = 1; i < rest.length; i++) expect(BigInt(rest[i - 1]!.score) >= BigInt(rest[i]!.score)).toBe(true);
    expect(rest[0]!.basis).toBe('days_x_amount');
  });

  it('keeps a contact log per customer: newest first, append-only, seen only where the customer is seen', async () => {
    await withActor(db, seed.finance, (tx) => logContact(tx, seed.finance, ids.B!, { kind: 'call', outcome: 'disputed', note: '对方称 B-001 数量不符', followUpOn: '2026-03-20', contactAt: '2026-03-10T02:00:00Z' }));
    const latest = await withActor(db, seed.finance, (tx) => logContact(tx, seed.finance, ids.B!, { kind: 'visit', outcome: 'reached', note: '上门对账', contactAt: '2026-03-12T06:00:00Z' }));
    expect(latest).toMatchObject({ kind: 'visit', outcome: 'reached', by: '财务' });
    const log = await withActor(db, seed.finance, (tx) => listContacts(tx, ids.B!));
    expect(log.map((c) => c.note)).toEqual(['上门对账', '对方称 B-001 数量不符']);
    expect(log[1]!.followUpOn).toBe('2026-03-20');
    await expect(withActor(db, seed.finance, (tx) => logContact(tx, seed.finance, ids.B!, { kind: 'note', note: '   ' }))).rejects.toMatchObject({ code: 'note_required' });
    await expect(db.query("UPDATE collection_contacts SET note = 'x'")).rejects.toThrow(/immutable/);
    const elsewhere = await createActor(db, 'contacts-south', 'collector', { regions: ['华南'] });
    expect(await withActor(db, elsewhere, (tx) => listContacts(tx, ids.B!))).toEqual([]);
    await expect(withActor(db, elsewhere, (tx) => logContact(tx, elsewhere, ids.B!, { kind: 'call', note: 'x' }))).rejects.toMatchObject({ code: 'not_found' });
  });
});

// ---------------------------------------------------------------------------------------------
// Exactly-once on PostgreSQL: two `shoufu dunning run` processes at once, one killed mid-send.
// ---------------------------------------------------------------------------------------------

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'shoufu.mjs');

function shoufu(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

describe.skipIf(!postgres)('collections exactly-once on postgres', () => {
  it('two schedulers at once, one killed with SIGKILL while sending: every customer gets its message exactly once', async () => {
    const db = await postgres!.open();
    const smtp = await new Smtp().listen();
    try {
      const seed = await seedBasics(db);
      const N = 30;
      const today = (await db.query<{ d: string }>("SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text AS d"))[0]!.d;
      for (let i = 1; i <= N; i++) {
        const code = `K${String(i).padStart(2, '0')}`;
        const party = await seed.as().customer(code, { name: `并发测试客户${i}`, contactEmail: `${code.toLowerCase()}@customer.test` });
        const due = addDays(today, -(1 + (i % 40)));
        await seed.as().invoice({ partyId: party.id, number: `K-${i}`, amount: `${i}00.00`, issueDate: addDays(due, -30), installments: [{ dueDate: due, amount: `${i}00.00` }] });
      }
      // Send at any hour and any day: the processes use the real clock.
      const [policy] = await db.query<{ id: string }>("SELECT id FROM dunning_policies WHERE code = 'default'");
      await withActor(db, seed.admin, (tx) => updatePolicy(tx, seed.admin, policy!.id, { sendWindow: { start: '00:00', end: '24:00' }, businessDaysOnly: false }));

      const url = new URL(TEST_DATABASE_URL);
      url.pathname = `/${(db as unknown as { databaseName: string }).databaseName}`;
      // (No statement PDF: drawing 30 of them would outlast the 4 s lease this test relies on.)
      const env = { DATABASE_URL: url.toString(), SHOUFU_SMTP_URL: smtp.url, SHOUFU_MAIL_FROM: 'ar@shoufu.test', SHOUFU_DUNNING_LEASE_MS: '4000', SHOUFU_DUNNING_ATTACH_STATEMENT: '0' };

      // The 10th message is held unanswered and its sender killed: a crash in 'sending'.
      let seen = 0;
      const procs: ReturnType<typeof shoufu>[] = [];
      const killed = new Promise<string>((resolve) => {
        smtp.hold = () => ++seen === 10;
        smtp.onHold = (m) => {
          const pid = Number(m.worker.split(':').at(-1));
          const victim = procs.find((p) => p.child.pid === pid)!;
          victim.child.kill('SIGKILL');
          resolve(m.contact);
        };
      });
      procs.push(shoufu(['dunning', 'run', '--format', 'json'], env), shoufu(['dunning', 'run', '--format', 'json'], env));
      const results = await Promise.all(procs.map((p) => p.done));
      const heldContact = await killed;
      expect(results.filter((r) => r.signal === 'SIGKILL')).toHaveLength(1);
      const survivor = results.find((r) => r.signal === null)!;
      expect(survivor.code, survivor.stderr).toBe(0);

      // The held action is stuck in 'sending' until its lease expires; a later run takes it over.
      const stuck = await db.query<{ status: string; contact_key: string }>("SELECT status, contact_key FROM dunning_actions WHERE status <> 'sent'");
      expect(stuck).toEqual([{ status: 'sending', contact_key: heldContact }]);
      await new Promise((r) => setTimeout(r, 4500));
      const third = shoufu(['dunning', 'run', '--format', 'json'], env);
      const r3 = await third.done;
      expect(r3.code, r3.stderr).toBe(0);
      expect(JSON.parse(r3.stdout).plan.actions.filter((a: { state: string }) => a.state === 'new')).toEqual([]);

      // Exactly once: N messages accepted, one per customer, no contact twice, none skipped.
      expect(smtp.received).toHaveLength(N);
      expect(new Set(smtp.received.map((m) => m.to)).size).toBe(N);
      expect(new Set(smtp.received.map((m) => m.contact)).size).toBe(N);
      expect(smtp.received.filter((m) => m.contact === heldContact)).toHaveLength(1);
      expect(smtp.held).toHaveLength(1);
      const actions = await db.query<{ status: string; n: bigint }>('SELECT status, count(*) AS n FROM dunning_actions GROUP BY status');
      expect(actions).toEqual([{ status: 'sent', n: BigInt(N) }]);
      const [attempts] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM dunning_actions WHERE attempts = 2");
      expect(attempts!.n).toBe(1n); // only the crashed one was tried twice
      expect((await verifyAuditChain(db)).ok).toBe(true);
    } finally {
      await smtp.close();
      await db.close();
    }
  }, 180_000);
});
