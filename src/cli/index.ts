/**
 * The `shoufu` command line. Every command goes through the same use cases as the API and
 * honours DATABASE_URL / SHOUFU_DATA_DIR.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { buildServer } from '../api/server';
import { DataDirLockedError, openFromEnv } from '../app/runtime';
import { isIsoDate, todayIso } from '../domain/dates';
import { EXPORT_FORMATS, EXPORT_KINDS, type ExportFormat, type ExportKind, exportData, toCsv, toJsonDocument, writeXlsx } from '../export/exports';
import { ROLES, type Role, SYSTEM_ACTOR, withActor } from '../services/actor';
import { verifyAuditChain } from '../services/audit';
import { createApiToken, createUser } from '../services/auth/users';
import { AppError } from '../services/errors';
import { registerAgingCommand } from './commands/aging';
import { registerCreditCommands } from './commands/credit';
import { registerDunningCommands } from './commands/dunning';
import { registerReconcileCommand } from './commands/reconcile';
import { registerEInvoiceCommands } from './commands/einvoice';
import { registerImportCommand } from './commands/import';
import { registerStatementCommands } from './commands/statement';
import { registerWebhookCommands } from './commands/webhooks';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function progress(label: string) {
  const tty = process.stderr.isTTY;
  let last = 0;
  return (done: number, total: number, phase: string) => {
    if (!tty) return;
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const pct = total ? Math.floor((done / total) * 100) : 100;
    process.stderr.write(`\r${label} ${phase} ${pct}% (${done}/${total})   `);
    if (done >= total) process.stderr.write('\n');
  };
}

function isoDateArg(v: string): string {
  if (!isIsoDate(v)) throw new InvalidArgumentError('expected a date YYYY-MM-DD');
  return v;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

async function buildWebIfMissing(): Promise<void> {
  if (existsSync(join(ROOT, 'web', 'dist', 'index.html'))) return;
  process.stderr.write('正在构建网页界面 / building the web UI (first start only)…\n');
  const vite = await import('vite');
  await vite.build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });
}

async function seedIfEmpty(db: Awaited<ReturnType<typeof openFromEnv>>['db'], sizes: { customers?: number; invoices?: number }) {
  const [row] = await db.query<{ n: bigint }>('SELECT count(*) AS n FROM entities');
  if (row && row.n > 0n) return null;
  const { seedDemo } = await import('../demo/seed');
  const adminPassword = process.env.SHOUFU_ADMIN_PASSWORD ?? randomBytes(9).toString('base64url');
  const t0 = Date.now();
  const summary = await seedDemo(db, { ...sizes, adminPassword, onProgress: progress('演示数据 demo data') });
  return { summary, adminPassword, seconds: (Date.now() - t0) / 1000 };
}

const program = new Command();
program.name('shoufu').description('Shoufu 收付 — receivables & payables').version('0.1.0');

program
  .command('serve')
  .description('start the API and web UI (seeds the demo company into an empty database)')
  .option('-p, --port <port>', 'port', (v) => positiveInt(v), Number(process.env.PORT ?? 3000))
  .option('--host <host>', 'address to listen on', process.env.HOST ?? '127.0.0.1')
  .option('--no-demo', 'do not seed the demo company into an empty database')
  .option('--build-web', 'build the web UI first if it has not been built')
  .action(async (opts: { port: number; host: string; demo: boolean; buildWeb?: boolean }) => {
    if (opts.buildWeb) await buildWebIfMissing();
    const t0 = Date.now();
    const opened = await openFromEnv('serve');
    process.stderr.write(`数据库 / database: ${opened.description}\n`);
    const seeded = opts.demo ? await seedIfEmpty(opened.db, {}) : null;
    const app = await buildServer({ db: opened.db, logger: process.env.SHOUFU_LOG === '1' });
    await app.listen({ port: opts.port, host: opts.host });
    // Webhook deliveries (docs/webhooks.md); SHOUFU_WEBHOOK_INTERVAL_MS=0 leaves them to `shoufu webhooks deliver`.
    const { createWebhookWorker } = await import('../webhooks/worker');
    const webhooks = createWebhookWorker({ db: opened.db, log: (m) => process.env.SHOUFU_LOG === '1' && process.stderr.write(`${m}\n`) });
    const webhookInterval = Number(process.env.SHOUFU_WEBHOOK_INTERVAL_MS ?? 2000);
    if (webhookInterval > 0) webhooks.start(webhookInterval);
    // Dunning (docs/collections.md): plan and send every SHOUFU_DUNNING_INTERVAL_MS (default 15 min; 0 disables).
    const { createDunningScheduler } = await import('../collections/scheduler');
    const dunning = createDunningScheduler({
      db: opened.db,
      intervalMs: Number(process.env.SHOUFU_DUNNING_INTERVAL_MS ?? 900_000),
      log: (m) => process.env.SHOUFU_LOG === '1' && process.stderr.write(`${m}\n`),
    });
    dunning.start();
    // Weekly report mails (docs/analytics.md): SHOUFU_REPORTS_INTERVAL_MS (default 5 min; 0 disables).
    const { createReportScheduler } = await import('../reports/scheduler');
    const reports = createReportScheduler({
      db: opened.db,
      intervalMs: Number(process.env.SHOUFU_REPORTS_INTERVAL_MS ?? 300_000),
      log: (m) => process.env.SHOUFU_LOG === '1' && process.stderr.write(`${m}\n`),
    });
    reports.start();
    // Credit holds (docs/credit.md): released by rule when payment brings a customer back within its
    // limits; a sweep also catches changes that bypass the per-document hook (bulk imports).
    const { reevaluateAllHolds } = await import('../services/credit/holds');
    const holdsInterval = Number(process.env.SHOUFU_HOLDS_INTERVAL_MS ?? 3_600_000);
    const holdsTimer =
      holdsInterval > 0
        ? setInterval(() => {
            reevaluateAllHolds(opened.db).catch((err: unknown) => process.env.SHOUFU_LOG === '1' && process.stderr.write(`holds: ${(err as Error)?.message ?? err}\n`));
          }, holdsInterval)
        : null;
    const url = `http://${opts.host}:${opts.port}`;
    process.stdout.write(`Shoufu 收付 已启动 / running at ${url}  (API docs ${url}/docs)  in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    if (seeded) {
      const s = seeded.summary;
      process.stdout.write(
        `演示公司已生成 / demo company created in ${seeded.seconds.toFixed(1)} s: ${s.customers} customers, ${s.suppliers} suppliers, ${s.invoices} invoices, ${s.receipts} receipts\n` +
          `管理员登录 / admin login:  admin / ${seeded.adminPassword}\n` +
          `其他演示用户 / other demo users (finance, auditor, manager, sales…): password shoufu-demo\n`,
      );
    }
    const stop = async () => {
      await webhooks.stop();
      await dunning.stop();
      await reports.stop();
      if (holdsTimer) clearInterval(holdsTimer);
      await app.close();
      await opened.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('migrate')
  .description('apply database migrations')
  .action(async () => {
    const opened = await openFromEnv('migrate', { migrate: false });
    const { migrate } = await import('../db/migrate');
    const applied = await migrate(opened.db, (m) => process.stderr.write(`${m}\n`));
    process.stdout.write(`${JSON.stringify({ applied, database: opened.description })}\n`);
    await opened.close();
  });

program
  .command('demo')
  .description('seed the demo company into an empty database')
  .option('--customers <n>', 'customers', positiveInt)
  .option('--invoices <n>', 'invoices', positiveInt)
  .action(async (opts: { customers?: number; invoices?: number }) => {
    const opened = await openFromEnv('demo');
    try {
      const seeded = await seedIfEmpty(opened.db, opts);
      if (!seeded) throw new AppError(409, 'not_empty', 'the database already holds data; demo seeds an empty database only');
      process.stdout.write(`${JSON.stringify({ ...seeded.summary, adminPassword: seeded.adminPassword, seconds: seeded.seconds })}\n`);
    } finally {
      await opened.close();
    }
  });

const user = program.command('user').description('manage users');
user
  .command('add <username>')
  .description('add a user')
  .requiredOption('--password <password>', 'initial password (≥ 8 characters)')
  .addOption(new Option('--role <role>', 'role').choices([...ROLES]).default('finance'))
  .option('--name <displayName>', 'display name')
  .option('--entities <codes>', 'limit to these entity codes (comma-separated)')
  .option('--regions <regions>', 'limit to these regions (comma-separated)')
  .option('--own-customers', 'limit to the customers this user owns (salespeople)')
  .action(async (username: string, opts: { password: string; role: Role; name?: string; entities?: string; regions?: string; ownCustomers?: boolean }) => {
    const opened = await openFromEnv('user add');
    try {
      const created = await createUser(opened.db, {
        username,
        password: opts.password,
        role: opts.role,
        ...(opts.name ? { displayName: opts.name } : {}),
        entities: opts.entities ? opts.entities.split(',').map((s) => s.trim()) : null,
        regions: opts.regions ? opts.regions.split(',').map((s) => s.trim()) : null,
        ownCustomersOnly: !!opts.ownCustomers,
      });
      process.stdout.write(`${JSON.stringify(created)}\n`);
    } finally {
      await opened.close();
    }
  });

program
  .command('token <username>')
  .description('create an API token for a user (printed once)')
  .option('--name <name>', 'what the token is for', 'integration')
  .action(async (username: string, opts: { name: string }) => {
    const opened = await openFromEnv('token');
    try {
      process.stdout.write(`${await createApiToken(opened.db, username, opts.name)}\n`);
    } finally {
      await opened.close();
    }
  });

program
  .command('export <kind>')
  .description(`export ${EXPORT_KINDS.join('|')}`)
  .option('--as-of <date>', 'as of this date (YYYY-MM-DD)', isoDateArg)
  .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).default('json'))
  .option('--out <file>', 'write to a file instead of standard output')
  .option('--user <username>', 'export with this user’s data scope (default: everything)')
  .action(async (kind: string, opts: { asOf?: string; format: ExportFormat; out?: string; user?: string }) => {
    if (!(EXPORT_KINDS as readonly string[]).includes(kind)) {
      throw new AppError(400, 'unknown_kind', `unknown export kind "${kind}"; one of ${EXPORT_KINDS.join(', ')}`);
    }
    const opened = await openFromEnv('export');
    try {
      let actor = SYSTEM_ACTOR;
      if (opts.user) {
        const { actorForUsername } = await import('../services/auth/users');
        const found = await actorForUsername(opened.db, opts.user);
        if (!found) throw new AppError(404, 'not_found', `user ${opts.user} not found`);
        actor = found;
      }
      const asOf = opts.asOf ?? todayIso();
      const data = await withActor(opened.db, actor, (tx) => exportData(tx, actor, kind as ExportKind, asOf));
      if (opts.format === 'xlsx') {
        if (!opts.out && process.stdout.isTTY) throw new AppError(400, 'out_required', 'xlsx is binary: give --out FILE');
        await writeXlsx(data, opts.out ? createWriteStream(opts.out) : process.stdout);
      } else {
        const text = opts.format === 'csv' ? toCsv(data) : `${toJsonDocument(data)}\n`;
        if (opts.out) writeFileSync(opts.out, text);
        else process.stdout.write(text);
      }
      if (opts.out) process.stderr.write(`${data.rows.length} rows → ${opts.out}\n`);
    } finally {
      await opened.close();
    }
  });

const auditCmd = program.command('audit').description('the audit log');
auditCmd
  .command('verify')
  .description('recompute the hash chain; names the first broken row')
  .action(async () => {
    const opened = await openFromEnv('audit verify');
    try {
      const result = await verifyAuditChain(opened.db);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      if (!result.ok) {
        process.stderr.write(`审计链断裂 / audit chain broken at seq ${result.firstBroken?.seq} (${result.firstBroken?.reason})\n`);
        process.exitCode = 1;
      }
    } finally {
      await opened.close();
    }
  });

registerAgingCommand(program);
registerCreditCommands(program);
registerStatementCommands(program);
registerEInvoiceCommands(program);
registerImportCommand(program);
registerWebhookCommands(program);
registerDunningCommands(program);
registerReconcileCommand(program);

program
  .command('reports')
  .description('scheduled report mails (周报)')
  .command('send-due')
  .description('send the weekly reports whose time has come and that have not gone out (SHOUFU_SMTP_URL)')
  .option('--now <iso>', 'act as if it were this moment (ISO 8601)')
  .action(async (opts: { now?: string }) => {
    const opened = await openFromEnv('reports send-due');
    try {
      const { sendDueReports } = await import('../reports/subscriptions');
      const now = opts.now ? new Date(opts.now) : new Date();
      if (Number.isNaN(now.getTime())) throw new AppError(400, 'invalid_now', `--now ${opts.now} is not a date-time`);
      process.stdout.write(`${JSON.stringify(await sendDueReports(opened.db, { now }))}\n`);
    } finally {
      await opened.close();
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof DataDirLockedError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(3);
  }
  if (err instanceof AppError) {
    process.stderr.write(`error ${err.code}: ${err.message}${err.fields.length ? ` [${err.fields.join(', ')}]` : ''}\n`);
    process.exit(2);
  }
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
