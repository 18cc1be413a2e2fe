/**
 * Disputes (争议) mark an invoice as contested without touching the posted invoice: its derived
 * status is 'disputed' while a dispute is open as of the date asked for.
 */
import type { Queryable } from '../../db/database';
import { todayIso } from '../../domain/dates';
import { type Actor, createdBy, requireRole } from '../actor';
import { audit } from '../audit';
import { AppError, invalid, notFound } from '../errors';
import { isoDate } from './input';

export async function openDispute(tx: Queryable, actor: Actor, invoiceId: string, input: { reason: string; openedOn?: string | undefined }) {
  requireRole(actor, 'admin', 'finance', 'collector', 'legal');
  if (!input.reason?.trim()) throw invalid('reason_required', 'a dispute needs a reason', 'reason');
  const [inv] = await tx.query<{ id: string; number: string; kind: string; issue_date: string }>(
    'SELECT id, number, kind, issue_date FROM invoices WHERE id = $1',
    [invoiceId],
  );
  if (!inv) throw notFound('invoice');
  if (inv.kind !== 'invoice') throw invalid('not_an_invoice', 'only invoices can be disputed', 'invoiceId');
  const openedOn = input.openedOn ? isoDate(input.openedOn, 'openedOn') : todayIso();
  if (openedOn < inv.issue_date) throw invalid('dispute_before_invoice', 'a dispute cannot predate the invoice', 'openedOn');
  const open = await tx.query('SELECT 1 FROM invoice_disputes WHERE invoice_id = $1 AND resolved_on IS NULL', [invoiceId]);
  if (open.length) throw new AppError(409, 'dispute_already_open', 'this invoice already has an open dispute', ['invoiceId']);
  const [row] = await tx.query<{ id: string }>(
    'INSERT INTO invoice_disputes (invoice_id, opened_on, reason, created_by) VALUES ($1, $2, $3, $4) RETURNING id',
    [invoiceId, openedOn, input.reason.trim(), createdBy(actor)],
  );
  await audit(tx, actor, 'dispute.open', 'invoice', invoiceId, null, { disputeId: row!.id, invoice: inv.number, openedOn, reason: input.reason.trim() });
  return { id: row!.id, invoiceId, openedOn };
}

export async function resolveDispute(tx: Queryable, actor: Actor, invoiceId: string, input: { resolvedOn?: string | undefined }) {
  requireRole(actor, 'admin', 'finance', 'collector', 'legal');
  const [d] = await tx.query<{ id: string; opened_on: string }>(
    'SELECT id, opened_on FROM invoice_disputes WHERE invoice_id = $1 AND resolved_on IS NULL',
    [invoiceId],
  );
  if (!d) throw notFound('open dispute for this invoice');
  const resolvedOn = input.resolvedOn ? isoDate(input.resolvedOn, 'resolvedOn') : todayIso();
  if (resolvedOn < d.opened_on) throw invalid('resolved_before_opened', 'a dispute cannot be resolved before it was opened', 'resolvedOn');
  await tx.query('UPDATE invoice_disputes SET resolved_on = $2 WHERE id = $1', [d.id, resolvedOn]);
  await audit(tx, actor, 'dispute.resolve', 'invoice', invoiceId, { disputeId: d.id, resolvedOn: null }, { disputeId: d.id, resolvedOn });
  return { id: d.id, invoiceId, resolvedOn };
}
