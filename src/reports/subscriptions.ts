/**
 * Scheduled reports: a user subscribes to a weekly aging / overdue summary mailed to a few
 * addresses with the aging PDF and XLSX attached (docs/analytics.md "Scheduled reports").
 *
 * The report is built with the subscriber's own data scope (a salesperson's mail covers their
 * customers only), as of the local date it is due. Each week goes out once: the delivery row
 * (subscription, ISO week) is claimed before sending, so two app instances, a retry or a restart
 * never send a week twice; a failed send is retried at the next run, a send that died midway is
 * taken over after a lease of 10 minutes. A missed week is not sent late: only the latest is.
 */
import { PassThrough } from 'node:stream';
import type { Database, Queryable } from '../db/database';
import { formatAmount } from '../domain/money';
import { createSmtpChannel, type EmailChannel, mailDomain, smtpConfigFromEnv } from '../collections/channels/email';
import { type Actor, withActor } from '../services/actor';
import { agingAsOf, type AgingResult } from '../services/analytics/aging';
import { agingSheet, writeAgingXlsx } from '../services/analytics/aging-output';
import { audit } from '../services/audit';
import { actorForUsername } from '../services/auth/users';
import { AppError, invalid, notFound } from '../services/errors';
import { agingPdf } from './aging-pdf';
import { lastScheduled, localTime } from './schedule';

export interface SubscriptionOptions {
  by?: string[];
  basis?: 'due' | 'invoice';
  buckets?: string;
  side?: 'AR' | 'AP';
  currency?: string;
  locale?: 'zh-CN' | 'en-US';
}

export interface SubscriptionInput {
  weekday: number;
  hour: number;
  timeZone?: string;
  recipients: string[];
  options?: SubscriptionOptions;
}

export interface Subscription {
  id: string;
  kind: 'aging_weekly';
  weekday: number;
  hour: number;
  timeZone: string;
  recipients: string[];
  options: SubscriptionOptions;
  active: boolean;
  lastDeliveries: { period: string; status: string; sentAt: string | null; error: string | null }[];
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export async function createSubscription(tx: Queryable, actor: Actor, input: SubscriptionInput): Promise<Subscription> {
  if (!Number.isInteger(input.weekday) || input.weekday < 1 || input.weekday > 7) throw invalid('invalid_weekday', 'weekday is 1 (Monday) to 7 (Sunday)', 'weekday');
  if (!Number.isInteger(input.hour) || input.hour < 0 || input.hour > 23) throw invalid('invalid_hour', 'hour is 0 to 23', 'hour');
  const timeZone = input.timeZone ?? 'Asia/Shanghai';
  if (!validTimeZone(timeZone)) throw invalid('invalid_time_zone', `unknown time zone ${timeZone}`, 'timeZone');
  const recipients = [...new Set(input.recipients.map((r) => r.trim()).filter(Boolean))];
  if (recipients.length === 0 || recipients.length > 20) throw invalid('invalid_recipients', 'give 1 to 20 e-mail addresses', 'recipients');
  const bad = recipients.find((r) => !EMAIL.test(r));
  if (bad) throw invalid('invalid_recipients', `${bad} is not an e-mail address`, 'recipients');
  const options = input.options ?? {};
  // The options must make a valid aging report: try them now rather than fail every week.
  await agingAsOf(tx, agingParams(options, '2000-01-01'));
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO report_subscriptions (user_id, weekday, hour, time_zone, recipients, options) VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING id`,
    [actor.userId, input.weekday, input.hour, timeZone, recipients, JSON.stringify(options)],
  );
  await audit(tx, actor, 'report_subscription.create', 'report_subscription', row!.id, null, { weekday: input.weekday, hour: input.hour, timeZone, recipients, options });
  return (await listSubscriptions(tx)).find((s) => s.id === row!.id)!;
}

export async function listSubscriptions(tx: Queryable): Promise<Subscription[]> {
  const rows = await tx.query<{ id: string; weekday: number; hour: number; time_zone: string; recipients: string[]; options: SubscriptionOptions; active: boolean }>(
    'SELECT id, weekday, hour, time_zone, recipients, options, active FROM report_subscriptions ORDER BY created_at',
  );
  const deliveries = await tx.query<{ subscription_id: string; period: string; status: string; sent_at: Date | null; error: string | null }>(
    'SELECT subscription_id, period, status, sent_at, error FROM report_deliveries ORDER BY claimed_at DESC',
  );
  return rows.map((r) => ({
    id: r.id,
    kind: 'aging_weekly',
    weekday: r.weekday,
    hour: r.hour,
    timeZone: r.time_zone,
    recipients: r.recipients,
    options: r.options,
    active: r.active,
    lastDeliveries: deliveries
      .filter((d) => d.subscription_id === r.id)
      .slice(0, 5)
      .map((d) => ({ period: d.period, status: d.status, sentAt: d.sent_at ? new Date(d.sent_at).toISOString() : null, error: d.error })),
  }));
}

export async function deleteSubscription(tx: Queryable, actor: Actor, id: string): Promise<void> {
  const gone = await tx.query('DELETE FROM report_subscriptions WHERE id = $1 RETURNING id', [id]);
  if (gone.length === 0) throw notFound('subscription', 'id');
  await audit(tx, actor, 'report_subscription.delete', 'report_subscription', id, null, null);
}

function agingParams(o: SubscriptionOptions, asOf: string) {
  return { side: o.side ?? 'AR', asOf, basis: o.basis ?? 'due', buckets: o.buckets ?? 'chinese', by: o.by ?? ['customer'], currency: o.currency ?? 'all' } as const;
}

/** The mail: totals and overdue per currency, the largest overdue groups, and the two files. */
export async function buildWeeklyReport(result: AgingResult, o: { locale: 'zh-CN' | 'en-US'; period: string; user: string }) {
  const zh = o.locale === 'zh-CN';
  const { report, params } = result;
  const notDue = report.buckets.findIndex((b) => b.toDays !== null && b.toDays <= 0);
  const overdueOf = (amounts: bigint[]) => amounts.reduce((a, m, i) => (i === notDue && params.basis === 'due' ? a : a + m), 0n);
  const lines: string[] = [];
  for (const t of report.totals) {
    const overdue = params.basis === 'due' ? overdueOf(t.amounts) : null;
    lines.push(
      zh
        ? `${t.currency} 应收余额 ${formatAmount(t.total, t.currency)}${overdue !== null ? `，其中逾期 ${formatAmount(overdue, t.currency)}` : ''}（${t.count} 笔）`
        : `${t.currency} open ${formatAmount(t.total, t.currency)}${overdue !== null ? `, of which overdue ${formatAmount(overdue, t.currency)}` : ''} (${t.count} items)`,
    );
  }
  const top = [...report.rows]
    .map((r) => ({ r, overdue: overdueOf(r.amounts) }))
    .filter((x) => x.overdue > 0n)
    .sort((a, b) => (a.overdue === b.overdue ? 0 : a.overdue > b.overdue ? -1 : 1))
    .slice(0, 10);
  const title = zh ? `应收账龄周报 ${o.period}（截至 ${params.asOf}）` : `Weekly aging ${o.period} (as of ${params.asOf})`;
  const topLines = top.map((x, i) => `${i + 1}. ${x.r.groups.map((g) => g.label || g.key).join(' / ')}  ${formatAmount(x.overdue, x.r.currency)} ${x.r.currency}`);
  const text = [
    title,
    '',
    ...lines,
    '',
    zh ? '逾期金额最大的客户：' : 'Largest overdue:',
    ...(topLines.length ? topLines : [zh ? '（无逾期）' : '(nothing overdue)']),
    '',
    zh ? `附件：账龄分析表 PDF 与 XLSX。数据范围：${o.user} 可见的客户。` : `Attached: the aging report as PDF and XLSX, for the customers ${o.user} can see.`,
  ].join('\n');
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const html = `<h2>${esc(title)}</h2><ul>${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul><p>${esc(zh ? '逾期金额最大的客户：' : 'Largest overdue:')}</p><ol>${top
    .map((x) => `<li>${esc(x.r.groups.map((g) => g.label || g.key).join(' / '))} — ${esc(formatAmount(x.overdue, x.r.currency))} ${esc(x.r.currency)}</li>`)
    .join('')}</ol>`;
  const sheet = agingSheet(result, o.locale);
  const xlsx = await new Promise<Buffer>((resolve, reject) => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    out.on('end', () => resolve(Buffer.concat(chunks)));
    out.on('error', reject);
    writeAgingXlsx(sheet, out).catch(reject);
  });
  const pdf = await agingPdf(result, o.locale, o.user);
  const base = `${zh ? '账龄分析' : 'aging'}-${params.asOf}`;
  return {
    subject: title,
    text,
    html,
    attachments: [
      { filename: `${base}.pdf`, content: pdf, contentType: 'application/pdf' },
      { filename: `${base}.xlsx`, content: xlsx, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    ],
  };
}

export interface RunSummary {
  due: number;
  sent: number;
  failed: number;
  skipped: number;
}

interface DueRow {
  id: string;
  username: string;
  weekday: number;
  hour: number;
  time_zone: string;
  recipients: string[];
  options: SubscriptionOptions;
}

/** Claims the delivery of a period: true when this caller is to send it. */
async function claim(db: Database, subscriptionId: string, period: string): Promise<boolean> {
  const rows = await db.query<{ period: string }>(
    `INSERT INTO report_deliveries (subscription_id, period, status) VALUES ($1, $2, 'sending')
     ON CONFLICT (subscription_id, period) DO UPDATE SET status = 'sending', attempts = report_deliveries.attempts + 1, claimed_at = now(), error = NULL
       WHERE report_deliveries.status = 'failed'
          OR (report_deliveries.status = 'sending' AND report_deliveries.claimed_at < now() - interval '10 minutes')
     RETURNING period`,
    [subscriptionId, period],
  );
  return rows.length === 1;
}

async function deliver(db: Database, channel: EmailChannel, sub: DueRow, date: string, period: string): Promise<'sent' | 'failed'> {
  const actor = await actorForUsername(db, sub.username);
  if (!actor) {
    await db.query(`UPDATE report_deliveries SET status = 'failed', error = 'the subscriber is disabled' WHERE subscription_id = $1 AND period = $2`, [sub.id, period]);
    return 'failed';
  }
  try {
    const result = await withActor(db, actor, (tx) => agingAsOf(tx, agingParams(sub.options, date)));
    const mail = await buildWeeklyReport(result, { locale: sub.options.locale ?? 'zh-CN', period, user: sub.username });
    const messageId = `<report-${sub.id}-${period}@${mailDomain(channel.from)}>`;
    const r = await channel.send({ to: sub.recipients.join(', '), subject: mail.subject, text: mail.text, html: mail.html, messageId, headers: {}, attachments: mail.attachments });
    const ok = r.outcome === 'accepted';
    await db.query(
      `UPDATE report_deliveries SET status = $3, sent_at = CASE WHEN $3 = 'sent' THEN now() END, message_id = $4, error = $5 WHERE subscription_id = $1 AND period = $2`,
      [sub.id, period, ok ? 'sent' : 'failed', messageId, ok ? null : (r.response ?? r.outcome).slice(0, 500)],
    );
    await withActor(db, actor, (tx) => audit(tx, actor, ok ? 'report.sent' : 'report.failed', 'report_subscription', sub.id, null, { period, recipients: sub.recipients, response: r.response }));
    return ok ? 'sent' : 'failed';
  } catch (err) {
    const message = err instanceof AppError ? err.message : ((err as Error)?.message ?? String(err));
    await db.query(`UPDATE report_deliveries SET status = 'failed', error = $3 WHERE subscription_id = $1 AND period = $2`, [sub.id, period, message.slice(0, 500)]);
    return 'failed';
  }
}

/**
 * Sends every subscription whose latest scheduled time has passed and whose week has not gone out.
 * Runs as the database owner to see every subscription; each report is built as its subscriber.
 */
export async function sendDueReports(db: Database, options: { now?: Date; channel?: EmailChannel } = {}): Promise<RunSummary> {
  const now = options.now ?? new Date();
  const subs = await db.query<DueRow>(
    `SELECT s.id, u.username, s.weekday, s.hour, s.time_zone, s.recipients, s.options
       FROM report_subscriptions s JOIN users u ON u.id = s.user_id WHERE s.active ORDER BY s.created_at`,
  );
  const summary: RunSummary = { due: 0, sent: 0, failed: 0, skipped: 0 };
  let channel = options.channel ?? null;
  try {
    for (const sub of subs) {
      channel ??= channelFromEnv();
      await runOne(db, channel, sub, now, summary);
    }
  } finally {
    if (channel && !options.channel) channel.close();
  }
  return summary;
}

async function runOne(db: Database, channel: EmailChannel, sub: DueRow, now: Date, summary: RunSummary): Promise<void> {
  const { date, period } = lastScheduled(now, { weekday: sub.weekday, hour: sub.hour, timeZone: sub.time_zone });
  const [done] = await db.query<{ status: string }>('SELECT status FROM report_deliveries WHERE subscription_id = $1 AND period = $2', [sub.id, period]);
  if (done?.status === 'sent') return;
  // A subscription made after this week's time starts with next week's mail.
  const [created] = await db.query<{ created_local: string }>(`SELECT (created_at AT TIME ZONE $2)::date::text AS created_local FROM report_subscriptions WHERE id = $1`, [sub.id, sub.time_zone]);
  if (created && created.created_local > date) return;
  summary.due++;
  if (!(await claim(db, sub.id, period))) {
    summary.skipped++;
    return;
  }
  const outcome = await deliver(db, channel, sub, date, period);
  summary[outcome]++;
}

/** "Send now" from the page: this week's report at once, outside the schedule. */
export async function sendNow(db: Database, actor: Actor, id: string, options: { now?: Date; channel?: EmailChannel } = {}): Promise<'sent' | 'failed'> {
  const [sub] = await withActor(db, actor, (tx) =>
    tx.query<DueRow>(
      `SELECT s.id, u.username, s.weekday, s.hour, s.time_zone, s.recipients, s.options FROM report_subscriptions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`,
      [id],
    ),
  );
  if (!sub) throw notFound('subscription', 'id');
  const now = options.now ?? new Date();
  const period = `manual-${now.toISOString()}`;
  await claim(db, sub.id, period);
  const channel = options.channel ?? channelFromEnv();
  try {
    return await deliver(db, channel, sub, localTime(now, sub.time_zone).date, period);
  } finally {
    if (!options.channel) channel.close();
  }
}

function channelFromEnv(): EmailChannel {
  const config = smtpConfigFromEnv();
  if (!config) throw new AppError(503, 'smtp_not_configured', 'e-mail is not configured: set SHOUFU_SMTP_URL (and SHOUFU_MAIL_FROM)');
  return createSmtpChannel(config);
}
