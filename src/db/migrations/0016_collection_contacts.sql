-- Collectors' contact log (催收记录): calls, visits, e-mails and notes on a customer, with the
-- outcome and a follow-up date. Append-only like the ledger: a wrong entry is corrected by a new one.
CREATE TABLE collection_contacts (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  party_id     uuid NOT NULL REFERENCES parties(id),
  kind         text NOT NULL CHECK (kind IN ('call', 'visit', 'email', 'message', 'note')),
  outcome      text CHECK (outcome IN ('reached', 'no_answer', 'promised', 'disputed', 'refused', 'wrong_contact', 'other')),
  note         text NOT NULL CHECK (length(note) BETWEEN 1 AND 2000),
  contact_at   timestamptz NOT NULL DEFAULT now(),
  follow_up_on date,
  created_by   uuid REFERENCES users(id),
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX collection_contacts_party ON collection_contacts (party_id, contact_at DESC);
CREATE TRIGGER collection_contacts_immutable BEFORE UPDATE OR DELETE ON collection_contacts
  FOR EACH ROW EXECUTE FUNCTION shoufu_reject_change();

ALTER TABLE collection_contacts ENABLE ROW LEVEL SECURITY;
CREATE POLICY collection_contacts_scope ON collection_contacts TO shoufu_app
  USING (party_id IN (SELECT id FROM parties));
GRANT SELECT, INSERT ON collection_contacts TO shoufu_app;
