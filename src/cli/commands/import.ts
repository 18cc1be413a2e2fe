/**
 * `shoufu import FILE` — the tabular importer on the command line (docs/import.md). The JSON
 * result goes to standard output; progress and a one-line summary go to standard error (a live
 * line on a terminal, one line per committed batch otherwise). Exit code 0 when every row was
 * imported or unchanged, 2 when rows were rejected or nothing was written.
 */
import { createWriteStream, existsSync, rmSync, type WriteStream } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { openFromEnv } from '../../app/runtime';
import { type ImportProgress, type ImportResult, importTable } from '../../import/import-service';
import { type ErrorSink, errorFileWriter } from '../../import/tabular/error-file';
import { IMPORT_KINDS, type ImportKind } from '../../import/tabular/headers';
import { fileSource } from '../../import/tabular/read';
import { SYSTEM_ACTOR } from '../../services/actor';
import { AppError } from '../../services/errors';

interface ImportCliOptions {
  kind?: ImportKind;
  mapping?: string;
  saveMapping?: string;
  map: string[];
  entity?: string;
  sheet?: string;
  dryRun?: boolean;
  validOnly?: boolean;
  errors?: string;
  singleTransaction?: boolean;
  user?: string;
  preview?: boolean;
}

function collectMap(value: string, previous: string[]): string[] {
  if (!/^.+=.+$/.test(value)) throw new InvalidArgumentError('expected HEADER=FIELD, e.g. "往来户编号=partyCode" or "备注2=ignore"');
  return [...previous, value];
}

function progressReporter(): (p: ImportProgress) => void {
  const tty = process.stderr.isTTY;
  let last = 0;
  let phase = '';
  return (p) => {
    const label = p.phase === 'validate' ? '校验 validating' : p.committed ? '写入 committed' : '写入 writing';
    if (tty) {
      const now = Date.now();
      if (now - last < 100 && p.done !== p.total) return;
      last = now;
      const pct = p.total ? ` ${Math.floor((p.done / p.total) * 100)}%` : '';
      process.stderr.write(`\r导入 import ${label}${pct} (${p.done}${p.total ? `/${p.total}` : ''} rows)   `);
      if (p.total && p.done >= p.total) process.stderr.write('\n');
      return;
    }
    // Not a terminal: a line per phase change and per committed batch, not per row.
    if (p.committed || p.phase !== phase) process.stderr.write(`import ${p.phase}${p.committed ? ' committed' : ''} ${p.done}${p.total ? `/${p.total}` : ''} rows\n`);
    phase = p.phase;
  };
}

function summary(r: ImportResult): string {
  const c = r.counts;
  const what =
    r.status === 'dry_run'
      ? `试运行 dry run: would create ${r.planned?.create ?? 0}, update ${r.planned?.update ?? 0}, leave ${r.planned?.unchanged ?? 0} unchanged`
      : r.status === 'rejected'
        ? '未导入 nothing imported (all-or-nothing): fix the rows listed in "errors", or use --valid-only'
        : r.status === 'interrupted'
          ? `中断 interrupted at row ${r.errors.at(-1)?.row ?? '?'}: rows up to ${r.run?.committedThroughRow} are written; import the same file again to resume`
          : `已导入 imported: created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}`;
  return `${r.kind} ${r.file.name}: ${c.rows} rows, ${c.rejected} rejected. ${what}`;
}

export function registerImportCommand(program: Command): void {
  program
    .command('import <file>')
    .description('import customers, suppliers, invoices, bills, receipts or payments from CSV or XLSX (docs/import.md)')
    .addOption(new Option('--kind <kind>', 'what the file holds (default: detected from the headers)').choices([...IMPORT_KINDS]))
    .option('--mapping <name>', 'use a saved column mapping')
    .option('--save-mapping <name>', 'save the column mapping used for this file under a name')
    .option('--map <header=field>', 'map a column to a field, or "ignore" it (repeatable)', collectMap, [])
    .option('--entity <code>', 'legal entity of the documents (default: the first)')
    .option('--sheet <name>', 'XLSX sheet to read (default: the first)')
    .option('--dry-run', 'check every row and report, write nothing')
    .option('--valid-only', 'import the valid rows; write the rejected ones to the error file')
    .option('--errors <file>', 'error file for rejected rows (default with --valid-only: FILE.errors.csv|xlsx beside the input)')
    .option('--single-transaction', 'write the whole file in one transaction whatever its size')
    .option('--user <username>', 'import as this user, with their role and data scope (default: system)')
    .option('--preview', 'include the first rows (preview) in the JSON result')
    .action(async (file: string, opts: ImportCliOptions) => {
      if (!existsSync(file)) throw new AppError(404, 'not_found', `no file ${file}`);
      const source = fileSource(file);
      const opened = await openFromEnv('import');
      try {
        let actor = SYSTEM_ACTOR;
        if (opts.user) {
          const { actorForUsername } = await import('../../services/auth/users');
          const found = await actorForUsername(opened.db, opts.user);
          if (!found) throw new AppError(404, 'not_found', `user ${opts.user} not found`);
          actor = found;
        }
        const columns: Record<string, string> = {};
        for (const m of opts.map) {
          const i = m.lastIndexOf('=');
          columns[m.slice(0, i)] = m.slice(i + 1);
        }
        // The error file has the input's format unless its name says otherwise.
        const inputXlsx = /\.xlsx$/i.test(file);
        let errorPath = opts.errors;
        if (!errorPath && opts.validOnly) {
          const ext = extname(file);
          errorPath = join(dirname(file), `${basename(file, ext)}.errors${inputXlsx ? '.xlsx' : '.csv'}`);
        }
        let sink: ErrorSink | undefined;
        let errorStream: WriteStream | undefined;
        if (errorPath) {
          const xlsx = /\.xlsx$/i.test(errorPath) || (inputXlsx && !/\.csv$/i.test(errorPath));
          errorStream = createWriteStream(errorPath);
          sink = errorFileWriter(xlsx ? 'xlsx' : 'csv', errorStream);
        }
        const result = await importTable(opened.db, actor, source, {
          ...(opts.kind ? { kind: opts.kind } : {}),
          ...(opts.mapping ? { mapping: opts.mapping } : {}),
          ...(opts.saveMapping ? { saveMapping: opts.saveMapping } : {}),
          ...(Object.keys(columns).length ? { columns } : {}),
          ...(opts.entity ? { entity: opts.entity } : {}),
          ...(opts.sheet ? { sheet: opts.sheet } : {}),
          dryRun: !!opts.dryRun,
          validOnly: !!opts.validOnly,
          transaction: opts.singleTransaction ? 'single' : 'auto',
          ...(sink ? { errors: sink } : {}),
          onProgress: progressReporter(),
        }).catch((err: unknown) => {
          // A file refused as a whole leaves no half-written error file behind.
          errorStream?.destroy();
          if (errorPath) rmSync(errorPath, { force: true });
          throw err;
        });
        // An error file without a rejected row is not left behind.
        if (errorPath && result.errorFileRows === 0) rmSync(errorPath, { force: true });
        const { preview: _preview, ...rest } = result;
        process.stdout.write(`${JSON.stringify({ ...(opts.preview ? result : rest), ...(errorPath && result.errorFileRows ? { errorFile: errorPath } : {}) })}\n`);
        process.stderr.write(`${summary(result)}${errorPath && result.errorFileRows ? ` Rejected rows → ${errorPath}` : ''}\n`);
        if (result.counts.rejected > 0 || result.status === 'rejected' || result.status === 'interrupted') process.exitCode = 2;
      } finally {
        await opened.close();
      }
    });
}
