-- Automatic reconciliation (docs/reconciliation.md): how sure the engine was of each allocation it
-- made and why; what it learned from people's decisions; and the proposals it left for people.

-- An allocation made by the engine carries its confidence; its reason (zh/en) is in `reason`.
ALTER TABLE allocations ADD COLUMN confidence numeric(5, 4) CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1));

-- What people decided (confirmed, rejected, matched by hand), replayed into the engine's memory
-- before each run: a payer's account or name → the party it belongs to, or a pair not to propose.
CREATE TABLE match_memory (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('confirmed', 'manual', 'rejected')),
  payer_account    text,
  payer_name       text,
  party_id         uuid NOT NULL REFERENCES parties(id),
  installment_ids  uuid[],
  receipt_id       uuid REFERENCES receipts(id),
  created_by       uuid REFERENCES users(id),
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (payer_account IS NOT NULL OR payer_name IS NOT NULL)
);

CREATE TABLE recon_runs (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  side        char(2) NOT NULL CHECK (side IN ('AR', 'AP')),
  dry_run     boolean NOT NULL,
  threshold   numeric(5, 4) NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  summary     jsonb,
  created_by  uuid REFERENCES users(id)
);

-- The exception queue: ranked proposals for receipts the engine did not apply.
CREATE TABLE recon_proposals (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id           uuid NOT NULL REFERENCES recon_runs(id),
  receipt_id       uuid NOT NULL REFERENCES receipts(id),
  rank             integer NOT NULL CHECK (rank >= 1),
  party_id         uuid REFERENCES parties(id),
  kind             text NOT NULL,
  allocations      jsonb NOT NULL,
  adjustment       jsonb,
  on_account_minor bigint NOT NULL,
  confidence       numeric(5, 4) NOT NULL,
  reasons          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected', 'superseded')),
  decided_by       uuid REFERENCES users(id),
  decided_at       timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, receipt_id, rank)
);
CREATE INDEX recon_proposals_open ON recon_proposals (receipt_id) WHERE status = 'open';

ALTER TABLE match_memory ENABLE ROW LEVEL SECURITY;
CREATE POLICY match_memory_scope ON match_memory TO shoufu_app USING (party_id IN (SELECT id FROM parties));
ALTER TABLE recon_proposals ENABLE ROW LEVEL SECURITY;
CREATE POLICY recon_proposals_scope ON recon_proposals TO shoufu_app USING (receipt_id IN (SELECT id FROM receipts));
GRANT SELECT, INSERT ON match_memory TO shoufu_app;
GRANT SELECT, INSERT, UPDATE ON recon_runs, recon_proposals TO shoufu_app;
