-- Shoufu ledger schema. Runs unchanged on PGlite (PG 17/18 inside) and PostgreSQL 14+.
-- Money is always bigint minor units with a currency beside it; no float or numeric money.

CREATE TABLE currencies (
  code        char(3) PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
  scale       smallint NOT NULL CHECK (scale BETWEEN 0 AND 4),
  name_zh     text NOT NULL,
  name_en     text NOT NULL
);

INSERT INTO currencies (code, scale, name_zh, name_en) VALUES
  ('CNY', 2, '人民币', 'Chinese Yuan'),
  ('USD', 2, '美元', 'US Dollar'),
  ('EUR', 2, '欧元', 'Euro'),
  ('HKD', 2, '港币', 'Hong Kong Dollar'),
  ('JPY', 0, '日元', 'Japanese Yen'),
  ('GBP', 2, '英镑', 'Pound Sterling'),
  ('KWD', 3, '科威特第纳尔', 'Kuwaiti Dinar');

-- Exchange rates are ratios, not money: numeric is right here. rate = units of quote per 1 unit of base.
CREATE TABLE fx_rates (
  base_currency  char(3) NOT NULL REFERENCES currencies(code),
  quote_currency char(3) NOT NULL REFERENCES currencies(code),
  rate_date      date NOT NULL,
  rate           numeric(24, 10) NOT NULL CHECK (rate > 0),
  PRIMARY KEY (base_currency, quote_currency, rate_date)
);

CREATE TABLE entities (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code           text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 32),
  name           text NOT NULL,
  base_currency  char(3) NOT NULL DEFAULT 'CNY' REFERENCES currencies(code),
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username        text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.@-]{2,64}$'),
  display_name    text NOT NULL,
  password_hash   text NOT NULL,
  role            text NOT NULL CHECK (role IN ('admin','finance','collector','sales','legal','manager','auditor')),
  -- Data scopes: NULL means "all". scope_own_customers limits a user to parties they own.
  scope_entities  text[],
  scope_regions   text[],
  scope_own_customers boolean NOT NULL DEFAULT false,
  locale          text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN','en-US')),
  disabled        boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  token_hash  text PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users(id),
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users(id),
  name        text NOT NULL,
  token_hash  text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

-- Login throttling is kept in the database so several app instances share it.
CREATE TABLE login_attempts (
  username    text NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  succeeded   boolean NOT NULL
);
CREATE INDEX login_attempts_user_time ON login_attempts (username, attempted_at);

CREATE TABLE parties (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code                text NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  name_en             text,
  short_name          text,
  is_customer         boolean NOT NULL DEFAULT true,
  is_supplier         boolean NOT NULL DEFAULT false,
  uscc                text CHECK (uscc IS NULL OR uscc ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'),
  region              text NOT NULL DEFAULT '未分配',
  province            text,
  industry            text,
  owner_user_id       uuid REFERENCES users(id),
  payment_terms_days  integer NOT NULL DEFAULT 30 CHECK (payment_terms_days BETWEEN 0 AND 3650),
  credit_limit_minor  bigint CHECK (credit_limit_minor IS NULL OR credit_limit_minor >= 0),
  credit_currency     char(3) NOT NULL DEFAULT 'CNY' REFERENCES currencies(code),
  parent_id           uuid REFERENCES parties(id),
  external_ids        jsonb NOT NULL DEFAULT '{}'::jsonb,
  contact_email       text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (is_customer OR is_supplier),
  CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX parties_region ON parties (region);
CREATE INDEX parties_owner ON parties (owner_user_id);
CREATE INDEX parties_parent ON parties (parent_id);

CREATE TABLE party_bank_accounts (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  party_id      uuid NOT NULL REFERENCES parties(id),
  bank_name     text NOT NULL,
  account_no    text NOT NULL,
  account_name  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (party_id, account_no)
);
CREATE INDEX party_bank_accounts_no ON party_bank_accounts (account_no);

CREATE TABLE contracts (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_id        uuid NOT NULL REFERENCES entities(id),
  side             char(2) NOT NULL CHECK (side IN ('AR','AP')),
  number           text NOT NULL,
  party_id         uuid NOT NULL REFERENCES parties(id),
  title            text NOT NULL,
  currency         char(3) NOT NULL REFERENCES currencies(code),
  current_version  integer NOT NULL DEFAULT 1,
  signed_on        date,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entity_id, side, number)
);
CREATE INDEX contracts_party ON contracts (party_id);

-- A changed term is a new version; documents keep pointing at the version they were issued under.
CREATE TABLE contract_versions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  contract_id   uuid NOT NULL REFERENCES contracts(id),
  version       integer NOT NULL CHECK (version >= 1),
  total_minor   bigint NOT NULL CHECK (total_minor > 0),
  -- [{ "name": "预付款", "percent": "30" | "amount": "<minor units>", "dueRule": { "kind": "days_after_invoice", "days": 30 } }]
  schedule      jsonb NOT NULL,
  valid_from    date NOT NULL,
  note          text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (contract_id, version)
);

-- AR invoices, AR credit notes (红字发票), AP bills and AP credit notes share one table so that the
-- allocation invariants are written once. side + kind say which.
CREATE TABLE invoices (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_id            uuid NOT NULL REFERENCES entities(id),
  side                 char(2) NOT NULL CHECK (side IN ('AR','AP')),
  kind                 text NOT NULL CHECK (kind IN ('invoice','credit_note')),
  number               text NOT NULL CHECK (length(number) BETWEEN 1 AND 64),
  party_id             uuid NOT NULL REFERENCES parties(id),
  contract_version_id  uuid REFERENCES contract_versions(id),
  order_ref            text,
  einvoice_number      text,
  original_invoice_id  uuid REFERENCES invoices(id),
  currency             char(3) NOT NULL REFERENCES currencies(code),
  issue_date           date NOT NULL,
  subtotal_minor       bigint NOT NULL CHECK (subtotal_minor >= 0),
  tax_minor            bigint NOT NULL CHECK (tax_minor >= 0),
  total_minor          bigint NOT NULL CHECK (total_minor > 0),
  description          text,
  created_by           uuid REFERENCES users(id),
  created_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entity_id, side, number),
  CHECK (total_minor = subtotal_minor + tax_minor),
  CHECK ((kind = 'credit_note') = (original_invoice_id IS NOT NULL))
);
CREATE INDEX invoices_party ON invoices (party_id);
CREATE INDEX invoices_issue ON invoices (entity_id, side, issue_date);

CREATE TABLE invoice_lines (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  invoice_id       uuid NOT NULL REFERENCES invoices(id),
  line_no          integer NOT NULL CHECK (line_no >= 1),
  description      text NOT NULL,
  quantity         numeric(20, 6) NOT NULL DEFAULT 1,
  unit_price_minor bigint NOT NULL,
  tax_rate         numeric(6, 4) NOT NULL DEFAULT 0 CHECK (tax_rate >= 0 AND tax_rate < 1),
  amount_minor     bigint NOT NULL CHECK (amount_minor >= 0),
  tax_minor        bigint NOT NULL CHECK (tax_minor >= 0),
  UNIQUE (invoice_id, line_no)
);

-- allocated_minor is a cache maintained only by the allocation trigger; the CHECK is the
-- database's guarantee that an installment is never allocated beyond its amount.
CREATE TABLE installments (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  invoice_id       uuid NOT NULL REFERENCES invoices(id),
  seq              integer NOT NULL CHECK (seq >= 1),
  due_date         date NOT NULL,
  amount_minor     bigint NOT NULL CHECK (amount_minor > 0),
  allocated_minor  bigint NOT NULL DEFAULT 0,
  milestone        text,
  UNIQUE (invoice_id, seq),
  CONSTRAINT installment_not_over_allocated CHECK (allocated_minor >= 0 AND allocated_minor <= amount_minor)
);
CREATE INDEX installments_due ON installments (due_date);

-- Receipts (side AR: money in from customers) and payments (side AP: money out to suppliers).
CREATE TABLE receipts (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_id             uuid NOT NULL REFERENCES entities(id),
  side                  char(2) NOT NULL CHECK (side IN ('AR','AP')),
  number                text NOT NULL,
  party_id              uuid REFERENCES parties(id),
  receipt_date          date NOT NULL,
  currency              char(3) NOT NULL REFERENCES currencies(code),
  amount_minor          bigint NOT NULL CHECK (amount_minor > 0),
  allocated_minor       bigint NOT NULL DEFAULT 0,
  method                text NOT NULL DEFAULT 'bank_transfer' CHECK (method IN ('bank_transfer','cash','draft','card','other')),
  bank_account          text,
  counterparty_name     text,
  counterparty_account  text,
  remittance            text,
  bank_reference        text,
  created_by            uuid REFERENCES users(id),
  created_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (entity_id, side, number),
  CONSTRAINT receipt_not_over_allocated CHECK (allocated_minor >= 0 AND allocated_minor <= amount_minor)
);
CREATE INDEX receipts_party ON receipts (party_id);
CREATE UNIQUE INDEX receipts_bank_reference ON receipts (entity_id, side, bank_reference) WHERE bank_reference IS NOT NULL;

-- Allocations (核销). Append-only: a reversal is a new row with the negated amount that points at
-- the row it reverses. Sources: a receipt/payment, a credit note installment, or an adjustment
-- (discount, bank fee, small-difference write-off) which has no source document but a reason.
CREATE TABLE allocations (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq                     bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  entity_id               uuid NOT NULL REFERENCES entities(id),
  side                    char(2) NOT NULL CHECK (side IN ('AR','AP')),
  target_installment_id   uuid NOT NULL REFERENCES installments(id),
  source_kind             text NOT NULL CHECK (source_kind IN ('receipt','credit_note','adjustment')),
  source_receipt_id       uuid REFERENCES receipts(id),
  source_installment_id   uuid REFERENCES installments(id),
  adjustment_kind         text CHECK (adjustment_kind IN ('discount','bank_fee','small_difference','write_off')),
  -- amount in the target (invoice) currency, and in the source currency with the rate between them
  amount_minor            bigint NOT NULL CHECK (amount_minor <> 0),
  source_amount_minor     bigint NOT NULL CHECK (source_amount_minor <> 0),
  fx_rate                 numeric(24, 10),
  effective_date          date NOT NULL,
  method                  text NOT NULL DEFAULT 'manual' CHECK (method IN ('manual','auto','import','demo')),
  reason                  text,
  reverses_allocation_id  uuid UNIQUE REFERENCES allocations(id),
  created_by              uuid REFERENCES users(id),
  created_at              timestamptz NOT NULL DEFAULT now(),
  CHECK ((source_kind = 'receipt') = (source_receipt_id IS NOT NULL)),
  CHECK ((source_kind = 'credit_note') = (source_installment_id IS NOT NULL)),
  CHECK ((source_kind = 'adjustment') = (adjustment_kind IS NOT NULL)),
  CHECK (source_kind <> 'adjustment' OR reason IS NOT NULL),
  CHECK ((amount_minor > 0) = (source_amount_minor > 0)),
  CHECK ((amount_minor < 0) = (reverses_allocation_id IS NOT NULL))
);
CREATE INDEX allocations_target ON allocations (target_installment_id, effective_date);
CREATE INDEX allocations_receipt ON allocations (source_receipt_id) WHERE source_receipt_id IS NOT NULL;
CREATE INDEX allocations_source_inst ON allocations (source_installment_id) WHERE source_installment_id IS NOT NULL;

-- Disputes change an invoice's derived status without editing the posted invoice.
CREATE TABLE invoice_disputes (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  invoice_id   uuid NOT NULL REFERENCES invoices(id),
  opened_on    date NOT NULL,
  resolved_on  date,
  reason       text NOT NULL,
  created_by   uuid REFERENCES users(id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (resolved_on IS NULL OR resolved_on >= opened_on)
);
CREATE INDEX invoice_disputes_invoice ON invoice_disputes (invoice_id);

-- Control totals: the sum of open invoice installments per entity, side and currency, maintained
-- by triggers independently of the subledger so the two can be compared at any moment.
CREATE TABLE control_totals (
  entity_id   uuid NOT NULL REFERENCES entities(id),
  side        char(2) NOT NULL,
  currency    char(3) NOT NULL REFERENCES currencies(code),
  open_minor  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (entity_id, side, currency)
);

CREATE TABLE idempotency_keys (
  user_id       uuid NOT NULL,
  key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  request_hash  text NOT NULL,
  status_code   integer,
  response      jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);

-- Append-only, hash-chained audit log. hash = sha256(prev_hash || canonical JSON of the row).
CREATE TABLE audit_log (
  seq          bigint PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor_id     uuid,
  actor        text NOT NULL,
  action       text NOT NULL,
  object_type  text NOT NULL,
  object_id    text,
  before       jsonb,
  after        jsonb,
  prev_hash    text NOT NULL,
  hash         text NOT NULL UNIQUE
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

-- ---------------------------------------------------------------------------------------------
-- Triggers: immutability of posted documents and the allocation invariants.
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION shoufu_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'posted % rows are immutable: use a credit note, reversal or new version', TG_TABLE_NAME
    USING ERRCODE = 'P0001', HINT = 'immutable';
END $$;

-- Rows whose only mutable column is a trigger-maintained cache.
CREATE FUNCTION shoufu_only_cache_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  allowed text[] := TG_ARGV;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'posted % rows are immutable', TG_TABLE_NAME USING ERRCODE = 'P0001', HINT = 'immutable';
  END IF;
  IF (to_jsonb(NEW) - allowed) IS DISTINCT FROM (to_jsonb(OLD) - allowed) THEN
    -- A receipt of unknown payer may be assigned to a party once (收款认领); nothing else changes.
    -- (read through jsonb: PL/pgSQL does not short-circuit, and other tables have no party_id)
    IF TG_TABLE_NAME = 'receipts' AND to_jsonb(OLD)->>'party_id' IS NULL AND to_jsonb(NEW)->>'party_id' IS NOT NULL
       AND (to_jsonb(NEW) - allowed - 'party_id') = (to_jsonb(OLD) - allowed - 'party_id') THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION 'posted % rows are immutable', TG_TABLE_NAME USING ERRCODE = 'P0001', HINT = 'immutable';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
  FOR EACH ROW EXECUTE FUNCTION shoufu_reject_change();
CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON invoice_lines
  FOR EACH ROW EXECUTE FUNCTION shoufu_reject_change();
CREATE TRIGGER contract_versions_immutable BEFORE UPDATE OR DELETE ON contract_versions
  FOR EACH ROW EXECUTE FUNCTION shoufu_reject_change();
CREATE TRIGGER allocations_immutable BEFORE UPDATE OR DELETE ON allocations
  FOR EACH ROW EXECUTE FUNCTION shoufu_reject_change();
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION shoufu_reject_change();
CREATE TRIGGER installments_immutable BEFORE UPDATE OR DELETE ON installments
  FOR EACH ROW EXECUTE FUNCTION shoufu_only_cache_changes('allocated_minor');
CREATE TRIGGER receipts_immutable BEFORE UPDATE OR DELETE ON receipts
  FOR EACH ROW EXECUTE FUNCTION shoufu_only_cache_changes('allocated_minor');
-- TRUNCATE bypasses row triggers; forbid it on the ledger and the audit log.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION shoufu_reject_change();
CREATE TRIGGER allocations_no_truncate BEFORE TRUNCATE ON allocations
  FOR EACH STATEMENT EXECUTE FUNCTION shoufu_reject_change();

-- A new invoice installment adds to the control total.
CREATE FUNCTION shoufu_installment_control() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  inv record;
BEGIN
  SELECT entity_id, side, kind, currency INTO inv FROM invoices WHERE id = NEW.invoice_id;
  IF inv.kind = 'invoice' THEN
    INSERT INTO control_totals (entity_id, side, currency, open_minor)
    VALUES (inv.entity_id, inv.side, inv.currency, NEW.amount_minor)
    ON CONFLICT (entity_id, side, currency) DO UPDATE SET open_minor = control_totals.open_minor + EXCLUDED.open_minor;
  END IF;
  IF NEW.allocated_minor <> 0 THEN
    RAISE EXCEPTION 'a new installment starts unallocated' USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER installments_control AFTER INSERT ON installments
  FOR EACH ROW EXECUTE FUNCTION shoufu_installment_control();

CREATE FUNCTION shoufu_receipt_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.allocated_minor <> 0 THEN
    RAISE EXCEPTION 'a new receipt starts unallocated' USING ERRCODE = 'P0001';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER receipts_insert BEFORE INSERT ON receipts
  FOR EACH ROW EXECUTE FUNCTION shoufu_receipt_insert();

-- The allocation invariants. Runs as the owner (SECURITY DEFINER) so that the cache columns can be
-- maintained while the caller itself has no UPDATE right on them.
CREATE FUNCTION shoufu_allocation_apply() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
  tgt record;
  src_currency char(3);
  src_side char(2);
  src_entity uuid;
  src_kind text;
  orig record;
BEGIN
  SELECT i.entity_id, i.side, i.kind, i.currency, i.party_id
    INTO tgt
    FROM installments n JOIN invoices i ON i.id = n.invoice_id
   WHERE n.id = NEW.target_installment_id;
  IF tgt.kind <> 'invoice' THEN
    RAISE EXCEPTION 'allocation target must be an invoice installment' USING ERRCODE = 'P0001', HINT = 'allocation_target_not_invoice';
  END IF;
  IF tgt.entity_id <> NEW.entity_id OR tgt.side <> NEW.side THEN
    RAISE EXCEPTION 'allocation entity/side differ from the invoice' USING ERRCODE = 'P0001', HINT = 'allocation_entity_mismatch';
  END IF;

  IF NEW.source_kind = 'receipt' THEN
    SELECT currency, side, entity_id INTO src_currency, src_side, src_entity FROM receipts WHERE id = NEW.source_receipt_id;
  ELSIF NEW.source_kind = 'credit_note' THEN
    SELECT i.currency, i.side, i.entity_id, i.kind INTO src_currency, src_side, src_entity, src_kind
      FROM installments n JOIN invoices i ON i.id = n.invoice_id WHERE n.id = NEW.source_installment_id;
    IF src_kind <> 'credit_note' THEN
      RAISE EXCEPTION 'allocation source must be a credit note' USING ERRCODE = 'P0001', HINT = 'allocation_source_not_credit_note';
    END IF;
  ELSE
    src_currency := tgt.currency; src_side := tgt.side; src_entity := tgt.entity_id;
  END IF;
  IF src_side <> NEW.side OR src_entity <> NEW.entity_id THEN
    RAISE EXCEPTION 'allocation source belongs to another entity or side' USING ERRCODE = 'P0001', HINT = 'allocation_entity_mismatch';
  END IF;
  IF src_currency = tgt.currency THEN
    IF NEW.source_amount_minor <> NEW.amount_minor OR NEW.fx_rate IS NOT NULL THEN
      RAISE EXCEPTION 'same-currency allocation must have equal amounts and no rate' USING ERRCODE = 'P0001', HINT = 'allocation_currency_mismatch';
    END IF;
  ELSIF NEW.fx_rate IS NULL THEN
    RAISE EXCEPTION 'allocation between % and % needs an FX rate', src_currency, tgt.currency USING ERRCODE = 'P0001', HINT = 'allocation_currency_mismatch';
  END IF;

  IF NEW.reverses_allocation_id IS NOT NULL THEN
    SELECT * INTO orig FROM allocations WHERE id = NEW.reverses_allocation_id;
    IF orig.id IS NULL OR orig.reverses_allocation_id IS NOT NULL
       OR orig.amount_minor <> -NEW.amount_minor OR orig.source_amount_minor <> -NEW.source_amount_minor
       OR orig.target_installment_id <> NEW.target_installment_id
       OR orig.source_kind <> NEW.source_kind
       OR orig.source_receipt_id IS DISTINCT FROM NEW.source_receipt_id
       OR orig.source_installment_id IS DISTINCT FROM NEW.source_installment_id THEN
      RAISE EXCEPTION 'a reversal must negate exactly one earlier allocation' USING ERRCODE = 'P0001', HINT = 'allocation_bad_reversal';
    END IF;
  END IF;

  -- Row locks taken here serialise concurrent allocations of the same documents; the CHECK
  -- constraints on the cache columns reject any over-allocation.
  UPDATE installments SET allocated_minor = allocated_minor + NEW.amount_minor WHERE id = NEW.target_installment_id;
  IF NEW.source_kind = 'receipt' THEN
    UPDATE receipts SET allocated_minor = allocated_minor + NEW.source_amount_minor WHERE id = NEW.source_receipt_id;
  ELSIF NEW.source_kind = 'credit_note' THEN
    UPDATE installments SET allocated_minor = allocated_minor + NEW.source_amount_minor WHERE id = NEW.source_installment_id;
  END IF;
  UPDATE control_totals SET open_minor = open_minor - NEW.amount_minor
   WHERE entity_id = NEW.entity_id AND side = NEW.side AND currency = tgt.currency;
  RETURN NEW;
END $$;
CREATE TRIGGER allocations_apply BEFORE INSERT ON allocations
  FOR EACH ROW EXECUTE FUNCTION shoufu_allocation_apply();
