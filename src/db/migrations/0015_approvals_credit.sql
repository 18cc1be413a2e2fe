-- Approvals (docs/approvals.md) and credit limits, orders, holds and overrides (docs/credit.md).

-- ---- approvals ------------------------------------------------------------------------------

CREATE TABLE approval_chains (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name             text NOT NULL,
  document_type    text NOT NULL CHECK (document_type ~ '^[a-z_]{2,40}$'),
  currency         char(3) NOT NULL DEFAULT 'CNY' REFERENCES currencies(code),
  min_amount_minor bigint NOT NULL DEFAULT 0 CHECK (min_amount_minor >= 0),
  max_amount_minor bigint CHECK (max_amount_minor IS NULL OR max_amount_minor > min_amount_minor),
  requester_roles  text[] NOT NULL DEFAULT '{}',
  priority         integer NOT NULL DEFAULT 100,
  active           boolean NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approval_chains_type ON approval_chains (document_type) WHERE active;

CREATE TABLE approval_chain_steps (
  chain_id          uuid NOT NULL REFERENCES approval_chains(id),
  seq               integer NOT NULL CHECK (seq >= 1),
  name              text NOT NULL,
  approver_roles    text[] NOT NULL DEFAULT '{}',
  approver_user_id  uuid REFERENCES users(id),
  PRIMARY KEY (chain_id, seq),
  CHECK (approver_user_id IS NOT NULL OR cardinality(approver_roles) > 0)
);

-- A request copies its chain's steps (a later edit of the chain does not move a running request).
CREATE TABLE approval_requests (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  document_type     text NOT NULL,
  chain_id          uuid REFERENCES approval_chains(id),
  steps             jsonb NOT NULL,
  current_step      integer NOT NULL DEFAULT 0,
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled', 'expired')),
  party_id          uuid REFERENCES parties(id),
  entity_id         uuid REFERENCES entities(id),
  amount_minor      bigint NOT NULL CHECK (amount_minor >= 0),
  currency          char(3) NOT NULL REFERENCES currencies(code),
  title             text NOT NULL,
  reason            text NOT NULL,
  -- What to do once approved (document type specific), and what was done.
  payload           jsonb NOT NULL DEFAULT '{}'::jsonb,
  result            jsonb,
  requester_id      uuid NOT NULL REFERENCES users(id),
  expires_at        timestamptz,
  last_reminded_at  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  decided_at        timestamptz
);
CREATE INDEX approval_requests_pending ON approval_requests (status, created_at) WHERE status = 'pending';
CREATE INDEX approval_requests_party ON approval_requests (party_id);

CREATE TABLE approval_decisions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id    uuid NOT NULL REFERENCES approval_requests(id),
  step          integer NOT NULL,
  user_id       uuid NOT NULL REFERENCES users(id),
  on_behalf_of  uuid REFERENCES users(id),
  decision      text NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment       text,
  decided_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (request_id, step)
);

CREATE TABLE approval_delegations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  from_user_id  uuid NOT NULL REFERENCES users(id),
  to_user_id    uuid NOT NULL REFERENCES users(id),
  starts_on     date NOT NULL,
  ends_on       date NOT NULL,
  reason        text,
  revoked_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_on >= starts_on),
  CHECK (from_user_id <> to_user_id)
);
CREATE INDEX approval_delegations_to ON approval_delegations (to_user_id) WHERE revoked_at IS NULL;

-- Default chains (CNY): overrides up to ¥100,000.00 need one manager (or admin); larger ones a
-- manager and then an admin; write-offs and provision runs one manager or admin. Limit changes
-- have no chain: they apply directly until a 'credit_limit' chain is configured.
WITH c AS (
  INSERT INTO approval_chains (name, document_type, min_amount_minor, max_amount_minor, priority) VALUES
    ('信用特批 / credit override', 'credit_override', 0, 10000000, 100),
    ('大额信用特批 / large credit override', 'credit_override', 10000000, NULL, 100),
    ('坏账核销 / write-off', 'write_off', 0, NULL, 100),
    ('坏账准备 / provision run', 'provision_run', 0, NULL, 100)
  RETURNING id, name
)
INSERT INTO approval_chain_steps (chain_id, seq, name, approver_roles)
SELECT c.id, s.seq, s.step, s.roles
  FROM c JOIN (VALUES
    ('信用特批 / credit override', 1, '信用经理审批 / credit manager', ARRAY['manager', 'admin']),
    ('大额信用特批 / large credit override', 1, '信用经理审批 / credit manager', ARRAY['manager', 'admin']),
    ('大额信用特批 / large credit override', 2, '总经理审批 / general manager', ARRAY['admin']),
    ('坏账核销 / write-off', 1, '财务经理审批 / finance manager', ARRAY['manager', 'admin']),
    ('坏账准备 / provision run', 1, '财务经理审批 / finance manager', ARRAY['manager', 'admin'])
  ) AS s(chain, seq, step, roles) ON s.chain = c.name;

-- ---- credit limits, orders, holds, overrides -----------------------------------------------------

CREATE TABLE credit_limits (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  party_id             uuid NOT NULL REFERENCES parties(id),
  entity_id            uuid REFERENCES entities(id),
  -- A group limit on a parent is shared by the parent and all its subsidiaries.
  is_group             boolean NOT NULL DEFAULT false,
  kind                 text NOT NULL DEFAULT 'permanent' CHECK (kind IN ('permanent', 'temporary')),
  amount_minor         bigint NOT NULL CHECK (amount_minor >= 0),
  currency             char(3) NOT NULL REFERENCES currencies(code),
  valid_from           date NOT NULL,
  expires_on           date,
  note                 text,
  approval_request_id  uuid REFERENCES approval_requests(id),
  created_by           uuid REFERENCES users(id),
  created_at           timestamptz NOT NULL DEFAULT now(),
  -- A replaced or removed limit is ended, never deleted.
  ended_at             timestamptz,
  CHECK (expires_on IS NULL OR expires_on >= valid_from),
  CHECK (kind = 'permanent' OR expires_on IS NOT NULL),
  CHECK (NOT is_group OR entity_id IS NULL)
);
CREATE UNIQUE INDEX credit_limits_current ON credit_limits
  (party_id, coalesce(entity_id, '00000000-0000-0000-0000-000000000000'::uuid), is_group, kind) WHERE ended_at IS NULL;

-- Orders an ERP has taken but not yet invoiced: they count in the exposure while open.
CREATE TABLE credit_orders (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_id      uuid NOT NULL REFERENCES entities(id),
  external_ref   text NOT NULL CHECK (length(external_ref) BETWEEN 1 AND 100),
  party_id       uuid NOT NULL REFERENCES parties(id),
  amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
  currency       char(3) NOT NULL REFERENCES currencies(code),
  order_date     date NOT NULL,
  status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'released', 'invoiced')),
  decision       text NOT NULL CHECK (decision IN ('allow', 'warn')),
  override_id    uuid,
  created_by     uuid REFERENCES users(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  closed_at      timestamptz,
  UNIQUE (entity_id, external_ref)
);
CREATE INDEX credit_orders_open ON credit_orders (party_id) WHERE status = 'open';

CREATE TABLE credit_holds (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  party_id          uuid NOT NULL REFERENCES parties(id),
  entity_id         uuid REFERENCES entities(id),
  stage             text NOT NULL,
  code              text NOT NULL,
  reason_zh         text NOT NULL,
  reason_en         text NOT NULL,
  reasons           jsonb NOT NULL,
  since             date NOT NULL,
  placed_at         timestamptz NOT NULL DEFAULT now(),
  placed_by         uuid REFERENCES users(id),
  released_on       date,
  released_at       timestamptz,
  released_by       uuid REFERENCES users(id),
  released_by_rule  boolean,
  CHECK ((released_at IS NULL) = (released_on IS NULL))
);
CREATE UNIQUE INDEX credit_holds_open ON credit_holds (party_id) WHERE released_at IS NULL;

-- Approved overrides (特批): a blocked customer may take documents up to amount until expires_on.
CREATE TABLE credit_overrides (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  party_id             uuid NOT NULL REFERENCES parties(id),
  amount_minor         bigint NOT NULL CHECK (amount_minor > 0),
  used_minor           bigint NOT NULL DEFAULT 0,
  currency             char(3) NOT NULL REFERENCES currencies(code),
  expires_on           date NOT NULL,
  reason               text NOT NULL,
  approval_request_id  uuid NOT NULL UNIQUE REFERENCES approval_requests(id),
  approved_by          uuid REFERENCES users(id),
  created_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT credit_override_not_overused CHECK (used_minor >= 0 AND used_minor <= amount_minor)
);
CREATE INDEX credit_overrides_party ON credit_overrides (party_id, expires_on);

-- Rules per stage (order, delivery, invoice); absent stages use the defaults in code.
CREATE TABLE credit_stage_rules (
  stage       text PRIMARY KEY CHECK (stage IN ('order', 'delivery', 'invoice')),
  rules       jsonb NOT NULL,
  updated_by  uuid REFERENCES users(id),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- ---- locking and exposure (SECURITY DEFINER: reached only after the caller has read the
-- customer under its own scope; a limit is measured against every document of the customer,
-- including entities the caller does not see) ---------------------------------------------------

-- Locks, in id order, the limit rows a check of this customer measures: its own limits and the
-- group limits of its group root. Two checks of the same customer (or group) queue here.
CREATE FUNCTION credit_lock_limits(p_party uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  v_root uuid;
  v_n integer;
BEGIN
  SELECT coalesce(parent_id, id) INTO v_root FROM parties WHERE id = p_party;
  PERFORM 1 FROM credit_limits
    WHERE ended_at IS NULL AND ((party_id = p_party AND NOT is_group) OR (party_id = v_root AND is_group))
    ORDER BY id FOR UPDATE;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END $$;

-- Exposure parts per currency for a set of customers (optionally one entity), as of a date:
-- open AR invoice installments, of which overdue, unapplied AR receipts, open orders; and the
-- oldest days overdue (kind 'oldest_days', amount = days, currency null).
CREATE FUNCTION credit_exposure(p_parties uuid[], p_entity uuid, p_as_of date)
RETURNS TABLE (kind text, currency char(3), amount_minor bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT 'open', i.currency, sum(n.amount_minor - n.allocated_minor)::bigint
    FROM installments n JOIN invoices i ON i.id = n.invoice_id
   WHERE i.party_id = ANY (p_parties) AND i.side = 'AR' AND i.kind = 'invoice'
     AND (p_entity IS NULL OR i.entity_id = p_entity) AND n.allocated_minor < n.amount_minor
   GROUP BY i.currency
  UNION ALL
  SELECT 'overdue', i.currency, sum(n.amount_minor - n.allocated_minor)::bigint
    FROM installments n JOIN invoices i ON i.id = n.invoice_id
   WHERE i.party_id = ANY (p_parties) AND i.side = 'AR' AND i.kind = 'invoice'
     AND (p_entity IS NULL OR i.entity_id = p_entity) AND n.allocated_minor < n.amount_minor AND n.due_date < p_as_of
   GROUP BY i.currency
  UNION ALL
  SELECT 'oldest_days', NULL, coalesce(max(p_as_of - n.due_date), 0)::bigint
    FROM installments n JOIN invoices i ON i.id = n.invoice_id
   WHERE i.party_id = ANY (p_parties) AND i.side = 'AR' AND i.kind = 'invoice'
     AND (p_entity IS NULL OR i.entity_id = p_entity) AND n.allocated_minor < n.amount_minor AND n.due_date < p_as_of
  UNION ALL
  SELECT 'unapplied', r.currency, sum(r.amount_minor - r.allocated_minor)::bigint
    FROM receipts r
   WHERE r.party_id = ANY (p_parties) AND r.side = 'AR' AND (p_entity IS NULL OR r.entity_id = p_entity)
     AND r.allocated_minor < r.amount_minor
   GROUP BY r.currency
  UNION ALL
  SELECT 'orders', o.currency, sum(o.amount_minor)::bigint
    FROM credit_orders o
   WHERE o.party_id = ANY (p_parties) AND o.status = 'open' AND (p_entity IS NULL OR o.entity_id = p_entity)
   GROUP BY o.currency
$$;

-- The customers of a group: the root and its direct subsidiaries.
CREATE FUNCTION credit_group_members(p_party uuid) RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT array_agg(id ORDER BY id) FROM parties
   WHERE id = (SELECT coalesce(parent_id, id) FROM parties WHERE id = p_party)
      OR parent_id = (SELECT coalesce(parent_id, id) FROM parties WHERE id = p_party)
$$;

REVOKE ALL ON FUNCTION credit_lock_limits(uuid), credit_exposure(uuid[], uuid, date), credit_group_members(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION credit_lock_limits(uuid), credit_exposure(uuid[], uuid, date), credit_group_members(uuid) TO shoufu_app;

-- ---- row-level security and grants ---------------------------------------------------------------

-- Chains, delegations and rules are organisation settings: every user reads them; the services
-- decide who may change them.
GRANT SELECT, INSERT, UPDATE ON approval_chains, approval_chain_steps, approval_delegations, credit_stage_rules TO shoufu_app;
GRANT DELETE ON approval_chain_steps TO shoufu_app;
GRANT SELECT, INSERT, UPDATE ON approval_requests, credit_limits, credit_orders, credit_holds, credit_overrides TO shoufu_app;
GRANT SELECT, INSERT ON approval_decisions TO shoufu_app;

-- Customer-bound rows are visible where the customer is visible (a request without a customer,
-- e.g. a provision run, is visible to every user: the inbox filters by approver).
ALTER TABLE approval_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY approval_requests_scope ON approval_requests TO shoufu_app
  USING (app_unrestricted() OR party_id IS NULL OR party_id IN (SELECT id FROM parties));

ALTER TABLE approval_decisions ENABLE ROW LEVEL SECURITY;
CREATE POLICY approval_decisions_scope ON approval_decisions TO shoufu_app
  USING (app_unrestricted() OR request_id IN (SELECT id FROM approval_requests));

ALTER TABLE credit_limits ENABLE ROW LEVEL SECURITY;
CREATE POLICY credit_limits_scope ON credit_limits TO shoufu_app
  USING (app_unrestricted() OR party_id IN (SELECT id FROM parties));

ALTER TABLE credit_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY credit_orders_scope ON credit_orders TO shoufu_app
  USING (app_unrestricted() OR (app_in_scope('app.scope_entities', entity_id::text) AND party_id IN (SELECT id FROM parties)));

ALTER TABLE credit_holds ENABLE ROW LEVEL SECURITY;
CREATE POLICY credit_holds_scope ON credit_holds TO shoufu_app
  USING (app_unrestricted() OR party_id IN (SELECT id FROM parties));

ALTER TABLE credit_overrides ENABLE ROW LEVEL SECURITY;
CREATE POLICY credit_overrides_scope ON credit_overrides TO shoufu_app
  USING (app_unrestricted() OR party_id IN (SELECT id FROM parties));

-- The limit rows a check of this customer measures (its own, and its group root's group limits),
-- including a parent the caller may not see.
CREATE FUNCTION credit_limits_for(p_party uuid) RETURNS SETOF credit_limits
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT * FROM credit_limits
   WHERE ended_at IS NULL
     AND ((party_id = p_party AND NOT is_group)
          OR (is_group AND party_id = (SELECT coalesce(parent_id, id) FROM parties WHERE id = p_party)))
$$;
REVOKE ALL ON FUNCTION credit_limits_for(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION credit_limits_for(uuid) TO shoufu_app;
