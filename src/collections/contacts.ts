/**
 * The collectors' contact log (催收记录): calls, visits, e-mails and notes on a customer, with an
 * outcome and a follow-up date. Entries are never edited; each is audited.
 */
import type { Queryable } from '../db/database';
import { type Actor, createdBy, requireRole } from '../services/actor';
import { audit } from '../services/audit';
import { invalid, notFound } from '../services/errors';

export const CONTACT_KINDS = ['call', 'visit', 'email', 'message', 'note'] as const;
export const CONTACT_OUTCOMES = ['reached', 'no_answer', 'promised', 'disputed', 'refused', 'wrong_contact', 'other'] as const;

export interface ContactInput {
  kind: (typeof CONTACT_KINDS)[number];
  outcome?: (typeof CONTACT_OUTCOMES)[number] | null;
  note: string;
  contactAt?: string | null;
  followUpOn?: string | null;
}

export interface Contact {
  id: string;
  partyId: string;
  kind: string;
  outcome: string | null;
  note: string;
  contactAt: string;
  followUpOn: string | null;
  by: string | null;
}

const ROLES = ['admin', 'finance', 'manager', 'collector', 'sales', 'legal'] as const;

export async function logContact(tx: Queryable, actor: Actor, partyId: string, input: ContactInput): Promise<Contact> {
  requireRole(actor, ...ROLES);
  const note = input.note.trim();
  if (!note) throw invalid('note_required', 'say what was said or done', 'note');
  const [party] = await tx.query<{ id: string }>('SELECT id FROM parties WHERE id = $1 AND is_customer', [partyId]);
  if (!party) throw notFound('customer', 'id');
  const [row] = await tx.query<{ id: string }>(
    `INSERT INTO collection_contacts (party_id, kind, outcome, note, contact_at, follow_up_on, created_by)
     VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, now()), $6, $7) RETURNING id`,
    [partyId, input.kind, input.outcome ?? null, note, input.contactAt ?? null, input.followUpOn ?? null, createdBy(actor)],
  );
  await audit(tx, actor, 'collection.contact', 'party', partyId, null, { id: row!.id, kind: input.kind, outcome: input.outcome ?? null, followUpOn: input.followUpOn ?? null });
  return (await listContacts(tx, partyId)).find((c) => c.id === row!.id)!;
}

export async function listContacts(tx: Queryable, partyId: string): Promise<Contact[]> {
  const rows = await tx.query<{ id: string; party_id: string; kind: string; outcome: string | null; note: string; contact_at: Date; follow_up_on: string | null; by: string | null }>(
    `SELECT c.id, c.party_id, c.kind, c.outcome, c.note, c.contact_at, c.follow_up_on, u.display_name AS by
       FROM collection_contacts c LEFT JOIN users u ON u.id = c.created_by WHERE c.party_id = $1 ORDER BY c.contact_at DESC, c.created_at DESC LIMIT 200`,
    [partyId],
  );
  return rows.map((r) => ({
    id: r.id,
    partyId: r.party_id,
    kind: r.kind,
    outcome: r.outcome,
    note: r.note,
    contactAt: new Date(r.contact_at).toISOString(),
    followUpOn: r.follow_up_on,
    by: r.by,
  }));
}
