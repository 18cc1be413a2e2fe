-- Customer statements (对账单) sent for confirmation (询证): what was sent (a snapshot, so the
-- answer refers to exactly those figures), to whom, and the customer's answer through the link.
CREATE TABLE statement_confirmations (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  party_id         uuid NOT NULL REFERENCES parties(id),
  period_from      date NOT NULL,
  period_to        date NOT NULL CHECK (period_to >= period_from),
  snapshot         jsonb NOT NULL,
  -- sha256 of the link's token: the token itself is only in the e-mail.
  token_hash       text NOT NULL UNIQUE,
  sent_to          text[] NOT NULL,
  sent_by          uuid REFERENCES users(id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz NOT NULL,
  response         text CHECK (response IN ('confirmed', 'disputed')),
  response_comment text,
  disputed_items   jsonb,
  responded_at     timestamptz,
  CHECK ((response IS NULL) = (responded_at IS NULL))
);
CREATE INDEX statement_confirmations_party ON statement_confirmations (party_id, created_at DESC);

ALTER TABLE statement_confirmations ENABLE ROW LEVEL SECURITY;
CREATE POLICY statement_confirmations_scope ON statement_confirmations TO shoufu_app USING (party_id IN (SELECT id FROM parties));
GRANT SELECT, INSERT ON statement_confirmations TO shoufu_app;
