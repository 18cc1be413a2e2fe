/**
 * `shoufu statement import FILE… [--entity CODE] [--dry-run] [--accept-mismatch]`: bank statements
 * (camt.053/052/054, MT940/MT942, BAI2, OFX, or a bank's CSV/XLSX table) into the ledger as
 * receipts and payments, one transaction per file. The result is JSON on stdout (an array of
 * { file, ok, result | error } for several files); a short summary goes to stderr.
 * `shoufu statement parse FILE` prints the normalized statement and its checks without a database.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { openFromEnv } from '../../app/runtime';
import type { Database } from '../../db/database';
import { formatToAppError, importStatement, type StatementImportResult } from '../../import/statements/import';
import { type ParsedStatement, parseStatement } from '../../import/statements/parse';
import { fromMinor } from '../../import/statements/currencies';
import { checkSize, defaultMaxBytes } from '../../import/xml';
import { type Actor, SYSTEM_ACTOR, withActor } from '../../services/actor';
import { AppError, fromDatabaseError } from '../../services/errors';
import { toJson } from '../../services/json';
import { reconcileImported } from '../../services/reconciliation/run';

/**
 * Reads a file for import after checking its size on disk, so that an oversized file is refused
 * without being read.
 */
export function readImportFile(path: string, maxBytes = defaultMaxBytes()): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new AppError(400, 'not_a_file', `${path} is not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(404, 'file_not_found', `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    checkSize(size, maxBytes);
  } catch (err) {
    throw formatToAppError(err);
  }
  const buf = Buffer.alloc(size);
  const fd = openSync(path, 'r');
  try {
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buf, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buf.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

export interface StatementImportOptions {
  entity?: string;
  dryRun?: boolean;
  acceptMismatch?: boolean;
}

export type ImportedStatement = StatementImportResult & { reconciliation?: Awaited<ReturnType<typeof reconcileImported>> };

/** Imports one file, then reconciles what it created (SHOUFU_RECONCILE_AFTER_IMPORT=0 turns that off). */
export async function runStatementImport(db: Database, actor: Actor, file: string, opts: StatementImportOptions = {}): Promise<ImportedStatement> {
  const bytes = readImportFile(file);
  const result = await withActor(db, actor, (tx) =>
    importStatement(tx, actor, {
      bytes,
      filename: basename(file),
      ...(opts.entity ? { entity: opts.entity } : {}),
      dryRun: !!opts.dryRun,
      acceptMismatch: !!opts.acceptMismatch,
    }),
  );
  if (opts.dryRun) return result;
  return { ...result, reconciliation: await reconcileImported(db, actor, result.importId) };
}

/** The normalized statement file and its checks, without a database (`shoufu statement parse`). */
export async function parseStatementPath(file: string): Promise<ParsedStatement> {
  const bytes = readImportFile(file);
  try {
    return await parseStatement(bytes);
  } catch (err) {
    throw formatToAppError(err);
  }
}

/** A few lines a person reads after a parse. */
export function parseSummary(file: string, p: ParsedStatement): string {
  const out = [
    `${basename(file)}: ${p.format}${p.version ? ` ${p.version}` : ''}, ${p.statements.length} statement(s)`,
    ...p.statements.map((s) => {
      const credits = s.lines.filter((l) => l.direction === 'credit');
      const debits = s.lines.filter((l) => l.direction === 'debit');
      const sum = (ls: typeof s.lines) => fromMinor(ls.reduce((a, l) => a + l.amountMinor, 0n), s.currency);
      const bal = (b: typeof s.opening) => (b ? fromMinor(b.amountMinor, b.currency) : '—');
      return `  ${s.id} ${s.account.iban ?? s.account.other ?? ''} ${s.currency} ${s.fromDate ?? ''}–${s.toDate ?? ''}: opening ${bal(s.opening)}, ${credits.length} credits ${sum(credits)}, ${debits.length} debits ${sum(debits)}, closing ${bal(s.closing)}`;
    }),
    `  checks: ${p.check.ok ? 'ok' : 'MISMATCH'}${p.check.checked.length ? ` (${p.check.checked.join(', ')})` : ' (nothing to check)'}`,
    ...p.check.issues.map((i) => `    ${i.statementId} ${i.check}: ${i.message}`),
    ...[...p.warnings, ...p.statements.flatMap((s) => s.warnings.map((w) => `${s.id}: ${w}`))].map((w) => `  warning: ${w}`),
  ];
  return `${out.join('\n')}\n`;
}

/** A few lines a person reads after an import. */
export function statementSummary(r: StatementImportResult): string {
  const c = r.counts;
  const out = [
    `${r.dryRun ? '试导入 dry run' : '已导入 imported'} ${r.filename ?? ''} (${r.format}${r.version ? ` ${r.version}` : ''}) → ${r.entity}`,
    ...r.statements.map((s) => `  statement ${s.id} ${s.account} ${s.currency}: opening ${s.opening ?? '—'}, closing ${s.closing ?? '—'}, ${s.lines} lines`),
    `  balance check: ${r.balance.ok ? 'ok' : 'MISMATCH'}${r.balance.checked.length ? ` (${r.balance.checked.join(', ')})` : ' (nothing to check)'}`,
    ...r.balance.issues.map((i) => `    ${i.statementId}: ${i.message}`),
    `  ${r.dryRun ? 'would create' : 'created'} ${c.created} (${c.receipts} receipts, ${c.payments} payments; ${c.unidentified} receipts of unknown payer), ${c.duplicates} already imported, ${c.rejected} left out`,
    ...[(r as ImportedStatement).reconciliation?.receipts, (r as ImportedStatement).reconciliation?.payments].flatMap((x) =>
      x ? [`  reconciled ${x.lines}: auto-applied ${x.autoApplied.count}, suggested ${x.suggested}, unidentified ${x.unidentified}, strangers ${x.strangers}, duplicates ${x.duplicates}`] : [],
    ),
  ];
  const reasons = new Map<string, number>();
  for (const l of r.lines) if (l.outcome === 'rejected') reasons.set(l.reason ?? '?', (reasons.get(l.reason ?? '?') ?? 0) + 1);
  for (const [reason, n] of reasons) out.push(`    left out: ${n} × ${reason}`);
  return `${out.join('\n')}\n`;
}

export function registerStatementCommands(program: Command): void {
  const statement = program.command('statement').description('bank statements (camt.053/052/054, MT940/MT942, BAI2, OFX, bank CSV/XLSX tables)');
  statement
    .command('parse <file>')
    .description('print the normalized statement and its control checks as JSON, write nothing (exit 1 if the checks fail)')
    .action(async (file: string) => {
      const parsed = await parseStatementPath(file);
      process.stdout.write(`${toJson(parsed)}\n`);
      process.stderr.write(parseSummary(file, parsed));
      if (!parsed.check.ok) process.exitCode = 1;
    });
  statement
    .command('import <files...>')
    .description('import bank statements: credits become receipts, debits payments (one transaction per file; a refused file does not stop the others)')
    .option('--entity <code>', 'the legal entity whose bank account it is (default: the first)')
    .option('--dry-run', 'report what would be imported, write nothing')
    .option('--accept-mismatch', 'import even if the balances do not add up')
    .action(async (files: string[], opts: StatementImportOptions) => {
      const opened = await openFromEnv('statement import');
      try {
        if (files.length === 1) {
          const result = await runStatementImport(opened.db, SYSTEM_ACTOR, files[0]!, opts);
          process.stdout.write(`${toJson(result)}\n`);
          process.stderr.write(statementSummary(result));
          return;
        }
        // Several files: a JSON array of { file, ok, result | error }, each file in its own transaction.
        const outcomes: { file: string; ok: boolean; result?: StatementImportResult; error?: { code: string; message: string } }[] = [];
        for (const file of files) {
          try {
            const result = await runStatementImport(opened.db, SYSTEM_ACTOR, file, opts);
            outcomes.push({ file, ok: true, result });
            process.stderr.write(statementSummary(result));
          } catch (err) {
            const e = err instanceof AppError ? err : fromDatabaseError(err);
            if (!e) throw err;
            outcomes.push({ file, ok: false, error: { code: e.code, message: e.message } });
            process.stderr.write(`refused ${basename(file)}: ${e.code}: ${e.message}\n`);
          }
        }
        process.stdout.write(`${toJson(outcomes)}\n`);
        if (outcomes.some((o) => !o.ok)) process.exitCode = 2;
      } finally {
        await opened.close();
      }
    });
}
