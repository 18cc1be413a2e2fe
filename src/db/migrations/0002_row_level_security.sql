-- Data scopes enforced by PostgreSQL row-level security.
-- Policies cascade through `column IN (SELECT id FROM <visible table>)` rather than correlated
-- EXISTS: PostgreSQL evaluates the uncorrelated form once per query as a hashed sub-plan, where a
-- correlated EXISTS in a policy runs once per row (13 s instead of 1 s on a 20k-invoice report). Every request runs in a transaction that
-- does SET LOCAL ROLE shoufu_app and sets app.scope_* with set_config(…, true), so a forgotten
-- WHERE clause in application code cannot leak another region's or salesperson's data.
-- Unset settings read as '' and therefore deny: the default is to see nothing.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shoufu_app') THEN
    CREATE ROLE shoufu_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another database on the same cluster created it at the same moment
END $$;

DO $$
BEGIN
  -- A non-superuser owner must be a member of the role to SET ROLE to it.
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT shoufu_app TO %I', current_user);
  END IF;
END $$;

GRANT USAGE ON SCHEMA public TO shoufu_app;
GRANT SELECT ON currencies, fx_rates, entities, control_totals TO shoufu_app;
GRANT SELECT (id, username, display_name, role, locale, disabled) ON users TO shoufu_app;
GRANT SELECT, INSERT, UPDATE ON parties, party_bank_accounts, contracts TO shoufu_app;
GRANT SELECT, INSERT ON contract_versions, invoices, invoice_lines, installments, receipts, allocations, invoice_disputes TO shoufu_app;
GRANT UPDATE (resolved_on) ON invoice_disputes TO shoufu_app;
GRANT UPDATE (party_id) ON receipts TO shoufu_app;
GRANT SELECT, INSERT, UPDATE ON idempotency_keys TO shoufu_app;
GRANT SELECT, INSERT ON audit_log TO shoufu_app;

CREATE FUNCTION app_setting(name text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting(name, true), '')
$$;

CREATE FUNCTION app_in_scope(setting text, value text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT app_setting(setting) = '*' OR value = ANY (string_to_array(app_setting(setting), ','))
$$;

-- A user with no limit on entity, region or owner sees everything: the policies below test this
-- first so that the sub-plans of the scope cascade are never built for them (OR stops early).
CREATE FUNCTION app_unrestricted() RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT app_setting('app.scope_entities') = '*' AND app_setting('app.scope_regions') = '*' AND app_setting('app.scope_owner') = ''
$$;

-- Parties: region scope and "own customers" scope.
ALTER TABLE parties ENABLE ROW LEVEL SECURITY;
CREATE POLICY parties_scope ON parties TO shoufu_app
  USING (
    app_in_scope('app.scope_regions', region)
    AND (app_setting('app.scope_owner') = '' OR owner_user_id::text = app_setting('app.scope_owner'))
  );

ALTER TABLE party_bank_accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY party_bank_accounts_scope ON party_bank_accounts TO shoufu_app
  USING (app_unrestricted() OR party_id IN (SELECT id FROM parties));

-- Documents: entity scope plus a visible party (the sub-select is itself filtered by parties_scope).
ALTER TABLE contracts ENABLE ROW LEVEL SECURITY;
CREATE POLICY contracts_scope ON contracts TO shoufu_app
  USING (app_unrestricted() OR (app_in_scope('app.scope_entities', entity_id::text) AND party_id IN (SELECT id FROM parties)));

ALTER TABLE contract_versions ENABLE ROW LEVEL SECURITY;
CREATE POLICY contract_versions_scope ON contract_versions TO shoufu_app
  USING (app_unrestricted() OR contract_id IN (SELECT id FROM contracts));

ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY invoices_scope ON invoices TO shoufu_app
  USING (app_unrestricted() OR (app_in_scope('app.scope_entities', entity_id::text) AND party_id IN (SELECT id FROM parties)));

ALTER TABLE invoice_lines ENABLE ROW LEVEL SECURITY;
CREATE POLICY invoice_lines_scope ON invoice_lines TO shoufu_app
  USING (app_unrestricted() OR invoice_id IN (SELECT id FROM invoices));

ALTER TABLE installments ENABLE ROW LEVEL SECURITY;
CREATE POLICY installments_scope ON installments TO shoufu_app
  USING (app_unrestricted() OR invoice_id IN (SELECT id FROM invoices));

ALTER TABLE invoice_disputes ENABLE ROW LEVEL SECURITY;
CREATE POLICY invoice_disputes_scope ON invoice_disputes TO shoufu_app
  USING (app_unrestricted() OR invoice_id IN (SELECT id FROM invoices));

-- A receipt without an identified payer is visible only to users without a region/owner limit.
ALTER TABLE receipts ENABLE ROW LEVEL SECURITY;
CREATE POLICY receipts_scope ON receipts TO shoufu_app
  USING (
    app_unrestricted() OR
    app_in_scope('app.scope_entities', entity_id::text)
    AND CASE WHEN party_id IS NULL
             THEN app_setting('app.scope_regions') = '*' AND app_setting('app.scope_owner') = ''
             ELSE party_id IN (SELECT id FROM parties) END
  );

ALTER TABLE allocations ENABLE ROW LEVEL SECURITY;
-- Reading: an allocation counts wherever its invoice installment is visible, so an invoice paid by
-- a head office outside the user's scope still shows as paid to them. Writing: both ends must be
-- visible, or the SECURITY DEFINER trigger would update a receipt the user cannot see.
CREATE POLICY allocations_read ON allocations FOR SELECT TO shoufu_app
  USING (
    app_unrestricted() OR
    app_in_scope('app.scope_entities', entity_id::text)
    AND target_installment_id IN (SELECT id FROM installments)
  );
CREATE POLICY allocations_write ON allocations FOR INSERT TO shoufu_app
  WITH CHECK (
    app_unrestricted() OR
    app_in_scope('app.scope_entities', entity_id::text)
    AND target_installment_id IN (SELECT id FROM installments)
    AND (source_receipt_id IS NULL OR source_receipt_id IN (SELECT id FROM receipts))
    AND (source_installment_id IS NULL OR source_installment_id IN (SELECT id FROM installments))
  );

ALTER TABLE control_totals ENABLE ROW LEVEL SECURITY;
CREATE POLICY control_totals_scope ON control_totals TO shoufu_app
  USING (app_in_scope('app.scope_entities', entity_id::text)
         AND app_setting('app.scope_regions') = '*' AND app_setting('app.scope_owner') = '');

-- Idempotency records belong to the user who made the request.
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY idempotency_keys_own ON idempotency_keys TO shoufu_app
  USING (user_id::text = app_setting('app.user_id'));

-- The audit log may be appended to by anyone acting; reading it is limited by the API to
-- admin, auditor and finance roles.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY audit_log_append ON audit_log FOR INSERT TO shoufu_app WITH CHECK (true);
CREATE POLICY audit_log_read ON audit_log FOR SELECT TO shoufu_app
  USING (app_setting('app.audit_reader') = 'yes');
