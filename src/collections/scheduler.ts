/**
 * Dunning on a schedule inside `shoufu serve` (SHOUFU_DUNNING_INTERVAL_MS, default 15 minutes; 0
 * disables): each tick plans what is due as of now (idempotent, so ticking often is harmless and a
 * missed day is caught up by the next tick) and then sends what is due. Several instances may run
 * it against one PostgreSQL: planning is serialised per customer and deduplicated by the unique
 * plan key, sending by FOR UPDATE SKIP LOCKED claims (docs/collections.md).
 */
import type { Database } from '../db/database';
import { type Actor, SYSTEM_ACTOR } from '../services/actor';
import { createSmtpChannel, type EmailChannel, smtpConfigFromEnv } from './channels/email';
import { planDunning, type PlanResult } from './planner';
import { createDunningSender, type SenderOptions, type SendSummary } from './sender';

export interface RunOptions {
  db: Database;
  now?: Date;
  asOf?: string | null;
  dryRun?: boolean;
  actor?: Actor;
  partyIds?: string[] | null;
  sender?: Omit<SenderOptions, 'db'>;
}

export interface RunResult {
  plan: PlanResult;
  send: SendSummary | null;
}

/** The email channel from SHOUFU_SMTP_URL / SHOUFU_MAIL_FROM, or null when not configured. */
export function emailFromEnv(): EmailChannel | null {
  const config = smtpConfigFromEnv();
  return config ? createSmtpChannel(config) : null;
}

export function leaseFromEnv(): number | undefined {
  const v = Number(process.env.SHOUFU_DUNNING_LEASE_MS);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Plans, then (unless dry) sends what is due. */
export async function runDunning(opts: RunOptions): Promise<RunResult> {
  const now = opts.now ?? new Date();
  const plan = await planDunning(opts.db, {
    actor: opts.actor ?? SYSTEM_ACTOR,
    now,
    asOf: opts.asOf ?? null,
    dryRun: !!opts.dryRun,
    partyIds: opts.partyIds ?? null,
  });
  if (opts.dryRun) return { plan, send: null };
  const ownEmail = opts.sender && 'email' in opts.sender ? null : emailFromEnv();
  const sender = createDunningSender({
    db: opts.db,
    ...(ownEmail ? { email: ownEmail } : {}),
    ...(leaseFromEnv() ? { leaseMs: leaseFromEnv() } : {}),
    ...opts.sender,
  });
  try {
    return { plan, send: await sender.drain() };
  } finally {
    ownEmail?.close();
  }
}

export function createDunningScheduler(opts: { db: Database; intervalMs: number; log?: (m: string) => void }) {
  const log = opts.log ?? (() => undefined);
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopped = true;
  const email = emailFromEnv();
  const sender = createDunningSender({ db: opts.db, email, ...(leaseFromEnv() ? { leaseMs: leaseFromEnv() } : {}), log: (m) => log(m) });

  async function tick(): Promise<void> {
    try {
      const plan = await planDunning(opts.db, { actor: SYSTEM_ACTOR, now: new Date(), dryRun: false });
      const sent = await sender.drain();
      const planned = plan.actions.filter((a) => a.state === 'new').length;
      if (planned || sent.claimed) log(`dunning: planned ${planned}, sent ${sent.sent}, failed ${sent.failed}, dead ${sent.dead}`);
    } catch (err) {
      log(`dunning run failed: ${(err as Error).message}`);
    }
  }

  function start(): void {
    if (!stopped || opts.intervalMs <= 0) return;
    stopped = false;
    const loop = () => {
      if (stopped) return;
      running = tick().finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(loop, opts.intervalMs);
      });
    };
    timer = setTimeout(loop, 1000);
  }

  async function stop(): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    if (running) await running;
    email?.close();
  }

  return { start, stop };
}
