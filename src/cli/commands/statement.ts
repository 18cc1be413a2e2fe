/**
 * `shoufu statement import FILE [--entity CODE] [--dry-run] [--accept-mismatch]`: a bank statement
 * (camt.053/052/054, MT940/MT942) into the ledger as receipts and payments, one transaction per
 * file. The result is JSON on stdout; a short summary goes to stderr.
 */
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { openFromEnv } from '../../app/runtime';
import type { Database } from '../../db/database';
import { formatToAppError, importStatement, type StatementImportResult } from '../../import/statements/import';
import { checkSize, defaultMaxBytes } from '../../import/xml';
import { type Actor, SYSTEM_ACTOR, withActor } from '../../services/actor';
import { AppError } from '../../services/errors';
import { toJson } from '../../services/json';

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

export function runStatementImport(db: Database, actor: Actor, file: string, opts: StatementImportOptions = {}): Promise<StatementImportResult> {
  const bytes = readImportFile(file);
  return withActor(db, actor, (tx) =>
    importStatement(tx, actor, {
      bytes,
      filename: basename(file),
      ...(opts.entity ? { entity: opts.entity } : {}),
      dryRun: !!opts.dryRun,
      acceptMismatch: !!opts.acceptMismatch,
    }),
  );
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
  ];
  const reasons = new Map<string, number>();
  for (const l of r.lines) if (l.outcome === 'rejected') reasons.set(l.reason ?? '?', (reasons.get(l.reason ?? '?') ?? 0) + 1);
  for (const [reason, n] of reasons) out.push(`    left out: ${n} × ${reason}`);
  return `${out.join('\n')}\n`;
}

export function registerStatementCommands(program: Command): void {
  const statement = program.command('statement').description('bank statements (camt.053/052/054, MT940/MT942)');
  statement
    .command('import <file>')
    .description('import a bank statement: credits become receipts, debits payments (one transaction per file)')
    .option('--entity <code>', 'the legal entity whose bank account it is (default: the first)')
    .option('--dry-run', 'report what would be imported, write nothing')
    .option('--accept-mismatch', 'import even if the balances do not add up')
    .action(async (file: string, opts: StatementImportOptions) => {
      const opened = await openFromEnv('statement import');
      try {
        const result = await runStatementImport(opened.db, SYSTEM_ACTOR, file, opts);
        process.stdout.write(`${toJson(result)}\n`);
        process.stderr.write(statementSummary(result));
      } finally {
        await opened.close();
      }
    });
}
