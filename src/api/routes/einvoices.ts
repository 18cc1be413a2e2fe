/**
 * POST /api/einvoices/import: an e-invoice file (base64 in JSON: UBL 2.1 / Peppol, UN/CEFACT CII /
 * Factur-X / ZUGFeRD, 数电/增值税电子发票 XML, MOF XBRL) into the ledger as an AR invoice or AP bill
 * (or credit note), one transaction, idempotent with Idempotency-Key through write(); the same
 * limits as POST /api/statements/import. A dry run answers what would be created and writes nothing.
 *
 * Every answer about a document that could be read carries `document`: its syntax, number, seller,
 * buyer, totals and the check of its own arithmetic — also a refusal (422 party_not_found,
 * entity_not_party, einvoice_totals_mismatch …), so the caller sees what the file is and why it
 * was not taken. A file that is not an e-invoice is refused with a named reason (not_xml,
 * not_an_invoice for an ISO 20022 bank statement, unsupported_document, unknown_format, xml_*).
 */
import { z } from 'zod';
import type { Database } from '../../db/database';
import { importEInvoice } from '../../import/einvoices/import';
import type { EInvoiceParty } from '../../import/einvoices/model';
import { type ParsedEInvoice, parseEInvoiceFile } from '../../import/einvoices/parse';
import { formatToAppError } from '../../import/statements/import';
import { defaultMaxBytes } from '../../import/xml';
import { AppError, fromDatabaseError } from '../../services/errors';
import { errorBody, requireActor, type ZApp, write } from '../http';
import { decodeUpload, uploadRouteOptions } from '../upload';

const importBody = z.object({
  filename: z.string().min(1).max(255),
  /** The file's bytes, base64-encoded. */
  contentBase64: z.string().min(1),
  /** Entity code; the first entity when omitted. Seller → AR, buyer → AP. */
  entity: z.string().min(1).max(32).optional(),
  /** Report what would be created, write nothing. */
  dryRun: z.boolean().optional(),
});

function party(p: EInvoiceParty) {
  return { name: p.name ?? p.registrationName, taxId: p.vatId ?? p.legalId ?? p.taxIds[0] ?? null, country: p.country };
}

/** What the file is, independent of the ledger: shown for an import, a dry run and a refusal. */
export function einvoiceDocumentSummary(parsed: ParsedEInvoice) {
  const inv = parsed.invoice;
  return {
    syntax: inv.syntax,
    profile: inv.profile,
    documentType: inv.documentType,
    number: inv.number,
    invoiceCode: inv.invoiceCode,
    issueDate: inv.issueDate,
    dueDate: inv.dueDate,
    currency: inv.currency,
    seller: party(inv.seller),
    buyer: party(inv.buyer),
    lines: inv.lines.length,
    taxExclusive: inv.totals.taxExclusive,
    taxTotal: inv.totals.taxTotal,
    total: inv.totals.taxInclusive ?? inv.totals.payable,
    payable: inv.totals.payable,
    check: parsed.check,
  };
}

export function registerEInvoiceRoutes(app: ZApp, db: Database): void {
  const maxBytes = defaultMaxBytes();
  app.post(
    '/api/einvoices/import',
    {
      ...uploadRouteOptions(app, maxBytes),
      schema: {
        tags: ['einvoices'],
        summary: 'Import an e-invoice (UBL/Peppol, CII/Factur-X/ZUGFeRD, 数电/增值税电子发票 XML): entity is seller → AR invoice, buyer → AP bill',
        description:
          'The answer (200 dry run, 201 import) is the import result — outcome created | duplicate | planned, side, kind, number, party matched (by tax id or name), totals, invoiceId — plus `document`, what the file states and the check of its own totals. A refusal of a readable document (422) carries `document` beside `error`.',
        body: importBody,
      },
    },
    async (req, reply) => {
      requireActor(req);
      const body = req.body;
      const bytes = decodeUpload(body.contentBase64, maxBytes);
      let parsed: ParsedEInvoice;
      try {
        parsed = parseEInvoiceFile(bytes, { maxBytes });
      } catch (err) {
        throw formatToAppError(err);
      }
      const document = einvoiceDocumentSummary(parsed);
      try {
        return await write(db, req, reply, body.dryRun ? 200 : 201, async (tx, actor) => ({
          ...(await importEInvoice(tx, actor, {
            parsed,
            filename: body.filename,
            ...(body.entity ? { entity: body.entity } : {}),
            dryRun: !!body.dryRun,
          })),
          document,
        }));
      } catch (err) {
        const e = err instanceof AppError ? err : fromDatabaseError(err);
        if (!e) throw err;
        return reply.code(e.status).send({ ...errorBody(e.code, e.message, e.fields), document });
      }
    },
  );
}
