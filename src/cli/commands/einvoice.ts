/**
 * `shoufu einvoice parse FILE [--ofd-page PAGE]`: the normalized e-invoice and its totals check
 * as JSON (exit 1 when the document does not add up).
 * `shoufu einvoice import FILE|DIR [--entity CODE] [--dry-run]`: each document in its own
 * transaction; in a folder, invoices before credit notes so that a credit note finds its invoice.
 * `shoufu einvoice entity-tax-id CODE TAXID`: the tax id by which e-invoices recognise the entity.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
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
  result?: EInvoiceImportResult;
  error?: { code: string; message: string };
}

function xmlFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => /\.xml$/i.test(f))
    .sort()
    .map((f) => join(path, f));
}

/** Imports one file or every *.xml of a folder; a refused file does not stop the others. */
export async function runEInvoiceImport(db: Database, actor: Actor, path: string, opts: { entity?: string; dryRun?: boolean } = {}): Promise<EInvoiceFileOutcome[]> {
  const parsed: { file: string; doc?: ParsedEInvoice; error?: AppError }[] = xmlFiles(path).map((file) => {
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
    try {
      const result = await withActor(db, actor, (tx) =>
        importEInvoice(tx, actor, { parsed: p.doc!, filename: basename(p.file), dryRun: !!opts.dryRun, ...(opts.entity ? { entity: opts.entity } : {}) }),
      );
      outcomes.push({ file: p.file, ok: true, result });
    } catch (err) {
      const e = err instanceof AppError ? err : fromDatabaseError(err);
      if (!e) throw err;
      outcomes.push({ file: p.file, ok: false, error: { code: e.code, message: e.message } });
    }
  }
  return outcomes;
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
    .description('import an e-invoice file or every *.xml in a folder (we are the seller → AR, the buyer → AP)')
    .option('--entity <code>', 'the legal entity (default: the first)')
    .option('--dry-run', 'report what would be imported, write nothing')
    .action(async (path: string, opts: { entity?: string; dryRun?: boolean }) => {
      const opened = await openFromEnv('einvoice import');
      try {
        const outcomes = await runEInvoiceImport(opened.db, SYSTEM_ACTOR, path, opts);
        process.stdout.write(`${toJson(outcomes)}\n`);
        for (const o of outcomes) {
          process.stderr.write(
            o.ok
              ? `${o.result!.outcome.padEnd(9)} ${basename(o.file)}: ${o.result!.side} ${o.result!.kind} ${o.result!.number} ${o.result!.party.code} ${o.result!.total} ${o.result!.currency}\n`
              : `refused   ${basename(o.file)}: ${o.error!.code}: ${o.error!.message}\n`,
          );
        }
        if (outcomes.some((o) => !o.ok)) process.exitCode = 2;
      } finally {
        await opened.close();
      }
    });
}
