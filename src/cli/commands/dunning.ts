/**
 * `shoufu dunning …` (docs/collections.md): run [--dry-run] [--as-of DATE] [--format json], send,
 * robots add/list. Runs as the system actor through the same planner and sender as the API and
 * the scheduler inside `shoufu serve`.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { openFromEnv } from '../../app/runtime';
import type { PlanResult } from '../../collections/planner';
import { emailFromEnv, leaseFromEnv, runDunning } from '../../collections/scheduler';
import { createDunningSender } from '../../collections/sender';
import { addRobot, listRobots } from '../../collections/service';
import { isIsoDate } from '../../domain/dates';
import { SYSTEM_ACTOR, withActor } from '../../services/actor';

function isoDateArg(v: string): string {
  if (!isIsoDate(v)) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  return v;
}

function summary(plan: PlanResult): string {
  const lines: string[] = [];
  const byCustomer = new Map<string, PlanResult['actions']>();
  for (const a of plan.actions) {
    const list = byCustomer.get(a.customer.id) ?? [];
    list.push(a);
    byCustomer.set(a.customer.id, list);
  }
  lines.push(
    `${plan.dryRun ? '试运行 / dry run' : '催收运行 / dunning run'} ${plan.at}: ${byCustomer.size} 位客户 customers, ${plan.actions.length} 个动作 actions` +
      ` (${plan.customersEvaluated} evaluated, paused items: ${plan.paused.disputed} disputed, ${plan.paused.promised} promised)`,
  );
  for (const actions of byCustomer.values()) {
    const a = actions[0]!;
    const totals = a.totals.map((t) => `${t.amount} ${t.currency}`).join(' + ');
    const maxDays = Math.max(...a.items.map((i) => i.daysOverdue));
    lines.push(
      `  ${a.customer.code.padEnd(10)} ${a.customer.name}  ${a.level.name} (${a.level.offsetDays >= 0 ? '+' : ''}${a.level.offsetDays})  ` +
        `${a.items.length} 笔 items, ${totals}, ${maxDays > 0 ? `逾期 ${maxDays} 天` : maxDays === 0 ? '今日到期' : `${-maxDays} 天后到期`}  → ${actions.map((x) => `${x.channel}:${x.target}`).join(', ')}` +
        (a.state === 'existing' ? '  [already planned]' : ''),
    );
  }
  const skipped = new Map<string, number>();
  for (const s of plan.skipped) skipped.set(s.reason, (skipped.get(s.reason) ?? 0) + 1);
  if (skipped.size) lines.push(`  skipped: ${[...skipped.entries()].map(([r, n]) => `${r} ${n}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function registerDunningCommands(program: Command): void {
  const cmd = program.command('dunning').description('collections (催收): dunning runs, sending, robots');

  cmd
    .command('run')
    .description('plan what is due now (on or before today, caught up) and send it; --dry-run only shows it')
    .option('--dry-run', 'show what would be sent; write nothing')
    .option('--as-of <date>', 'evaluate as of this date instead of each customer’s local today', isoDateArg)
    .addOption(new Option('--format <format>', 'output').choices(['text', 'json']).default('text'))
    .action(async (opts: { dryRun?: boolean; asOf?: string; format: 'text' | 'json' }) => {
      const opened = await openFromEnv('dunning run');
      try {
        const result = await runDunning({ db: opened.db, dryRun: !!opts.dryRun, asOf: opts.asOf ?? null });
        if (opts.format === 'json') {
          process.stdout.write(`${JSON.stringify(opts.dryRun ? result.plan : result, null, 2)}\n`);
        } else {
          process.stdout.write(summary(result.plan));
          if (result.send) {
            const s = result.send;
            process.stdout.write(`  sent ${s.sent}, failed ${s.failed}, dead ${s.dead}, cancelled ${s.cancelled}, digests ${s.digests}, deferred ${s.deferred}\n`);
            if (!process.env.SHOUFU_SMTP_URL) process.stdout.write('  (SHOUFU_SMTP_URL is not set: email actions stay planned)\n');
          }
        }
      } finally {
        await opened.close();
      }
    });

  cmd
    .command('send')
    .description('send the planned actions that are due now (no planning)')
    .action(async () => {
      const opened = await openFromEnv('dunning send');
      const email = emailFromEnv();
      try {
        const sender = createDunningSender({ db: opened.db, email, ...(leaseFromEnv() ? { leaseMs: leaseFromEnv() } : {}) });
        process.stdout.write(`${JSON.stringify(await sender.drain())}\n`);
      } finally {
        email?.close();
        await opened.close();
      }
    });

  const robots = cmd.command('robots').description('WeCom / DingTalk group robots');
  robots
    .command('list')
    .description('list robots (webhook URLs and secrets are not shown)')
    .action(async () => {
      const opened = await openFromEnv('dunning robots list');
      try {
        process.stdout.write(`${JSON.stringify(await withActor(opened.db, SYSTEM_ACTOR, (tx) => listRobots(tx)), null, 2)}\n`);
      } finally {
        await opened.close();
      }
    });
  robots
    .command('add <kind> <webhookUrl>')
    .description('add a robot: kind wecom|dingtalk')
    .requiredOption('--name <name>', 'a name for the group')
    .option('--secret <secret>', 'DingTalk 加签 secret (SEC…)')
    .option('--regions <regions>', 'only customers of these regions (comma-separated)')
    .action(async (kind: string, webhookUrl: string, opts: { name: string; secret?: string; regions?: string }) => {
      if (kind !== 'wecom' && kind !== 'dingtalk') throw new InvalidArgumentError('kind is wecom or dingtalk');
      const opened = await openFromEnv('dunning robots add');
      try {
        const created = await withActor(opened.db, SYSTEM_ACTOR, (tx) =>
          addRobot(tx, SYSTEM_ACTOR, {
            kind,
            name: opts.name,
            webhookUrl,
            secret: opts.secret ?? null,
            regions: opts.regions ? opts.regions.split(',').map((s) => s.trim()).filter(Boolean) : null,
          }),
        );
        process.stdout.write(`${JSON.stringify(created)}\n`);
      } finally {
        await opened.close();
      }
    });
}
