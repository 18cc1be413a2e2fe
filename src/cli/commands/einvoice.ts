/**
 * `shoufu einvoice parse FILE [--ofd-page PAGE]`: the normalized e-invoice and its totals check
 * as JSON (exit 1 when the document does not add up).
 * `shoufu einvoice import FILE|DIR [--entity CODE] [--dry-run]`: each document in its own
 * transaction; in a folder, invoices before credit notes so that a credit note finds its invoice;
 * files other than *.xml are reported as skipped; a table (file, format, document, result) ends it.
 * `shoufu einvoice entity-tax-id CODE TAXID`: the tax id by which e-invoices recognise the entity.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
import { openFromEnv } from '../../app/runtime';
import type { Database } from '../../db/database';
import { type EInvoiceImportResult, importEInvoice } from '../../import/einvoices/import';
import { type ParsedEInvoice, parseEInvoiceFile, parseOfdParts } from '../../import/einvoices/parse';
import { formatToAppError } from '../../import/statements/import';
import { type Actor, SYSTEM_ACTOR, withActor } from '../../services/actor';
import { audit } from '../../services/audit';
import { AppError, fromDatabaseError } from '../../services/errors';
import { toJson } from '../../services/json';
import { readImportFile } from './statement';

export function parseEInvoicePath(file: string, ofdPage?: string): ParsedEInvoice {
  try {
    return ofdPage ? parseOfdParts(readImportFile(file), readImportFile(ofdPage)) : parseEInvoiceFile(readImportFile(file));
  } catch (err) {
    throw formatToAppError(err);
  }
}

export interface EInvoiceFileOutcome {
  file: string;
  ok: boolean;
  /** The file was not tried (not an .xml file, a folder): `error` says why. */
  skipped?: boolean;
  /** The document's syntax (ubl, cii, zugferd1, cn-edrm, cn-xbrl …) when it could be read. */
  format?: string;
  /** What the document states, in a few words (also for a refused one). */
  document?: string;
  result?: EInvoiceImportResult;
  error?: { code: string; message: string };
}

interface FolderEntry {
  file: string;
  skip?: { code: string; message: string };
}

/** The file itself, or every entry of a folder: its *.xml files to import, the rest to report as skipped. */
function folderEntries(path: string): FolderEntry[] {
  // A path that is not a folder (or not there) is read as a file, which names what is wrong with it.
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) return [{ file: path }];
  return readdirSync(path, { withFileTypes: true })
    .filter((d) => !d.name.startsWith('.'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((d): FolderEntry => {
      const file = join(path, d.name);
      if (d.isDirectory()) return { file, skip: { code: 'folder', message: 'a folder: sub-folders are not searched' } };
      if (!/\.xml$/i.test(d.name)) {
        const ext = extname(d.name).toLowerCase();
        return {
          file,
          skip: {
            code: 'not_xml_file',
            message:
              ext === '.ofd' || ext === '.pdf'
                ? `${ext.slice(1).toUpperCase()} file: e-invoices are read from their XML (an OFD's parts: shoufu einvoice parse TAGS.xml --ofd-page PAGE.xml)`
                : `not an .xml file${ext ? ` (${ext})` : ''}: e-invoices are UBL, CII or Chinese e-invoice XML`,
          },
        };
      }
      return { file };
    });
}

/**
 * Imports one file or every *.xml of a folder, each in its own transaction; a refused file does
 * not stop the others, and the folder's other files are reported as skipped, not passed over.
 */
export async function runEInvoiceImport(db: Database, actor: Actor, path: string, opts: { entity?: string; dryRun?: boolean } = {}): Promise<EInvoiceFileOutcome[]> {
  const entries = folderEntries(path);
  const parsed: { file: string; doc?: ParsedEInvoice; error?: AppError }[] = entries
    .filter((e) => !e.skip)
    .map(({ file }) => {
      try {
        return { file, doc: parseEInvoicePath(file) };
      } catch (err) {
        if (err instanceof AppError) return { file, error: err };
        throw err;
      }
    });
  const rank = (p: (typeof parsed)[number]) => (p.doc?.invoice.documentType === 'credit_note' ? 1 : 0);
  const outcomes: EInvoiceFileOutcome[] = [];
  for (const p of [...parsed].sort((a, b) => rank(a) - rank(b))) {
    if (p.error || !p.doc) {
      outcomes.push({ file: p.file, ok: false, error: { code: p.error!.code, message: p.error!.message } });
      continue;
    }
    const inv = p.doc.invoice;
    const format = inv.syntax;
    const document = `${inv.documentType === 'credit_note' ? 'credit note' : 'invoice'} ${inv.number} ${inv.seller.name ?? '?'} → ${inv.buyer.name ?? '?'} ${inv.totals.taxInclusive ?? inv.totals.payable ?? '?'} ${inv.currency}`;
    try {
      const result = await withActor(db, actor, (tx) =>
        importEInvoice(tx, actor, { parsed: p.doc!, filename: basename(p.file), dryRun: !!opts.dryRun, ...(opts.entity ? { entity: opts.entity } : {}) }),
      );
      outcomes.push({ file: p.file, ok: true, format, document, result });
    } catch (err) {
      const e = err instanceof AppError ? err : fromDatabaseError(err);
      if (!e) throw err;
      outcomes.push({ file: p.file, ok: false, format, document, error: { code: e.code, message: e.message } });
    }
  }
  for (const e of entries) if (e.skip) outcomes.push({ file: e.file, ok: false, skipped: true, error: e.skip });
  return outcomes;
}

/** The summary a person reads at the end: one row per file (file, format, document, result). */
export function einvoiceImportTable(outcomes: EInvoiceFileOutcome[]): string {
  const rows = outcomes.map((o) => {
    const r = o.result;
    return [
      basename(o.file),
      o.format ?? '—',
      r ? `${r.side} ${r.kind === 'credit_note' ? 'credit note' : 'invoice'} ${r.number} ${r.party.code} ${r.total} ${r.currency}` : (o.document ?? '—'),
      r ? r.outcome : o.skipped ? `skipped: ${o.error!.message}` : `refused: ${o.error!.code}: ${o.error!.message}`,
    ];
  });
  const head = ['file', 'format', 'document', 'result'];
  // Display width: CJK characters take two columns.
  const width = (s: string) => [...s].reduce((n, c) => n + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(c) ? 2 : 1), 0);
  const widths = head.slice(0, 3).map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i]!))));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c + ' '.repeat(widths[i]! - width(c)) : c)).join('  ').trimEnd();
  const count = (f: (o: EInvoiceFileOutcome) => boolean) => outcomes.filter(f).length;
  const totals = [
    `${count((o) => o.result?.outcome === 'created')} created`,
    `${count((o) => o.result?.outcome === 'planned')} planned (dry run)`,
    `${count((o) => o.result?.outcome === 'duplicate')} already imported`,
    `${count((o) => !o.ok && !o.skipped)} refused`,
    `${count((o) => !!o.skipped)} skipped`,
  ];
  return `${[line(head), line(widths.map((w) => '-'.repeat(w)).concat('------')), ...rows.map(line), totals.join(', ')].join('\n')}\n`;
}

export function registerEInvoiceCommands(program: Command): void {
  const einvoice = program.command('einvoice').description('e-invoices (UBL, UN/CEFACT CII / Factur-X / ZUGFeRD, Chinese e-invoice XML)');
  einvoice
    .command('parse <file>')
    .description('print the normalized e-invoice and the check of its totals (exit 1 if they do not add up)')
    .option('--ofd-page <file>', 'for an OFD CustomTag map: the page content holding its text objects')
    .action((file: string, opts: { ofdPage?: string }) => {
      const parsed = parseEInvoicePath(file, opts.ofdPage);
      process.stdout.write(`${toJson(parsed)}\n`);
      if (!parsed.check.ok) {
        process.stderr.write(`totals do not add up: ${parsed.check.issues.map((i) => `${i.rule} ${i.expected} stated, ${i.actual} computed`).join('; ')}\n`);
        process.exitCode = 1;
      }
    });
  einvoice
    .command('entity-tax-id <entity> <taxId>')
    .description('set the VAT id / 统一社会信用代码 by which e-invoices recognise the entity as seller or buyer')
    .action(async (code: string, taxId: string) => {
      const opened = await openFromEnv('einvoice entity-tax-id');
      try {
        // Entities are master data kept by the owner (as the demo seed does); the change is audited.
        const row = await opened.db.transaction(async (tx) => {
          const [before] = await tx.query<{ id: string; tax_id: string | null }>('SELECT id, tax_id FROM entities WHERE code = $1 FOR UPDATE', [code]);
          if (!before) throw new AppError(404, 'not_found', `entity ${code} not found`);
          await tx.query('UPDATE entities SET tax_id = $2 WHERE id = $1', [before.id, taxId.trim() || null]);
          await audit(tx, SYSTEM_ACTOR, 'entity.tax_id', 'entity', before.id, { taxId: before.tax_id }, { taxId: taxId.trim() || null });
          return { entity: code, taxId: taxId.trim() || null, previous: before.tax_id };
        });
        process.stdout.write(`${JSON.stringify(row)}\n`);
      } finally {
        await opened.close();
      }
    });
  einvoice
    .command('import <path>')
    .description('import an e-invoice file or every *.xml in a folder, each in its own transaction (we are the seller → AR, the buyer → AP)')
    .option('--entity <code>', 'the legal entity (default: the first)')
    .option('--dry-run', 'report what would be imported, write nothing')
    .action(async (path: string, opts: { entity?: string; dryRun?: boolean }) => {
      const opened = await openFromEnv('einvoice import');
      try {
        const outcomes = await runEInvoiceImport(opened.db, SYSTEM_ACTOR, path, opts);
        process.stdout.write(`${toJson(outcomes)}\n`);
        process.stderr.write(einvoiceImportTable(outcomes));
        if (outcomes.some((o) => !o.ok && !o.skipped)) process.exitCode = 2;
      } finally {
        await opened.close();
      }
    });
}
