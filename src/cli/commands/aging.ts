/**
 * `shoufu aging`: the point-in-time aging report (账龄分析) from the command line, through the
 * same use case and output adapters as GET /api/aging.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { openFromEnv } from '../../app/runtime';
import { AGING_BASES, type AgingBasis } from '../../domain/aging';
import { agingPdf } from '../../reports/aging-pdf';
import { isIsoDate, todayIso } from '../../domain/dates';
import { agingAsOf, splitDims } from '../../services/analytics/aging';
import { agingCsv, agingJson, agingSheet, agingText, writeAgingXlsx } from '../../services/analytics/aging-output';
import { SYSTEM_ACTOR, withActor } from '../../services/actor';
import { AppError } from '../../services/errors';

const FORMATS = ['table', 'json', 'csv', 'xlsx', 'pdf'] as const;
type Format = (typeof FORMATS)[number];

interface AgingOptions {
  asOf?: string;
  by?: string;
  basis: AgingBasis;
  buckets: string;
  ap?: boolean;
  currency: string;
  format: Format;
  lang: 'zh-CN' | 'en-US';
  out?: string;
  user?: string;
}

export function registerAgingCommand(program: Command): void {
  program
    .command('aging')
    .description('aging report (账龄分析) as of a date: open amounts by bucket, grouped by up to two dimensions')
    .option('--as-of <date>', 'as of this date (YYYY-MM-DD, default today)', (v: string) => {
      if (!isIsoDate(v)) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
      return v;
    })
    .option('--by <dims>', 'group by up to two of customer|supplier, parent, entity, region, province, salesperson, industry, contract, currency (comma-separated)')
    .addOption(new Option('--basis <basis>', 'due: days past due (逾期账龄); invoice: days since issue (开票账龄)').choices([...AGING_BASES]).default('due'))
    .option('--buckets <spec>', 'chinese, short, or upper bounds in days such as 30,60,90,180,365', 'chinese')
    .option('--ap', 'payables (suppliers and bills) instead of receivables')
    .option('--currency <currency>', 'all (per currency), base (converted to the entity base currency at the as-of rate) or one currency code', 'all')
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('table'))
    .addOption(new Option('--lang <locale>', 'column headings of csv/xlsx/pdf').choices(['zh-CN', 'en-US']).default('zh-CN'))
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--user <username>', 'report with this user’s data scope (default: everything)')
    .action(async (opts: AgingOptions) => {
      const opened = await openFromEnv('aging');
      try {
        let actor = SYSTEM_ACTOR;
        if (opts.user) {
          const { actorForUsername } = await import('../../services/auth/users');
          const found = await actorForUsername(opened.db, opts.user);
          if (!found) throw new AppError(404, 'not_found', `user ${opts.user} not found`);
          actor = found;
        }
        const params = {
          asOf: opts.asOf ?? todayIso(),
          side: opts.ap ? ('AP' as const) : ('AR' as const),
          basis: opts.basis,
          buckets: opts.buckets,
          by: splitDims(opts.by),
          currency: opts.currency,
        };
        const result = await withActor(opened.db, actor, (tx) => agingAsOf(tx, params));
        if (opts.format === 'pdf') {
          if (!opts.out && process.stdout.isTTY) throw new AppError(400, 'out_required', 'pdf is binary: give --out FILE');
          const pdf = await agingPdf(result, opts.lang, actor.username);
          if (opts.out) writeFileSync(opts.out, pdf);
          else process.stdout.write(pdf);
        } else if (opts.format === 'xlsx') {
          if (!opts.out && process.stdout.isTTY) throw new AppError(400, 'out_required', 'xlsx is binary: give --out FILE');
          await writeAgingXlsx(agingSheet(result, opts.lang), opts.out ? createWriteStream(opts.out) : process.stdout);
        } else {
          const text =
            opts.format === 'json'
              ? `${JSON.stringify(agingJson(result))}\n`
              : opts.format === 'csv'
                ? agingCsv(agingSheet(result, opts.lang))
                : agingText(result);
          if (opts.out) writeFileSync(opts.out, text);
          else process.stdout.write(text);
        }
        if (opts.out) process.stderr.write(`${result.report.rows.length} rows → ${opts.out}\n`);
      } finally {
        await opened.close();
      }
    });
}
