-- Bad-debt provision runs (坏账准备) per entity and period end (docs/credit.md, "Provisions and
-- write-offs"). A run keeps its inputs (rates, individual assessments) and its result; one line per
-- currency holds the required provision, the balance before the run and the change. The provision
-- balance of an entity and currency is the required amount of its latest approved run
-- (provision_balances); write-offs booked after that run's period end use it up (services).

CREATE TABLE provision_runs (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_id            uuid NOT NULL REFERENCES entities(id),
  period_end           date NOT NULL,
  method               text NOT NULL DEFAULT 'aging_rate' CHECK (method IN ('aging_rate')),
  rates                jsonb NOT NULL,
  overrides            jsonb NOT NULL DEFAULT '[]'::jsonb,
  result               jsonb NOT NULL,
  status               text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'pending_approval', 'approved', 'rejected')),
  approval_request_id  uuid REFERENCES approval_requests(id),
  created_by           uuid REFERENCES users(id),
  created_at           timestamptz NOT NULL DEFAULT now(),
  approved_at          timestamptz,
  CHECK ((status = 'approved') = (approved_at IS NOT NULL))
);
CREATE INDEX provision_runs_entity ON provision_runs (entity_id, period_end DESC);
-- At most one run per entity waiting for approval.
CREATE UNIQUE INDEX provision_runs_one_pending ON provision_runs (entity_id) WHERE status = 'pending_approval';

CREATE TABLE provision_run_lines (
  run_id          uuid NOT NULL REFERENCES provision_runs(id),
  currency        char(3) NOT NULL REFERENCES currencies(code),
  receivable_minor bigint NOT NULL,
  required_minor  bigint NOT NULL CHECK (required_minor >= 0),
  existing_minor  bigint NOT NULL,
  change_minor    bigint NOT NULL,
  PRIMARY KEY (run_id, currency),
  CHECK (change_minor = required_minor - existing_minor)
);

-- The balance set by the latest approved run per entity and currency. A run always carries a line
-- for every currency of the balance before it, so a balance released to zero shows as zero.
CREATE VIEW provision_balances WITH (security_invoker = true) AS
  SELECT DISTINCT ON (r.entity_id, l.currency)
         r.entity_id, l.currency, l.required_minor AS balance_minor, r.id AS run_id, r.period_end, r.approved_at
    FROM provision_runs r JOIN provision_run_lines l ON l.run_id = r.id
   WHERE r.status = 'approved'
   ORDER BY r.entity_id, l.currency, r.period_end DESC, r.approved_at DESC;

GRANT SELECT, INSERT, UPDATE ON provision_runs TO shoufu_app;
GRANT SELECT, INSERT ON provision_run_lines TO shoufu_app;
GRANT SELECT ON provision_balances TO shoufu_app;

-- Entity-level figures: visible to users who may see the entity.
ALTER TABLE provision_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY provision_runs_scope ON provision_runs TO shoufu_app
  USING (app_in_scope('app.scope_entities', entity_id::text));

ALTER TABLE provision_run_lines ENABLE ROW LEVEL SECURITY;
CREATE POLICY provision_run_lines_scope ON provision_run_lines TO shoufu_app
  USING (run_id IN (SELECT id FROM provision_runs));
