/**
 * The sending half of a dunning run. Stateless: any number of instances may run it at once.
 *
 * Email: due actions are claimed in a short transaction (FOR UPDATE SKIP LOCKED: two senders never
 * take the same row), moved planned → sending with a claim token and a lease, sent outside any
 * transaction, and recorded sent/failed/dead only by the holder of the token. An action left in
 * 'sending' by a worker that died is taken over when its lease expires. That is the one
 * at-least-once edge: a worker that died after the SMTP server accepted the message but before
 * it recorded 'sent' causes one resend after the lease, with the same Message-ID (derived from
 * the action id) so that mail systems can drop the duplicate. The unique plan row keeps it to one
 * message per contact in every other case, and the lease (longer than every SMTP timeout) keeps a
 * slow but living worker from being overtaken.
 *
 * Robots (WeCom, DingTalk): one sender at a time per webhook (a lease on the robot row, the
 * "queue per webhook"); the deliveries of the last minute give the remaining budget (about 20
 * messages a minute). When the queue is longer than the budget its actions go out as digests,
 * several customers per message, rather than being dropped; whatever still does not fit waits
 * for the next minute.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database, Queryable } from '../db/database';
import { buildStatement, statementPdf } from '../reports/customer-statement';
import type { TemplateKey } from '../domain/dunning/policy';
import { SYSTEM_ACTOR } from '../services/actor';
import { audit } from '../services/audit';
import { createDingtalkChannel } from './channels/dingtalk';
import { type ChannelResult, type EmailChannel, mailDomain } from './channels/email';
import type { RobotChannel } from './channels/robot';
import { createWecomChannel } from './channels/wecom';
import type { ActionItemJson } from './planner';
import { type Locale, type MessageContext, renderEmail, renderRobotDigest, renderRobotSection } from './templates';

export interface SenderOptions {
  db: Database;
  now?: () => Date;
  /** null: email actions wait (no SMTP configured). */
  email?: EmailChannel | null;
  wecom?: RobotChannel;
  dingtalk?: RobotChannel;
  /** How long a claim holds an action (default 5 min, longer than every channel timeout). */
  leaseMs?: number;
  maxAttempts?: number;
  /** Most emails one drain() sends (default 10,000). */
  maxPerDrain?: number;
  /** Shown in the X-Shoufu-Worker header and in deliveries (default host:pid). */
  workerName?: string;
  /** A link template for the customer's statement, {{code}} and {{id}} replaced (SHOUFU_STATEMENT_URL). */
  statementUrl?: string | null;
  log?: (message: string, detail?: Record<string, unknown>) => void;
}

export interface SendSummary {
  claimed: number;
  sent: number;
  failed: number;
  dead: number;
  cancelled: number;
  digests: number;
  deferred: number;
}

interface ClaimedAction {
  id: string;
  party_id: string;
  channel: string;
  robot_id: string | null;
  level_code: string;
  level_offset: number;
  policy_id: string;
  template: string;
  items: ActionItemJson[];
  attempts: number;
  claim_token: string;
  contact_key: string;
}

interface PartyInfo {
  id: string;
  code: string;
  name: string;
  name_en: string | null;
  contact_email: string | null;
  contact_locale: Locale;
  do_not_contact: boolean;
  level_zh: string | null;
  level_en: string | null;
  company: string | null;
}

const emptySummary = (): SendSummary => ({ claimed: 0, sent: 0, failed: 0, dead: 0, cancelled: 0, digests: 0, deferred: 0 });

function due(alias = 'a'): string {
  return `${alias}.not_before <= $1 AND (${alias}.status = 'planned'
           OR (${alias}.status = 'failed' AND ${alias}.next_attempt_at <= $1)
           OR (${alias}.status = 'sending' AND ${alias}.lease_until <= $1))`;
}

const CLAIM_EMAIL = `
WITH due AS (
  SELECT a.id FROM dunning_actions a
   WHERE a.channel = 'email' AND ${due()}
   ORDER BY a.not_before, a.id LIMIT $2 FOR UPDATE SKIP LOCKED
)
UPDATE dunning_actions a SET status = 'sending', attempts = a.attempts + 1, claim_token = $3,
       lease_until = $1::timestamptz + $4::integer * interval '1 millisecond'
  FROM due WHERE a.id = due.id
RETURNING a.id, a.party_id, a.channel, a.robot_id, a.level_code, a.level_offset, a.policy_id, a.template, a.items, a.attempts, a.claim_token, a.contact_key`;

const CLAIM_ROBOT = `
WITH due AS (
  SELECT a.id FROM dunning_actions a
   WHERE a.robot_id = $5 AND ${due()}
   ORDER BY a.not_before, a.id LIMIT $2 FOR UPDATE SKIP LOCKED
)
UPDATE dunning_actions a SET status = 'sending', attempts = a.attempts + 1, claim_token = $3,
       lease_until = $1::timestamptz + $4::integer * interval '1 millisecond'
  FROM due WHERE a.id = due.id
RETURNING a.id, a.party_id, a.channel, a.robot_id, a.level_code, a.level_offset, a.policy_id, a.template, a.items, a.attempts, a.claim_token, a.contact_key`;

/** Minutes to wait after failed attempt n (1, 5, 30, 120, 360). */
export function retryDelayMs(attempt: number): number {
  const minutes = [1, 5, 30, 120, 360][Math.min(attempt, 5) - 1] ?? 360;
  return minutes * 60_000;
}

export function createDunningSender(opts: SenderOptions) {
  const db = opts.db;
  const now = opts.now ?? (() => new Date());
  const leaseMs = opts.leaseMs ?? 5 * 60_000;
  const maxAttempts = opts.maxAttempts ?? 5;
  const maxPerDrain = opts.maxPerDrain ?? 10_000;
  const workerName = opts.workerName ?? `${hostname()}:${process.pid}`;
  const wecom = opts.wecom ?? createWecomChannel();
  const dingtalk = opts.dingtalk ?? createDingtalkChannel();
  const log = opts.log ?? (() => undefined);

  async function partyInfo(tx: Queryable, a: ClaimedAction): Promise<PartyInfo | null> {
    const firstInvoice = a.items[0]?.invoiceId ?? null;
    const [p] = await tx.query<PartyInfo>(
      `SELECT p.id, p.code, p.name, p.name_en, p.contact_email, p.contact_locale, p.do_not_contact,
              (SELECT name_zh FROM dunning_levels l WHERE l.policy_id = $2 AND l.code = $3) AS level_zh,
              (SELECT name_en FROM dunning_levels l WHERE l.policy_id = $2 AND l.code = $3) AS level_en,
              (SELECT e.name FROM invoices i JOIN entities e ON e.id = i.entity_id WHERE i.id = $4) AS company
         FROM parties p WHERE p.id = $1`,
      [a.party_id, a.policy_id, a.level_code, firstInvoice],
    );
    return p ?? null;
  }

  function context(a: ClaimedAction, p: PartyInfo, locale: Locale): MessageContext {
    const totals = new Map<string, { currency: string; minor: bigint; scale: number }>();
    for (const i of a.items) {
      const [whole, frac = ''] = i.amount.split('.');
      const minor = BigInt(`${whole}${frac}`);
      const t = totals.get(i.currency) ?? { currency: i.currency, minor: 0n, scale: frac.length };
      t.minor += minor;
      totals.set(i.currency, t);
    }
    const fmt = (minor: bigint, scale: number) => {
      if (scale === 0) return minor.toString();
      const s = minor.toString().padStart(scale + 1, '0');
      return `${s.slice(0, -scale)}.${s.slice(-scale)}`;
    };
    const statement = opts.statementUrl ?? process.env.SHOUFU_STATEMENT_URL ?? null;
    return {
      locale,
      template: a.template as TemplateKey,
      customerName: locale === 'en-US' && p.name_en ? p.name_en : p.name,
      customerCode: p.code,
      levelName: (locale === 'zh-CN' ? p.level_zh : p.level_en) ?? a.level_code,
      companyName: p.company ?? 'Shoufu 收付',
      items: a.items.map((i) => ({ invoiceNumber: i.invoiceNumber, seq: i.seq, dueDate: i.dueDate, currency: i.currency, amount: i.amount, daysOverdue: i.daysOverdue })),
      totals: [...totals.values()].sort((x, y) => x.currency.localeCompare(y.currency)).map((t) => ({ currency: t.currency, amount: fmt(t.minor, t.scale) })),
      statementUrl: statement ? statement.replaceAll('{{code}}', encodeURIComponent(p.code)).replaceAll('{{id}}', p.id) : null,
    };
  }

  /** Records the outcome of one action if this worker still holds it; returns the new status or 'lost'. */
  async function record(tx: Queryable, a: ClaimedAction, result: ChannelResult, messageId: string | null): Promise<'sent' | 'failed' | 'dead' | 'lost'> {
    const at = now();
    const status = result.outcome === 'accepted' ? 'sent' : result.retry && a.attempts < maxAttempts ? 'failed' : 'dead';
    const updated = await tx.query(
      `UPDATE dunning_actions SET status = $2, claim_token = NULL, lease_until = NULL, last_error = $3,
              sent_at = CASE WHEN $2 = 'sent' THEN $4::timestamptz ELSE sent_at END, message_id = coalesce($5, message_id),
              next_attempt_at = CASE WHEN $2 = 'failed' THEN $4::timestamptz + $7::integer * interval '1 millisecond' ELSE NULL END
        WHERE id = $1 AND claim_token = $6 RETURNING id`,
      [a.id, status, status === 'sent' ? null : result.response, at, messageId, a.claim_token, retryDelayMs(a.attempts)],
    );
    if (!updated.length) return 'lost';
    await audit(tx, SYSTEM_ACTOR, `dunning.${status}`, 'dunning_action', a.id, { status: 'sending' }, {
      status,
      partyId: a.party_id,
      channel: a.channel,
      level: a.level_code,
      attempt: a.attempts,
      outcome: result.outcome,
      messageId,
      response: result.response?.slice(0, 200) ?? null,
    });
    return status;
  }

  async function cancel(tx: Queryable, a: ClaimedAction, reason: string): Promise<boolean> {
    const updated = await tx.query(
      `UPDATE dunning_actions SET status = 'cancelled', claim_token = NULL, lease_until = NULL, last_error = $3
        WHERE id = $1 AND claim_token = $2 RETURNING id`,
      [a.id, a.claim_token, reason],
    );
    if (updated.length) await audit(tx, SYSTEM_ACTOR, 'dunning.cancelled', 'dunning_action', a.id, { status: 'sending' }, { status: 'cancelled', reason });
    return updated.length > 0;
  }

  async function delivery(
    tx: Queryable,
    ids: string[],
    channel: string,
    robotId: string | null,
    target: string | null,
    startedAt: Date,
    result: ChannelResult,
    digest: boolean,
    messageId: string | null,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO dunning_deliveries (action_ids, channel, robot_id, target, started_at, duration_ms, outcome, digest, message_id, response, worker)
       VALUES ($1::uuid[], $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [ids, channel, robotId, target, startedAt, Math.max(0, now().getTime() - startedAt.getTime()), result.outcome, digest, messageId, result.response?.slice(0, 500) ?? null, workerName],
    );
  }

  /** A claim past the last allowed attempt (its holders kept dying): give up without sending again. */
  async function exhausted(a: ClaimedAction, s: SendSummary): Promise<boolean> {
    if (a.attempts <= maxAttempts) return false;
    const status = await db.transaction((tx) =>
      record(tx, a, { outcome: 'failed', response: 'the workers holding the last attempts stopped before recording a result', retry: false }, null),
    );
    if (status !== 'lost') s[status]++;
    return true;
  }

  /**
   * The customer's statement (对账单) of the last twelve months as a PDF, attached to every dunning
   * e-mail (SHOUFU_DUNNING_ATTACH_STATEMENT=0 leaves it out). Without a CJK font the mail goes
   * without it rather than not at all.
   */
  async function statementAttachment(a: ClaimedAction, p: PartyInfo): Promise<{ filename: string; content: Buffer; contentType: string } | null> {
    if (process.env.SHOUFU_DUNNING_ATTACH_STATEMENT === '0') return null;
    const to = now().toISOString().slice(0, 10);
    const from = `${Number(to.slice(0, 4)) - 1}${to.slice(4, 7)}-01`;
    try {
      const locale = p.contact_locale === 'en-US' ? 'en-US' : 'zh-CN';
      const statement = await db.transaction((tx) => buildStatement(tx, a.party_id, from, to));
      const pdf = await statementPdf(statement, locale);
      return { filename: `${locale === 'zh-CN' ? '对账单' : 'statement'}-${p.code}-${to}.pdf`, content: pdf, contentType: 'application/pdf' };
    } catch (err) {
      log(`dunning email ${a.level_code}: no statement attached (${(err as Error)?.message ?? err})`, { action: a.id });
      return null;
    }
  }

  async function sendEmail(a: ClaimedAction, s: SendSummary): Promise<void> {
    const email = opts.email!;
    if (await exhausted(a, s)) return;
    const p = await db.transaction((tx) => partyInfo(tx, a));
    if (!p || p.do_not_contact || !p.contact_email) {
      if (await db.transaction((tx) => cancel(tx, a, !p ? 'customer not found' : p.do_not_contact ? 'do-not-contact' : 'no contact email'))) s.cancelled++;
      return;
    }
    const rendered = renderEmail(context(a, p, p.contact_locale));
    const messageId = `<dunning.${a.id}@${mailDomain(email.from)}>`;
    const attachment = await statementAttachment(a, p);
    const startedAt = now();
    const result = await email.send({
      to: p.contact_email,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      messageId,
      headers: { 'X-Shoufu-Action': a.id, 'X-Shoufu-Contact': a.contact_key, 'X-Shoufu-Worker': workerName },
      ...(attachment ? { attachments: [attachment] } : {}),
    });
    const status = await db.transaction(async (tx) => {
      await delivery(tx, [a.id], 'email', null, p.contact_email, startedAt, result, false, messageId);
      return record(tx, a, result, messageId);
    });
    log(`dunning email ${a.level_code} → ${p.contact_email}: ${status}`, { action: a.id, response: result.response });
    if (status !== 'lost') s[status]++;
  }

  async function drainEmail(s: SendSummary): Promise<void> {
    if (!opts.email) return;
    // One action per claim: a worker that dies strands at most the one message it was sending
    // (until its lease expires), never a batch it had claimed but not started.
    for (let i = 0; i < maxPerDrain; i++) {
      const token = randomUUID();
      const [a] = await db.transaction((tx) => tx.query<ClaimedAction>(CLAIM_EMAIL, [now(), 1, token, leaseMs]));
      if (!a) return;
      s.claimed++;
      await sendEmail(a, s);
    }
  }

  async function drainRobot(robotId: string, s: SendSummary): Promise<void> {
    const at = now();
    const token = randomUUID();
    const [robot] = await db.query<{ kind: 'wecom' | 'dingtalk'; webhook_url: string; secret: string | null; per_minute: number; name: string }>(
      `UPDATE collection_robots SET lease_token = $2, lease_until = $1::timestamptz + $4::integer * interval '1 millisecond'
        WHERE id = $3 AND active AND (lease_until IS NULL OR lease_until <= $1)
        RETURNING kind, webhook_url, secret, per_minute, name`,
      [at, token, robotId, leaseMs],
    );
    if (!robot) return; // another instance is working this webhook's queue
    try {
      const [{ n } = { n: 0n }] = await db.query<{ n: bigint }>(
        `SELECT count(*) AS n FROM dunning_deliveries WHERE robot_id = $1 AND started_at > $2::timestamptz - interval '60 seconds'`,
        [robotId, at],
      );
      let budget = robot.per_minute - Number(n);
      if (budget <= 0) {
        s.deferred++;
        return;
      }
      const claimed = await db.transaction((tx) => tx.query<ClaimedAction>(CLAIM_ROBOT, [at, 500, randomUUID(), leaseMs, robotId]));
      if (!claimed.length) return;
      s.claimed += claimed.length;
      const channel = robot.kind === 'wecom' ? wecom : dingtalk;
      const sections: { a: ClaimedAction; text: string; locale: Locale }[] = [];
      for (const a of claimed) {
        if (await exhausted(a, s)) continue;
        const p = await db.transaction((tx) => partyInfo(tx, a));
        if (!p || p.do_not_contact) {
          if (await db.transaction((tx) => cancel(tx, a, 'do-not-contact'))) s.cancelled++;
          continue;
        }
        sections.push({ a, text: renderRobotSection(context(a, p, 'zh-CN')), locale: 'zh-CN' });
      }
      // Individually when the budget allows, else digests packed up to the message size limit.
      const messages: { actions: ClaimedAction[]; title: string; markdown: string; digest: boolean }[] = [];
      if (sections.length <= budget) {
        for (const x of sections) messages.push({ actions: [x.a], title: x.text.split('\n')[0]!.replace(/^#+\s*/, ''), markdown: x.text, digest: false });
      } else {
        let group: typeof sections = [];
        const flush = () => {
          if (!group.length) return;
          const d = renderRobotDigest(group.map((g) => g.text), 'zh-CN');
          messages.push({ actions: group.map((g) => g.a), title: d.title, markdown: d.markdown, digest: true });
          group = [];
        };
        for (const x of sections) {
          const next = renderRobotDigest([...group, x].map((g) => g.text), 'zh-CN').markdown;
          if (group.length && Buffer.byteLength(next, 'utf8') > channel.maxBytes) flush();
          group.push(x);
        }
        flush();
      }
      for (const m of messages) {
        if (budget <= 0) {
          // Not this minute: hand the actions back to the queue untouched.
          await db.query(
            `UPDATE dunning_actions SET status = 'planned', attempts = attempts - 1, claim_token = NULL, lease_until = NULL
              WHERE id = ANY ($1::uuid[]) AND status = 'sending'`,
            [m.actions.map((a) => a.id)],
          );
          s.deferred += m.actions.length;
          continue;
        }
        budget--;
        const startedAt = now();
        const result = await channel.send(robot.webhook_url, robot.secret, { title: m.title, markdown: m.markdown }, startedAt);
        if (m.digest) s.digests++;
        await db.transaction(async (tx) => {
          await delivery(tx, m.actions.map((a) => a.id), robot.kind, robotId, robot.name, startedAt, result, m.digest, null);
          for (const a of m.actions) {
            const status = await record(tx, a, result, null);
            if (status !== 'lost') s[status]++;
          }
        });
        log(`dunning ${robot.kind} ${robot.name}: ${result.outcome}${m.digest ? ` (digest of ${m.actions.length})` : ''}`, { response: result.response });
      }
    } finally {
      await db.query('UPDATE collection_robots SET lease_token = NULL, lease_until = NULL WHERE id = $1 AND lease_token = $2', [robotId, token]);
    }
  }

  /** Sends everything due now: email, then each robot's queue. */
  async function drain(): Promise<SendSummary> {
    const s = emptySummary();
    await drainEmail(s);
    const robots = await db.query<{ robot_id: string }>(
      `SELECT DISTINCT a.robot_id FROM dunning_actions a WHERE a.robot_id IS NOT NULL AND ${due()}`,
      [now()],
    );
    for (const r of robots) await drainRobot(r.robot_id, s);
    return s;
  }

  return { drain, workerName };
}

export type DunningSender = ReturnType<typeof createDunningSender>;
