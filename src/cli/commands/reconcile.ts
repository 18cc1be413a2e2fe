/**
 * `shoufu reconcile [--entity CODE] [--threshold X] [--dry-run] [--ap] [--format json]`: applies what
 * clears the threshold, leaves the rest as proposals, and prints what it did (docs/reconciliation.md).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { openFromEnv } from '../../app/runtime';
import { SYSTEM_ACTOR } from '../../services/actor';
import { reconcile } from '../../services/reconciliation/run';

export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description('match unapplied receipts (payments with --ap) to open invoices; apply what clears the threshold, queue the rest')
    .option('--entity <code>', 'the entity (default: the first)')
    .option('--threshold <x>', 'apply proposals at or above this confidence (0–1, default 0.9)', (v: string) => {
      const x = Number(v);
      if (!(x > 0 && x <= 1)) throw new InvalidArgumentError('a confidence between 0 and 1');
      return x;
    })
    .option('--dry-run', 'match and report; write nothing')
    .option('--ap', 'outgoing payments against bills instead of receipts against invoices')
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
    .action(async (opts: { entity?: string; threshold?: number; dryRun?: boolean; ap?: boolean; format: 'table' | 'json' }) => {
      const opened = await openFromEnv('reconcile');
      try {
        const tty = process.stderr.isTTY;
        let last = 0;
        const summary = await reconcile(opened.db, SYSTEM_ACTOR, {
          side: opts.ap ? 'AP' : 'AR',
          ...(opts.entity ? { entity: opts.entity } : {}),
          ...(opts.threshold ? { threshold: opts.threshold } : {}),
          dryRun: !!opts.dryRun,
          onProgress: (done, total) => {
            if (!tty || (Date.now() - last < 200 && done !== total)) return;
            last = Date.now();
            process.stderr.write(`\r对账 / reconciling ${done}/${total}   `);
          },
        });
        if (tty) process.stderr.write('\n');
        if (opts.format === 'json') {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return;
        }
        const amounts = summary.autoApplied.amounts.map((a) => `${a.amount} ${a.currency}`).join(', ') || '0';
        process.stdout.write(
          `${summary.dryRun ? '(dry run) ' : ''}lines ${summary.lines} · auto-applied ${summary.autoApplied.count} (${amounts}) · suggested ${summary.suggested} · ` +
            `unidentified ${summary.unidentified} · strangers ${summary.strangers} · duplicates ${summary.duplicates}` +
            `${summary.conflicts ? ` · changed meanwhile ${summary.conflicts}` : ''} · ${(summary.ms / 1000).toFixed(1)} s\n`,
        );
      } finally {
        await opened.close();
      }
    });
}
